import { HTTPClient } from "@dapr/dapr";
import type { SidecarEffect } from "./effects.ts";
import type { EffectContext, Executor } from "./lifecycle.ts";

/** A refusal from the sidecar, with daprd's status and error code (e.g. 409 on an ETag mismatch). */
export class SidecarError extends Error {
  override name = "SidecarError";
  readonly status: number;
  readonly errorCode: string | undefined;
  constructor(status: number, errorCode: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

export interface SidecarOptions {
  /** daprd's HTTP port; `dapr run` passes it to the app as DAPR_HTTP_PORT. */
  port?: string | number;
  host?: string;
  /** Sent as `dapr-api-token` when daprd runs with DAPR_API_TOKEN. */
  token?: string;
  /**
   * How long one effect call may take before the delivery gives up and answers RETRY. Outbound
   * resiliency retries happen inside daprd within this time, so keep it above their total.
   */
  timeoutMs?: number;
}

const isJsonType = (type: string) => /^application\/([\w.+-]+\+)?json$/i.test(type);
const query = (params: Record<string, string | undefined>) => {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries)}` : "";
};
const metadataQuery = (metadata: Record<string, string> = {}) =>
  query(Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata.${k}`, v])));
// @dapr/dapr's client skips falsy bodies (0, false, "", null) and JSON-encodes the rest; an object
// whose toJSON returns the value is always sent and serialises to exactly that value.
const jsonBody = (value: unknown) => ({ toJSON: () => value ?? null });

type Call = { path: string; method: string; body?: unknown; headers?: Record<string, string> };

/** The Dapr HTTP API call for one effect: pure, so tests and the fake sidecar can check it. */
export function toSidecarCall(effect: SidecarEffect): Call {
  const enc = encodeURIComponent;
  switch (effect.kind) {
    case "saveState": {
      const options = effect.concurrency || effect.consistency;
      const item = {
        key: effect.key,
        value: effect.value,
        ...(effect.etag !== undefined ? { etag: effect.etag } : {}),
        ...(effect.metadata ? { metadata: effect.metadata } : {}),
        ...(options ? { options: { concurrency: effect.concurrency, consistency: effect.consistency } } : {}),
      };
      return { method: "POST", path: `/state/${enc(effect.store)}`, body: jsonBody([item]) };
    }
    case "deleteState":
      return {
        method: "DELETE",
        path: `/state/${enc(effect.store)}/${enc(effect.key)}${query({ concurrency: effect.concurrency, consistency: effect.consistency })}`,
        headers: effect.etag !== undefined ? { "If-Match": effect.etag } : {},
      };
    case "publish": {
      const contentType = effect.contentType ?? "application/json";
      return {
        method: "POST",
        path: `/publish/${enc(effect.pubsub)}/${effect.topic.split("/").map(enc).join("/")}${metadataQuery(effect.metadata)}`,
        body: isJsonType(contentType) ? jsonBody(effect.data) : effect.data,
        headers: { "Content-Type": contentType },
      };
    }
    case "invokeBinding":
      return {
        method: "POST",
        path: `/bindings/${enc(effect.name)}`,
        body: jsonBody({ operation: effect.operation, data: effect.data ?? null, metadata: effect.metadata ?? {} }),
      };
  }
}

/** The executor that talks to daprd, through @dapr/dapr's HTTP client. The only module that does. */
export function createSidecarExecutor(options: SidecarOptions = {}): Executor {
  const client = new HTTPClient({
    daprHost: options.host ?? "127.0.0.1",
    daprPort: String(options.port ?? process.env.DAPR_HTTP_PORT ?? 3500),
    daprApiToken: options.token ?? process.env.DAPR_API_TOKEN,
  });
  const timeoutMs = options.timeoutMs ?? Number(process.env.DAPRLET_EFFECT_TIMEOUT_MS ?? 30_000);
  return async (effect: SidecarEffect, context: EffectContext) => {
    const call = toSidecarCall(effect);
    const headers = { "Content-Type": "application/json", ...call.headers, ...context.headers };
    // @dapr/dapr's HTTP client has no timeout; a hung sidecar must not hang the delivery.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SidecarError(0, undefined, `sidecar did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      // requiresInitialization=false: the runtime does not wait for the sidecar here; daprd starts first.
      await Promise.race([client.execute(call.path, { method: call.method, body: call.body as object, headers }, false), timeout]);
    } catch (error) {
      throw error instanceof SidecarError ? error : toSidecarError(error);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** @dapr/dapr throws `Error(JSON.stringify({ error, error_msg, status }))`; turn it back into data. */
function toSidecarError(error: unknown): Error {
  try {
    const { status, error_msg } = JSON.parse((error as Error).message) as { status: number; error_msg: string };
    let body: { errorCode?: string; message?: string } = {};
    try {
      body = JSON.parse(error_msg);
    } catch {
      body = { message: error_msg };
    }
    return new SidecarError(
      status,
      body.errorCode,
      `sidecar answered ${status}${body.errorCode ? ` ${body.errorCode}` : ""}: ${body.message ?? ""}`.trim(),
    );
  } catch {
    // Not an HTTP answer: the sidecar could not be reached.
    return new SidecarError(0, undefined, `sidecar unreachable: ${(error as Error).message}`);
  }
}
