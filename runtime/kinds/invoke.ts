import type { Reply } from "./reply.ts";
import { httpSpanAttributes, type TriggerKind } from "./trigger.ts";
import { summarizeIssues } from "./verdict.ts";
import { isJsonType, readJson } from "./wire.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface InvokeTrigger<M extends HttpMethod = HttpMethod, P extends string = string> {
  kind: "invoke";
  method: M;
  path: P;
}

/** A route reached through service invocation. @example invoke("POST", "/orders/:id") */
export function invoke<const M extends HttpMethod, const P extends string>(method: M, path: P): InvokeTrigger<M, P> {
  return { kind: "invoke", method, path };
}

/** `"/orders/:id/items/:item"` → `"id" | "item"`, the way Hono types route params. */
export type ParamKeys<P extends string> = P extends `${string}:${infer K}/${infer Rest}`
  ? K | ParamKeys<`/${Rest}`>
  : P extends `${string}:${infer K}`
    ? K
    : never;

export interface InvokeEvent<D, K extends string> {
  data: D;
  params: Record<K, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    invoke: T extends InvokeTrigger<HttpMethod, infer P> ? InvokeEvent<D, ParamKeys<P>> : never;
  }
}

export const invokeKind: TriggerKind<InvokeTrigger> = {
  kind: "invoke",
  route: (t) => t.path,
  serves: (t, route) => [{ method: t.method, path: route }],
  describe: (t) => `${t.method} ${t.path}`,
  mount: (app, route, t, serve) => app.on(t.method, route, serve),
  parse(_t, req, params) {
    const url = new URL(req.path, "http://app");
    const base = { params, query: Object.fromEntries(url.searchParams), headers: req.headers };
    if (req.body.length === 0) return { bulk: false, messages: [{ ok: true, event: { data: undefined, ...base } }] };
    const type = req.headers["content-type"] ?? "";
    if (!isJsonType(type))
      return { bulk: false, messages: [{ ok: false, reason: `unsupported content type "${type}": send application/json`, status: 415 }] };
    const json = readJson(req.body);
    if (!json.ok) return { bulk: false, messages: [{ ok: false, reason: json.reason, status: 400 }] };
    return { bulk: false, messages: [{ ok: true, event: { data: json.value, ...base } }] };
  },
  /** The handler's reply, or a 4xx/5xx that says what went wrong. */
  answer(_t, { results }) {
    const { verdict, effects, issues, correlationId } = results[0].outcome;
    if (verdict.status === "SUCCESS") {
      const reply = effects.find((e): e is Reply => e.kind === "reply");
      return reply ? { status: reply.status, body: reply.body, headers: reply.headers } : { status: 204 };
    }
    // Only the caller's own mistakes (a body it sent that cannot be read or fails the schema) are
    // explained. Every other reason (daprd's error text, a handler's exception or its retry and
    // drop reasons, which may hold secrets) stays in the log and the span; the caller gets the
    // trace id to find it by.
    const internal = (status: number) => ({ status, body: { error: "internal error", correlationId } });
    switch (verdict.cause) {
      case "parse":
        return { status: verdict.httpStatus ?? 400, body: { error: verdict.reason } };
      // A path param or body value that would steer a daprd call (`..%2F..%2Fsecrets`): the caller's mistake.
      case "unsafe":
        return { status: 400, body: { error: verdict.reason } };
      case "schema":
        return { status: 400, body: { error: "invalid request body", issues: summarizeIssues(issues ?? []) } };
      case "conflict":
        return { status: 409, body: { error: "the data changed while this request was handled, try again", correlationId } };
      case "input":
        return internal(verdict.status === "DROP" ? 500 : 502);
      case "effect":
        return internal(502);
      case "deadline":
      case "busy":
        return internal(503);
      case "throw":
        return internal(500);
      default:
        // An explicit drop rejects the request; an explicit retry asks the caller to come back.
        return verdict.status === "DROP" ? { status: 422, body: { error: "request refused", correlationId } } : internal(503);
    }
  },
  span: (_t, route, req) => ({ name: `${req.method} ${route}`, kind: "server", attributes: httpSpanAttributes(route, req) }),
  answered: (_t, answer) => ({ "http.response.status_code": answer.status }),
  // Paths that differ only in parameter names (`/orders/:id` and `/orders/:orderId`) are one route.
  claims: (t) => [{ key: `route ${t.method} ${t.path.replace(/:\w+/g, ":")}`, what: invokeKind.describe(t) }],
  needs: () => [],
  track: () => undefined,
  guarded: false,
};
