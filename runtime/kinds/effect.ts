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
  | "configuration.subscribe"
  | "configuration.unsubscribe"
  | "metadata.get"
  | "metadata.set"
  | "invoke"
  | "jobs.schedule"
  | "jobs.delete"
  | "lock.try"
  | "lock.unlock"
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
  /** Below `/v1.0` (or `/<version>`), query included: `/state/statestore`. */
  path: string;
  /** The API version in the URL when it is not `v1.0`: the lock API is `v1.0-alpha1` only. */
  version?: "v1.0-alpha1";
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
    /**
     * A typical effect of this kind. `daprd-path.case.test.ts` feeds hostile values into each of
     * its fields, so a new kind cannot skip the check that its values stay in their path segments.
     */
    example: E;
  } | null;
  /**
   * The state writes it stands for, when it is one: the pipeline groups a delivery's writes into
   * one transaction per store (with the applied-record), asking each kind rather than naming it.
   */
  writes?(effect: E): { store: string; ops: readonly StateWrite[] };
}

/** One state write, as a `saveState` or `deleteState` effect spells it (the transaction's ops). */
export interface StateWrite {
  kind: "saveState" | "deleteState";
  store: string;
  key: string;
}

export const json = (value: unknown) => JSON.stringify(value ?? null);

/** What a sidecar call carries besides the effect: trace context, so daprd's spans join the delivery's trace. */
export interface CallContext {
  headers: Record<string, string>;
  /** When the delivery's deadline passes (`Date.now()` time): the call is given no longer. */
  deadlineAt?: number;
}
