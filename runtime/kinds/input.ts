import type { GenericSchema } from "valibot";
import type { CallContext, DaprApi, SidecarCall } from "./effect.ts";
import type { SpanShape } from "./span.ts";

/** daprd's answer to one call, read in full. */
export interface SidecarResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Sends one call to daprd's HTTP API; a non-2xx answer (unless the call says `answerAny`) or no answer throws. */
export type SidecarClient = (call: SidecarCall, context: CallContext) => Promise<SidecarResponse>;

/** The inputs an input waits for (named in its `after`), resolved. */
export type Earlier = Record<string, unknown>;

/**
 * A declared read, as a handler's `inputs(event)` returns it: resolved by the runtime before
 * `handle`. `V` is what `handle` receives.
 */
export interface Input<V = unknown, P = unknown, K extends string = string> {
  /** One of the table's kinds: `defineHandler` accepts only inputs whose kind has a line in `inputs.ts`. */
  kind: K;
  /** The read's parameters (keys, paths, bodies); `earlier` holds the inputs named in `after`. */
  params(earlier: Earlier): P;
  /** Validates what was read; a value that fails is an `invalid` input. */
  schema?: GenericSchema;
  /** Names of inputs this one needs first (e.g. a key read from a secret store); the rest load in parallel. */
  after?: readonly string[];
  /** Read only when this says so (e.g. charge a card only for an order that exists); else the value is `undefined`. */
  when?(earlier: Earlier): boolean;
  /** Type-level only: what `handle` receives. */
  readonly __value?: () => V;
}

/** The inputs a handler declares, by name. */
// biome-ignore lint/suspicious/noExplicitAny: parameters differ per input; the runtime handles all alike
export type Inputs = Record<string, Input<unknown, any>>;

/** A value, or a function of the inputs named in `after` (for a read that needs another's result). */
export type Later<T> = T | ((earlier: Earlier) => T);
export const resolveLater = <T>(value: Later<T>, earlier: Earlier): T =>
  typeof value === "function" ? (value as (earlier: Earlier) => T)(earlier) : value;

/** What `handle` receives as its second argument: each input's value, by name. */
export type InputValues<I> = { [K in keyof I]: I[K] extends { readonly __value?: () => infer V } ? V : never };

/** How reading one input ended. `unavailable`: the sidecar or a store failed (retry later); `invalid`: the value failed its schema. */
export type InputRead = { ok: true; value: unknown } | { ok: false; fault: "unavailable" | "invalid"; reason: string };

/** Everything one kind of input means to the runtime. One module per kind, gathered in `inputs.ts`. */
export interface InputKind<P, K extends string = string> {
  kind: K;
  api: DaprApi;
  /** One line for logs and errors: `state statestore/order-1`. */
  describe(params: P): string;
  /** The daprd call that reads it. */
  call(params: P): SidecarCall;
  /** daprd's answer → the value `handle` receives (validated by `schema` where there is one). */
  read(params: P, response: SidecarResponse, schema: GenericSchema | undefined): InputRead;
  /** The CLIENT span around the call. */
  span(params: P): SpanShape;
}
