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
export type Later<T, E = Earlier> = T | ((earlier: E) => T);
export const resolveLater = <T, E = Earlier>(value: Later<T, E>, earlier: Earlier): T =>
  typeof value === "function" ? (value as (earlier: Earlier) => T)(earlier) : value;

/**
 * The inputs one input waits for: their names (`after: ["order"]`, values untyped), or the inputs
 * themselves (`after: { order }`, so `when`, `headers`, a key function… get their values typed).
 * @example const order = state("statestore", key); return { order, charge: callApp(…, { after: { order }, when: ({ order }) => order.value !== undefined }) }
 */
// biome-ignore lint/suspicious/noExplicitAny: any input's parameters, as in `Inputs`
export type After = readonly string[] | Readonly<Record<string, Input<unknown, any>>>;
/** What the functions of an input with this `after` receive. */
export type EarlierOf<A> = A extends readonly string[] ? Earlier : InputValues<A>;
/** `after` as the runtime reads it: names. The object form is named by its keys, which must be the inputs' names. */
export const afterOf = (after: After | undefined): { after?: readonly string[] } =>
  after === undefined ? {} : { after: Array.isArray(after) ? after : Object.keys(after) };

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
  /** Typical parameters: `daprd-path.case.test.ts` feeds hostile values into each field. */
  example: P;
}
