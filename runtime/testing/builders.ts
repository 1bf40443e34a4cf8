// Longer than most (≈285 lines): one small builder per request daprd sends (one per trigger kind), kept together as the testing kit's one import.
import type { GenericSchema, InferInput } from "valibot";
import type { ActorContext } from "../actor.ts";
import type { Handler } from "../define.ts";
import type { BindingEvent } from "../kinds/binding.ts";
import type { ConfigurationChangedEvent } from "../kinds/configuration-changed.ts";
import type { InvokeEvent } from "../kinds/invoke.ts";
import type { JobEvent } from "../kinds/job.ts";
import type { JobFamilyEvent, JobFamilyTrigger } from "../kinds/job-family.ts";
import type { TopicEvent, TopicTrigger } from "../kinds/topic.ts";
import type { Trigger } from "../kinds/triggers.ts";
import type { WireRequest } from "../kinds/wire.ts";

/** A request daprd (or a caller) would send, minus the path: the app knows which route a handler has. */
export type Delivery = Omit<WireRequest, "path"> & { path?: string };

type TopicHandler = Handler<TopicTrigger, GenericSchema>;
type Input<H> = H extends Handler<Trigger, infer S> ? InferInput<S> : never;

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
let counter = 0;
const nextId = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, "0")}`;

export interface CloudEventOverrides {
  id?: string;
  source?: string;
  type?: string;
  time?: string;
  traceparent?: string;
  tracestate?: string;
  datacontenttype?: string;
  /** Extra headers, e.g. message metadata daprd forwards (`rawpayload`). */
  headers?: Record<string, string>;
  /** Replace the whole body: malformed JSON, wrong shapes. */
  body?: string | Uint8Array;
}

/** The CloudEvent daprd builds for a publish of `data`, as a JSON object. */
export function cloudEventBody<H extends TopicHandler>(handler: H, data: Input<H>, o: CloudEventOverrides = {}) {
  const t = handler.trigger;
  return {
    specversion: "1.0",
    id: o.id ?? nextId(),
    source: o.source ?? "order-service",
    type: o.type ?? "com.dapr.event.sent",
    datacontenttype: o.datacontenttype ?? "application/json",
    topic: t.topic,
    pubsubname: t.pubsub,
    time: o.time ?? "2026-01-01T00:00:00Z",
    traceid: o.traceparent ?? traceparent,
    traceparent: o.traceparent ?? traceparent,
    tracestate: o.tracestate ?? "",
    data,
  };
}

/** A pub/sub delivery exactly as daprd sends it: `application/cloudevents+json`, `Pubsubname` header. */
export function cloudEvent<H extends TopicHandler>(handler: H, data: Input<H>, o: CloudEventOverrides = {}): Delivery {
  const body = o.body ?? JSON.stringify(cloudEventBody(handler, data, o));
  return {
    method: "POST",
    headers: {
      "content-type": "application/cloudevents+json",
      pubsubname: handler.trigger.pubsub,
      traceparent: o.traceparent ?? traceparent,
      ...o.headers,
    },
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  };
}

/**
 * A delivery to a `rawPayload` subscription: daprd wraps the publisher's bytes in `data_base64`,
 * with `datacontenttype: application/octet-stream`, source "Dapr" and no `time`.
 */
export function rawCloudEvent(handler: TopicHandler, bytes: Uint8Array | string, o: { id?: string } = {}): Delivery {
  const t = handler.trigger;
  const raw = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes);
  const body = {
    id: o.id ?? nextId(),
    specversion: "1.0",
    datacontenttype: "application/octet-stream",
    source: "Dapr",
    type: "com.dapr.event.sent",
    topic: t.topic,
    pubsubname: t.pubsub,
    data_base64: raw.toString("base64"),
  };
  return { method: "POST", headers: { "content-type": "application/cloudevents+json", pubsubname: t.pubsub }, body: encode(body) };
}

/** A bulk delivery: `entries[]` of CloudEvents, labelled application/json as daprd does. */
export function bulkDelivery<H extends TopicHandler>(handler: H, items: Input<H>[], o: CloudEventOverrides = {}): Delivery {
  const t = handler.trigger;
  const entries = items.map((data, i) => ({
    entryId: String(i + 1),
    event: cloudEventBody(handler, data, o),
    contentType: "application/cloudevents+json",
    metadata: { pubsubName: t.pubsub },
  }));
  const body = { id: nextId(), type: "com.dapr.event.sent.bulk", topic: t.topic, pubsubname: t.pubsub, metadata: {}, entries };
  return { method: "POST", headers: { "content-type": "application/json", pubsubname: t.pubsub }, body: encode(body) };
}

/**
 * An input-binding event: the component's bytes, always `Content-Type: application/json`, with
 * its metadata as headers. With no data it is a cron tick (empty body, `timeZone`/`readTimeUTC`).
 */
export function bindingRequest<H extends Handler>(
  _handler: H,
  o: { data?: Input<H>; body?: string | Uint8Array; metadata?: Record<string, string> } = {},
): Delivery {
  const isCron = o.data === undefined && o.body === undefined;
  const metadata = o.metadata ?? (isCron ? { timezone: "UTC", readtimeutc: "2026-01-01 00:00:00 +0000 UTC" } : {});
  const body = o.body ?? (o.data === undefined ? new Uint8Array() : JSON.stringify(o.data));
  return {
    method: "POST",
    headers: { "content-type": "application/json", traceparent, ...metadata },
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  };
}

/**
 * A job firing as daprd sends it: `POST /job/<name>`, `application/json`, the job's data as the
 * whole body. Without `data`, what the runtime schedules: the trigger's `data`, or `{}`. For a
 * job family, `key` names the job (`<prefix>-<key>`) and the body is what `scheduleJob` sends
 * (the data wrapped with its `dueAt`).
 */
export function jobRequest<H extends Handler>(
  handler: H,
  data?: Input<H>,
  o: { body?: string | Uint8Array; key?: string; dueAt?: string } = {},
): Delivery {
  const t = handler.trigger;
  if (t.kind !== "job" && t.kind !== "jobFamily") throw new TypeError("jobRequest needs a handler with a job() or jobFamily() trigger");
  const family = t.kind === "jobFamily";
  if (family && o.key === undefined) throw new TypeError(`jobRequest: say which job of family ${t.prefix} fires: { key: "o-1" }`);
  const value = data === undefined ? (t.kind === "job" ? (t.data ?? {}) : {}) : data;
  const body = o.body ?? JSON.stringify(family ? { daprlet: o.dueAt ? { dueAt: o.dueAt } : {}, data: value } : value);
  return {
    method: "POST",
    path: `/job/${family ? `${t.prefix}-${o.key}` : t.name}`,
    headers: { "content-type": "application/json", traceparent },
    body: typeof body === "string" ? new TextEncoder().encode(body) : body,
  };
}

/** A request to an invoked route; `params` fill the path's `:name` segments. */
export function invokeRequest<H extends Handler>(
  handler: H,
  o: { body?: Input<H> | string; params?: Record<string, string>; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Delivery {
  const t = handler.trigger;
  if (t.kind !== "invoke") throw new TypeError("invokeRequest needs a handler with an invoke() trigger");
  const path = t.path.replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(o.params?.[k] ?? k));
  const query = o.query ? `?${new URLSearchParams(o.query)}` : "";
  const body =
    o.body === undefined ? new Uint8Array() : new TextEncoder().encode(typeof o.body === "string" ? o.body : JSON.stringify(o.body));
  return {
    method: t.method,
    path: path + query,
    headers: { ...(body.length ? { "content-type": "application/json" } : {}), ...o.headers },
    body,
  };
}

/** The typed event `handle` receives, for calling a handler directly. */
export function topicEvent<D>(data: D, o: Partial<Omit<TopicEvent<D>, "data">> = {}): TopicEvent<D> {
  return {
    data,
    id: nextId(),
    type: "com.dapr.event.sent",
    source: "order-service",
    specversion: "1.0",
    topic: "orders",
    pubsubname: "pubsub",
    time: "2026-01-01T00:00:00Z",
    metadata: {},
    ...o,
  };
}

export const bindingEvent = <D>(data: D, o: Partial<Omit<BindingEvent<D>, "data">> = {}): BindingEvent<D> => ({
  data,
  binding: "binding",
  metadata: {},
  ...o,
});

/** The event a job handler receives (fired at 2026-01-01T00:00:00Z unless `firedAt` says otherwise). */
export const jobEvent = <D>(data: D, o: Partial<Omit<JobEvent<D>, "data">> = {}): JobEvent<D> => ({
  data,
  job: "job",
  firedAt: "2026-01-01T00:00:00.000Z",
  ...o,
});

/** The event a job family's handler receives for `key`: the job is `<prefix>-<key>`. */
export const jobFamilyEvent = <D>(
  handler: { trigger: JobFamilyTrigger },
  key: string,
  data: D,
  o: Partial<Omit<JobFamilyEvent<D>, "data" | "key">> = {},
): JobFamilyEvent<D> => ({ ...jobEvent(data, { job: `${handler.trigger.prefix}-${key}`, ...o }), key });

/** The event a configurationChanged handler receives: the changed items; `key` defaults to the first item's. */
export const configurationEvent = <D>(
  store: string,
  data: D,
  o: Partial<Omit<ConfigurationChangedEvent<D>, "data">> = {},
): ConfigurationChangedEvent<D> => ({
  data,
  store,
  key: Object.keys((data ?? {}) as object)[0] ?? "key",
  subscriptionId: "00000000-0000-4000-8000-000000000000",
  ...o,
});

/**
 * A configuration change exactly as daprd delivers it: `POST /configuration/<store>/<key>`, one
 * per changed key, each with the whole event `{ id, items }`.
 */
export function configurationRequest(
  store: string,
  items: Record<string, { value?: string; version?: string; metadata?: Record<string, string> }>,
  o: { key?: string; id?: string } = {},
): Delivery {
  const key = o.key ?? Object.keys(items)[0];
  return {
    method: "POST",
    path: `/configuration/${store}/${key}`,
    headers: { "content-type": "application/json" },
    body: encode({ id: o.id ?? "00000000-0000-4000-8000-000000000000", items }),
  };
}

/** The event of an invoked route; its param keys come from `params`, e.g. `invokeEvent(body, { params: { sku: "s-1" } })`. */
export const invokeEvent = <D, const K extends string = never>(
  data: D,
  o: Partial<Omit<InvokeEvent<D, K>, "data">> = {},
): InvokeEvent<D, K> => ({ data, params: {} as Record<K, string>, query: {}, headers: {}, ...o });

/**
 * An actor method call exactly as daprd sends it to the app: `PUT /actors/<type>/<id>/method/<m>`
 * with the caller's JSON body (and its `Dapr-Reentrancy-Id`, when one is given).
 * @example await app.send("InventoryActor.reserve", actorCall("InventoryActor", "sku-1", "reserve", { order: "o-1", quantity: 1 }))
 */
export function actorCall(type: string, id: string, method: string, body?: unknown, o: { reentrancyId?: string } = {}): Delivery {
  return {
    method: "PUT",
    path: `/actors/${encodeURIComponent(type)}/${encodeURIComponent(id)}/method/${encodeURIComponent(method)}`,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(o.reentrancyId ? { "dapr-reentrancy-id": o.reentrancyId } : {}),
      traceparent,
    },
    body: body === undefined ? new Uint8Array() : encode(body),
  };
}

/** A reminder (or timer) firing as daprd delivers it: `{"data": <what it was set with>, "dueTime", "period"}`. */
export function actorReminder(
  type: string,
  id: string,
  name: string,
  data: { method: string; input?: unknown },
  o: { timer?: boolean; dueTime?: string; period?: string } = {},
): Delivery {
  const body = { data, dueTime: o.dueTime ?? "0s", period: o.period ?? "", ...(o.timer ? { callback: "" } : {}) };
  return {
    method: "PUT",
    path: `/actors/${encodeURIComponent(type)}/${encodeURIComponent(id)}/method/${o.timer ? "timer" : "remind"}/${encodeURIComponent(name)}`,
    headers: { "content-type": "application/json", traceparent },
    body: encode(body),
  };
}

/** What a method's context holds, for calling a method with plain values: `Actor.methods.reserve(state, input, actorContext("sku-1"))`. */
export const actorContext = (id: string, o: Partial<Omit<ActorContext, "id">> = {}): ActorContext => ({
  id,
  type: o.type ?? "Actor",
  method: o.method ?? "method",
  now: o.now ?? new Date("2026-01-01T00:00:00Z"),
  ...(o.reentrancyId ? { reentrancyId: o.reentrancyId } : {}),
});
