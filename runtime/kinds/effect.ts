import type { SpanShape } from "./span.ts";

/**
 * The daprd HTTP APIs the runtime calls. The fake sidecar serves each one, and its route table
 * is checked against this list, so an effect kind using a new API cannot be added without it.
 */
export type DaprApi =
  | "state.get"
  | "state.bulk"
  | "state.save"
  | "state.delete"
  | "state.transaction"
  | "publish"
  | "publish.bulk"
  | "bindings.invoke"
  | "secrets.get"
  | "configuration.get"
  | "invoke"
  | "jobs.schedule"
  | "jobs.delete"
  | "workflows.start"
  | "workflows.raiseEvent"
  | "workflows.manage"
  | "workflows.get"
  | "actors.state"
  | "actors.state.get"
  | "actors.reminders.set"
  | "actors.reminders.delete"
  | "actors.timers.set"
  | "actors.timers.delete"
  | "actors.invoke";

/** One call to daprd's HTTP API, as data: tests and the fake sidecar can check it. */
export interface SidecarCall {
  api: DaprApi;
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Below `/v1.0`, query included: `/state/statestore`. */
  path: string;
  /** Already encoded (JSON text unless the effect says otherwise). */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Hand back non-2xx answers instead of failing (a called app's 4xx is the handler's to judge). */
  answerAny?: boolean;
}

/** Everything one kind of effect means to the runtime. One module per kind, gathered in `effects.ts`. */
export interface EffectKind<E extends { kind: string }> {
  kind: E["kind"];
  /** One line for logs and error messages, msw-style: `publish pubsub/orders`. */
  describe(effect: E): string;
  /**
   * How the sidecar carries it out, or null for effects that only shape the answer (reply, and
   * the verdicts retry and drop).
   */
  sidecar: {
    api: DaprApi;
    call(effect: E): SidecarCall;
    /** The CLIENT span around the call, whose context daprd receives in `traceparent`. */
    span(effect: E): SpanShape;
  } | null;
}

const enc = encodeURIComponent;
/** `/state/<store>`-style path segments, each encoded. */
export const segment = (value: string) => enc(value);

/** `?metadata.k=v` for daprd's request metadata. */
export const metadataQuery = (metadata: Record<string, string> = {}) =>
  query(Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata.${k}`, v])));

export const query = (params: Record<string, string | undefined>) => {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries)}` : "";
};

export const json = (value: unknown) => JSON.stringify(value ?? null);

/** What a sidecar call carries besides the effect: trace context, so daprd's spans join the delivery's trace. */
export interface CallContext {
  headers: Record<string, string>;
}
