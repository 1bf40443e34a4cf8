import type { BindingEvent, InvokeEvent, TopicEvent, TopicTrigger } from "./define.ts";

/** A request as it arrived on the wire: what daprd sent, and what recordings store. */
export interface WireRequest {
  method: string;
  /** Path and query, e.g. `/events/onOrderCreated` or `/orders?x=1`. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A delivery the runtime could read, or why it could not (with the HTTP status an invoked route answers). */
export type Parsed<E> = { ok: true; event: E } | { ok: false; reason: string; status: number };

const fail = (reason: string, status = 400) => ({ ok: false, reason, status }) as const;

// Headers that are transport or Dapr plumbing, not message metadata.
const plumbing = new Set([
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "accept-encoding",
  "connection",
  "dapr-api-token",
  "traceparent",
  "tracestate",
  "baggage",
]);

/** Message or component metadata daprd turned into headers (it lower-cases, then canonicalises, the keys). */
export const metadataOf = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => !plumbing.has(k)));

const isJsonType = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type.trim());
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function readJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (bytes.length === 0) return { ok: false, reason: "empty body" };
  try {
    return { ok: true, value: JSON.parse(text(bytes)) };
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
}

type CloudEventJson = Record<string, unknown> & { data?: unknown; data_base64?: unknown; datacontenttype?: unknown };

/**
 * `data_base64` holds bytes: raw payloads (`datacontenttype: application/octet-stream`) and
 * binary publishes. JSON content is parsed; octet-stream is parsed when it is JSON (publishers
 * of raw payloads usually send JSON), and otherwise handed over as bytes.
 */
function dataOf(ce: CloudEventJson): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof ce.data_base64 !== "string") return { ok: true, value: ce.data };
  const bytes = Buffer.from(ce.data_base64, "base64");
  const type = typeof ce.datacontenttype === "string" ? ce.datacontenttype : "application/octet-stream";
  if (isJsonType(type)) return readJson(bytes);
  if (type.startsWith("text/")) return { ok: true, value: text(bytes) };
  const json = readJson(bytes);
  return json.ok ? json : { ok: true, value: new Uint8Array(bytes) };
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Turns one CloudEvent (or plain JSON event) into what a topic handler receives. */
export function topicEventOf(trigger: TopicTrigger, body: unknown, headers: Record<string, string>): Parsed<TopicEvent<unknown>> {
  const metadata = metadataOf(headers);
  const isCloudEvent = typeof body === "object" && body !== null && !Array.isArray(body) && "specversion" in body;
  if (!isCloudEvent) {
    // Plain JSON: a publisher sent rawPayload without a raw subscription, or a non-Dapr producer.
    return {
      ok: true,
      event: {
        data: body,
        id: "",
        type: "",
        source: "",
        specversion: "",
        topic: trigger.topic,
        pubsubname: headers.pubsubname ?? trigger.pubsub,
        traceparent: headers.traceparent,
        tracestate: headers.tracestate,
        metadata,
      },
    };
  }
  const ce = body as CloudEventJson;
  const data = dataOf(ce);
  if (!data.ok) return fail(`CloudEvent data: ${data.reason}`);
  return {
    ok: true,
    event: {
      data: data.value,
      id: str(ce.id) ?? "",
      type: str(ce.type) ?? "",
      source: str(ce.source) ?? "",
      specversion: str(ce.specversion) ?? "",
      topic: str(ce.topic) ?? trigger.topic,
      pubsubname: str(ce.pubsubname) ?? trigger.pubsub,
      time: str(ce.time),
      subject: str(ce.subject),
      datacontenttype: str(ce.datacontenttype),
      // The body carries the publisher's context; the headers carry daprd's delivery span.
      traceparent: str(ce.traceparent),
      tracestate: str(ce.tracestate),
      metadata,
    },
  };
}

/** A single pub/sub delivery. daprd always sends `application/cloudevents+json`; plain JSON is accepted too. */
export function parseTopicDelivery(trigger: TopicTrigger, req: WireRequest): Parsed<TopicEvent<unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!isJsonType(type)) return fail(`unsupported content type "${type}": expected application/cloudevents+json`, 415);
  const json = readJson(req.body);
  if (!json.ok) return fail(json.reason);
  return topicEventOf(trigger, json.value, req.headers);
}

export interface BulkEntry {
  entryId: string;
  event: unknown;
  contentType?: string;
  metadata?: Record<string, string>;
}

/** A bulk delivery's entries; each entry is parsed on its own so one bad entry cannot fail the rest. */
export function parseBulkDelivery(req: WireRequest): Parsed<BulkEntry[]> {
  const json = readJson(req.body);
  if (!json.ok) return fail(json.reason);
  const entries = (json.value as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) return fail("bulk delivery without an entries array");
  return { ok: true, event: entries as BulkEntry[] };
}

/** One bulk entry: a CloudEvent object, or (raw subscriptions) the base64 of the publisher's bytes. */
export function parseBulkEntry(trigger: TopicTrigger, entry: BulkEntry, headers: Record<string, string>): Parsed<TopicEvent<unknown>> {
  const entryHeaders = { ...headers, ...lowerKeys(entry.metadata ?? {}) };
  if (typeof entry.event === "string") {
    const raw = { specversion: "1.0", id: entry.entryId, data_base64: entry.event, datacontenttype: entry.contentType };
    return topicEventOf(trigger, raw, entryHeaders);
  }
  return topicEventOf(trigger, entry.event, entryHeaders);
}

/** An input-binding event. The body is the component's raw bytes, always labelled application/json. */
export function parseBindingDelivery(name: string, req: WireRequest): Parsed<BindingEvent<unknown>> {
  const metadata = metadataOf(req.headers);
  // cron sends an empty body; queue bindings send whatever the producer wrote.
  if (req.body.length === 0) return { ok: true, event: { data: undefined, binding: name, metadata } };
  const json = readJson(req.body);
  return { ok: true, event: { data: json.ok ? json.value : text(req.body), binding: name, metadata } };
}

/** An invoked route's request: the body must be JSON when there is one. */
export function parseInvokeRequest(req: WireRequest, params: Record<string, string>): Parsed<InvokeEvent<unknown, string>> {
  const url = new URL(req.path, "http://app");
  const base = { params, query: Object.fromEntries(url.searchParams), headers: req.headers };
  if (req.body.length === 0) return { ok: true, event: { data: undefined, ...base } };
  const type = req.headers["content-type"] ?? "";
  if (!isJsonType(type)) return fail(`unsupported content type "${type}": send application/json`, 415);
  const json = readJson(req.body);
  if (!json.ok) return fail(json.reason);
  return { ok: true, event: { data: json.value, ...base } };
}

const lowerKeys = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
