import { type GenericSchema, type InferOutput, safeParse } from "valibot";
import { json, segment } from "./effect.ts";
import { type Earlier, type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import { summarizeIssues } from "./verdict.ts";
import { readJson, text } from "./wire.ts";

/**
 * Another app's answer as `handle` receives it. 2xx: `ok` with the body validated by the schema;
 * 4xx: not ok, the body as sent, for the handler to judge. A 5xx or no answer never reaches
 * `handle`: the delivery is retried (an invoked route answers 502).
 */
export type CallAnswer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: unknown };

export interface CallOptions<S extends GenericSchema> {
  /** JSON body, sent with `content-type: application/json`. */
  body?: Later<unknown>;
  /** e.g. a key read by another input: `after: ["apiKey"], headers: ({ apiKey }) => ({ "x-api-key": String(apiKey) })` */
  headers?: Later<Record<string, string>>;
  /** Validates a 2xx answer's body; a body that fails is treated like a 5xx (the other app misbehaved). */
  schema?: S;
  after?: readonly string[];
  /** Call only when this says so, from the inputs named in `after`; otherwise `handle` gets `undefined`. */
  when?: (earlier: Earlier) => boolean;
}

interface CallParams {
  appId: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Calls another app's method through service invocation before `handle`, which gets the answer.
 * @example inputs: ({ data }) => ({ charge: callApp("payment-gateway", "POST", "/charge", { body: data, schema: Charge }) })
 */
export function callApp<S extends GenericSchema = GenericSchema<unknown, unknown>>(
  appId: string,
  method: Method,
  path: Later<string>,
  options: CallOptions<S> & { when: (earlier: Earlier) => boolean },
): Input<CallAnswer<InferOutput<S>> | undefined, CallParams, "callApp">;
export function callApp<S extends GenericSchema = GenericSchema<unknown, unknown>>(
  appId: string,
  method: Method,
  path: Later<string>,
  options?: CallOptions<S>,
): Input<CallAnswer<InferOutput<S>>, CallParams, "callApp">;
export function callApp<S extends GenericSchema>(
  appId: string,
  method: Method,
  path: Later<string>,
  options: CallOptions<S> = {},
): Input<unknown, CallParams, "callApp"> {
  return {
    kind: "callApp",
    params: (earlier) => ({
      appId,
      method,
      path: resolveLater(path, earlier),
      ...(options.body !== undefined ? { body: resolveLater(options.body, earlier) } : {}),
      ...(options.headers ? { headers: resolveLater(options.headers, earlier) } : {}),
    }),
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.after ? { after: options.after } : {}),
    ...(options.when ? { when: options.when } : {}),
  };
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

export const callAppInputKind: InputKind<CallParams, "callApp"> = {
  kind: "callApp",
  api: "invoke",
  describe: (p) => `callApp ${p.appId} ${p.method} ${p.path}`,
  call: (p) => ({
    api: "invoke",
    method: p.method as "GET",
    path: `/invoke/${segment(p.appId)}/method/${p.path.replace(/^\/+/, "")}`,
    ...(p.body !== undefined ? { body: json(p.body) } : {}),
    headers: { ...(p.body !== undefined ? { "content-type": "application/json" } : {}), ...p.headers },
    answerAny: true,
  }),
  read(p, res, schema): InputRead {
    const parsed = readJson(res.body);
    const body = res.body.length === 0 ? undefined : parsed.ok ? parsed.value : text(res.body);
    if (res.status >= 500) return { ok: false, fault: "unavailable", reason: `${p.appId} ${p.method} ${p.path} answered ${res.status}` };
    if (res.status >= 300) return { ok: true, value: { ok: false, status: res.status, body } };
    if (!schema) return { ok: true, value: { ok: true, status: res.status, body } };
    const result = safeParse(schema, body);
    if (!result.success) {
      return {
        ok: false,
        fault: "unavailable",
        reason: `${p.appId} ${p.method} ${p.path} answered a body that fails its schema: ${summarizeIssues(result.issues).join("; ")}`,
      };
    }
    return { ok: true, value: { ok: true, status: res.status, body: result.output } };
  },
  span: (p) => ({
    name: `callApp ${p.appId} ${p.method} ${p.path}`,
    kind: "client",
    attributes: { "rpc.system": "dapr", "rpc.service": p.appId, "http.request.method": p.method, "dapr.app.id": p.appId },
  }),
};
