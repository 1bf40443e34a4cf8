import type { GenericSchema, InferOutput } from "valibot";
import type { Effect } from "./effects.ts";

/** Bulk delivery settings, passed through to the Subscription's `bulkSubscribe`. */
export interface BulkOptions {
  maxMessagesCount?: number;
  maxAwaitDurationMs?: number;
}

export interface TopicOptions {
  /** CEL routing rule (the only variable is `event`); handlers of one topic share a Subscription. */
  match?: string;
  /** Topic daprd republishes a message to after DROP or exhausted retries. */
  deadLetterTopic?: string;
  /** Subscribe with `rawPayload: "true"`: the publisher's bytes arrive in `data_base64`. */
  rawPayload?: boolean;
  /** Opt in to bulk deliveries; `handle` still sees one event at a time. */
  bulk?: BulkOptions;
  /** Extra subscription metadata (string values only: daprd rejects anything else). */
  metadata?: Record<string, string>;
}

export interface TopicTrigger<P extends string = string, T extends string = string> extends TopicOptions {
  kind: "topic";
  pubsub: P;
  topic: T;
}

export interface BindingTrigger<N extends string = string> {
  kind: "binding";
  name: N;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface InvokeTrigger<M extends HttpMethod = HttpMethod, P extends string = string> {
  kind: "invoke";
  method: M;
  path: P;
}

export type Trigger = TopicTrigger | BindingTrigger | InvokeTrigger;

/** A pub/sub subscription. @example topic("pubsub", "orders", { deadLetterTopic: "orders-dead" }) */
export function topic<const P extends string, const T extends string>(pubsub: P, name: T, options: TopicOptions = {}): TopicTrigger<P, T> {
  return { kind: "topic", pubsub, topic: name, ...options };
}

/** An input binding (cron, MQTT, queues): daprd POSTs to `/<name>`. @example binding("cron") */
export function binding<const N extends string>(name: N): BindingTrigger<N> {
  return { kind: "binding", name };
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

/** Why this delivery is a retry of an earlier one, or reached a dead-letter handler. */
export interface FailureRecord {
  reason: string;
  attempts: number;
}

export interface TopicEvent<D> {
  data: D;
  id: string;
  type: string;
  source: string;
  specversion: string;
  topic: string;
  pubsubname: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  traceparent?: string;
  tracestate?: string;
  /** Message metadata daprd sent as headers (lower-case keys), e.g. `rawpayload`. */
  metadata: Record<string, string>;
  /** Set when this message failed before in this process: the last reason and how many attempts. */
  failure?: FailureRecord;
}

export interface BindingEvent<D> {
  data: D;
  binding: string;
  /** The component's metadata, sent by daprd as headers (lower-case keys), e.g. cron's `readtimeutc`. */
  metadata: Record<string, string>;
}

export interface InvokeEvent<D, K extends string> {
  data: D;
  params: Record<K, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
}

/** What `handle` receives, derived from the trigger and the schema's output. */
export type HandlerEvent<T extends Trigger, D> = T extends TopicTrigger
  ? TopicEvent<D>
  : T extends BindingTrigger
    ? BindingEvent<D>
    : T extends InvokeTrigger<HttpMethod, infer P>
      ? InvokeEvent<D, ParamKeys<P>>
      : never;

// biome-ignore lint/suspicious/noConfusingVoidType: lets `handle` be a block that returns nothing
export type HandlerResult = Effect | readonly Effect[] | undefined | void;

export interface Handler<T extends Trigger = Trigger, S extends GenericSchema = GenericSchema> {
  trigger: T;
  /** Validates `data` before `handle` runs; a failure is DROP (pub/sub) or 400 (invoke). */
  schema: S;
  // A method, not a function property: method parameters are checked bivariantly, so any concrete
  // handler is still a `Handler` where the testing kit and the runtime accept one.
  handle(event: HandlerEvent<T, InferOutput<S>>): HandlerResult | Promise<HandlerResult>;
}

/**
 * Returns its argument; it exists so `event.data` is typed from the schema and the trigger stays literal.
 * @example export const onOrderCreated = defineHandler({ trigger: topic("pubsub", "orders"), schema: Order, handle: (e) => [] })
 */
export function defineHandler<const T extends Trigger, S extends GenericSchema>(handler: Handler<T, S>): Handler<T, S> {
  return handler;
}

/** The loose shape the runtime works with once types have done their job. */
// biome-ignore lint/suspicious/noExplicitAny: the runtime calls handlers of every trigger kind
export type AnyHandler = Handler<Trigger, GenericSchema> & { handle: (event: any) => unknown };
