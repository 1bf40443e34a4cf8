import type { CallContext } from "../kinds/effect.ts";
import { type Executor, sidecarCall } from "../kinds/effects.ts";
import type { SidecarClient } from "../kinds/input.ts";
import type { SpanShape } from "../kinds/span.ts";
import type { Observation } from "../observe/observer.ts";

/** A refusal from the sidecar, with daprd's status and error code (e.g. 409 on an ETag mismatch); status 0: not reached. */
export class SidecarError extends Error {
  override name = "SidecarError";
  readonly status: number;
  readonly errorCode: string | undefined;
  constructor(status: number, errorCode: string | undefined, message: string, options?: ErrorOptions) {
    super(message, options);
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
   * How long one call may take before the delivery gives up and answers RETRY. Outbound
   * resiliency retries happen inside daprd within this time, so keep it above their total.
   */
  timeoutMs?: number;
}

export type { SidecarClient, SidecarResponse } from "../kinds/input.ts";

/** The client of daprd's HTTP API: the only module that talks to the sidecar. */
export function createSidecarClient(options: SidecarOptions = {}): SidecarClient {
  const base = `http://${options.host ?? "127.0.0.1"}:${options.port ?? process.env.DAPR_HTTP_PORT ?? 3500}/`;
  const token = options.token ?? process.env.DAPR_API_TOKEN;
  const timeoutMs = options.timeoutMs ?? Number(process.env.DAPRLET_EFFECT_TIMEOUT_MS ?? 30_000);
  return async (call, context) => {
    const headers: Record<string, string> = {
      ...(call.body !== undefined ? { "content-type": "application/json" } : {}),
      ...call.headers,
      ...context.headers,
      ...(token ? { "dapr-api-token": token } : {}),
    };
    let res: Response;
    try {
      // A hung sidecar must not hang the delivery, nor outlast the delivery's deadline.
      const left = context.deadlineAt === undefined ? timeoutMs : Math.max(0, Math.min(timeoutMs, context.deadlineAt - Date.now()));
      const signal = AbortSignal.timeout(left);
      res = await fetch(base + (call.version ?? "v1.0") + call.path, { method: call.method, headers, body: call.body, signal });
    } catch (error) {
      const cause = error as Error;
      if (cause.name === "TimeoutError") {
        const why =
          context.deadlineAt !== undefined && Date.now() >= context.deadlineAt
            ? "before the delivery's deadline"
            : `within ${timeoutMs} ms`;
        throw new SidecarError(0, undefined, `sidecar did not answer ${why}`, { cause });
      }
      throw new SidecarError(
        0,
        undefined,
        `sidecar unreachable: ${cause.message}${cause.cause ? ` (${(cause.cause as Error).message})` : ""}`,
        { cause },
      );
    }
    const body = new Uint8Array(await res.arrayBuffer());
    if ((res.status >= 200 && res.status < 300) || call.answerAny) return { status: res.status, headers: res.headers, body };
    throw refusal(res.status, body);
  };
}

/**
 * daprd answers errors as `{"errorCode":"ERR_…","message":"…"}`; anything else (a called app's own
 * answer, passed through) is quoted as is, cut at 500 characters.
 */
function refusal(status: number, body: Uint8Array): SidecarError {
  const text = new TextDecoder().decode(body);
  let parsed: { errorCode?: unknown; message?: unknown } | null = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: quoted below
  }
  const code = typeof parsed?.errorCode === "string" ? parsed.errorCode : undefined;
  const message = typeof parsed?.message === "string" ? parsed.message : text.length > 500 ? `${text.slice(0, 500)}…` : text;
  return new SidecarError(status, code, `sidecar answered ${status}${code ? ` ${code}` : ""}: ${message}`.trim());
}

/** Carries out effects through a sidecar client, each as its kind's call. */
export function createSidecarExecutor(options: SidecarOptions | SidecarClient = {}): Executor {
  const client = typeof options === "function" ? options : createSidecarClient(options);
  return async (effect, context) => {
    const call = sidecarCall(effect);
    if (call) await client(call, context);
  };
}

/**
 * One call of a delivery: in a child span of its own when traced (its trace headers then go to
 * daprd), else with the delivery's headers; `deadlineAt` bounds it (the delivery's deadline).
 */
export function traced<T>(
  observation: Observation,
  shape: SpanShape,
  deadlineAt: number | undefined,
  run: (context: CallContext) => Promise<T>,
): Promise<T> {
  if (observation.child) return observation.child(shape, (headers) => run({ headers, deadlineAt }));
  return run(deadlineAt === undefined ? observation.context : { headers: observation.context.headers, deadlineAt });
}
