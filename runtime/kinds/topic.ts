// Longer than most (≈270 lines): a kind is one module (STYLE.md); the topic kind carries CloudEvent parsing, bulk entries and dead-letter tracking, which only it has.
import type { ComponentName } from "./names.ts";
import type { Message, TriggerKind } from "./trigger.ts";
import type { WireRequest } from "./wire.ts";
import { isJsonType, lowerKeys, metadataOf, readJson, readText } from "./wire.ts";

/** Bulk delivery settings, passed through to the Subscription's `bulkSubscribe`. */
export interface BulkOptions {
  maxMessagesCount?: number;
  maxAwaitDurationMs?: number;
}

export interface TopicOptions {
  /** CEL routing rule (the only variable is `event`); handlers of one topic share a Subscription, and handlers with the same rule (or none) each get every message. */
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

/** A pub/sub subscription. @example topic("pubsub", "orders", { deadLetterTopic: "orders-dead" }) */
export function topic<const P extends ComponentName<"pubsub">, const T extends string>(
  pubsub: P,
  name: T,
  options: TopicOptions = {},
): TopicTrigger<P, T> {
  return { kind: "topic", pubsub, topic: name, ...options };
}

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
  /** Set when this message failed before (on any replica: the record is kept in the state store): the last reason and how many attempts. */
  failure?: FailureRecord;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    topic: TopicEvent<D>;
  }
}

type CloudEventJson = Record<string, unknown> & { data?: unknown; data_base64?: unknown; datacontenttype?: unknown };
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const refuse = (reason: string, status = 400) => ({ ok: false, reason, status }) as const;

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
  if (type.startsWith("text/")) return readText(bytes);
  const json = readJson(bytes);
  // Not JSON, not text (or too deep to parse): the bytes as they are, which nothing recurses into.
  return json.ok ? json : { ok: true, value: new Uint8Array(bytes) };
}

/** A value in a reason: JSON, cut short (a reason is logged and stored). */
const shown = (v: unknown) => (v === undefined ? "(missing)" : JSON.stringify(v).slice(0, 80));
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const control = /[\u0000-\u001f\u007f]/;

/**
 * What makes a CloudEvent unusable, or undefined. Its `id` is the message's identity (the
 * applied-record, the failure record, a dead letter's reason): without one, a redelivery would be
 * applied again and a failure would leave no trace. daprd always sends specversion "1.0" and a
 * uuid; anything else did not come from daprd's envelope and is DROPped (dead-lettered) with why.
 */
function envelopeFault(ce: CloudEventJson): string | undefined {
  if (ce.specversion !== "1.0") return `specversion ${shown(ce.specversion)} is not "1.0"`;
  if (typeof ce.id !== "string" || ce.id === "") return `id ${shown(ce.id)} is not a non-empty string`;
  if (control.test(ce.id)) return `id ${shown(ce.id)} contains a control character`;
  return undefined;
}

/** Turns one CloudEvent (or plain JSON event) into what a topic handler receives. */
export function topicEventOf(trigger: TopicTrigger, body: unknown, headers: Record<string, string>): Message<TopicEvent<unknown>> {
  const metadata = metadataOf(headers);
  const isCloudEvent = typeof body === "object" && body !== null && !Array.isArray(body) && "specversion" in body;
  if (!isCloudEvent) {
    // Plain JSON: a publisher sent rawPayload without a raw subscription, or a non-Dapr producer.
    const event = { data: body, id: "", type: "", source: "", specversion: "", topic: trigger.topic };
    return {
      ok: true,
      event: {
        ...event,
        pubsubname: headers.pubsubname ?? trigger.pubsub,
        traceparent: headers.traceparent,
        tracestate: headers.tracestate,
        metadata,
      },
    };
  }
  const ce = body as CloudEventJson;
  const bad = envelopeFault(ce);
  if (bad) return refuse(`CloudEvent ${bad}`);
  const data = dataOf(ce);
  if (!data.ok) return refuse(`CloudEvent data: ${data.reason}`);
  return {
    ok: true,
    event: {
      data: data.value,
      id: ce.id as string,
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

interface BulkEntry {
  entryId: string;
  event: unknown;
  contentType?: string;
  metadata?: Record<string, string>;
}

/**
 * The most entries one bulk delivery may carry (DAPRLET_MAX_BULK_ENTRIES, default 1000, never below
 * the handler's own `maxMessagesCount`, which daprd never exceeds). daprd itself sets no ceiling.
 */
const maxBulkEntries = Number(process.env.DAPRLET_MAX_BULK_ENTRIES ?? 1000);

/** A bulk delivery's entries, or undefined when the body is not one. */
function bulkEntries(req: WireRequest): unknown[] | undefined {
  const json = readJson(req.body);
  const entries = json.ok ? (json.value as { entries?: unknown } | null)?.entries : undefined;
  return Array.isArray(entries) ? entries : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function entryFault(item: unknown): string | undefined {
  if (!isObject(item)) return `is ${item === null ? "null" : typeof item}, not an object`;
  if (typeof item.entryId !== "string" || item.entryId === "") return "has no entryId";
  if (typeof item.event !== "string" && !isObject(item.event)) return `${item.entryId} has no event (a CloudEvent object, or base64 text)`;
  if (item.metadata !== undefined && !isObject(item.metadata)) return `${item.entryId} has metadata that is not an object`;
  return undefined;
}

/**
 * One bulk entry: a CloudEvent object, or (raw subscriptions) the base64 of the publisher's bytes.
 * A malformed entry is refused on its own (DROP under its entryId, or under "" without one: daprd
 * ignores an unknown id, and never sends an entry without one), never the whole batch.
 */
function bulkMessage(trigger: TopicTrigger, item: unknown, headers: Record<string, string>): Message {
  const fault = entryFault(item);
  if (fault) {
    const entryId = isObject(item) && typeof item.entryId === "string" ? item.entryId : "";
    return { ...refuse(`bulk entry ${fault}`), entryId };
  }
  const entry = item as BulkEntry;
  const entryHeaders = { ...headers, ...lowerKeys(entry.metadata ?? {}) };
  const body =
    typeof entry.event === "string"
      ? { specversion: "1.0", id: entry.entryId, data_base64: entry.event, datacontenttype: entry.contentType }
      : entry.event;
  return { ...topicEventOf(trigger, body, entryHeaders), entryId: entry.entryId };
}

/** A single pub/sub delivery. daprd always sends `application/cloudevents+json`; plain JSON is accepted too. */
function singleMessage(trigger: TopicTrigger, req: WireRequest): Message {
  const type = req.headers["content-type"] ?? "";
  if (!isJsonType(type)) return refuse(`unsupported content type "${type}": expected application/cloudevents+json`, 415);
  const json = readJson(req.body);
  if (!json.ok) return refuse(json.reason);
  return topicEventOf(trigger, json.value, req.headers);
}

const statusBody = (outcome: { verdict: { status: string; reason?: string } }) => ({
  status: outcome.verdict.status,
  ...(outcome.verdict.reason ? { reason: outcome.verdict.reason } : {}),
});

export const topicKind: TriggerKind<TopicTrigger> = {
  kind: "topic",
  route: (_t, name) => `/events/${name}`,
  serves: (_t, route) => [{ method: "POST", path: route }],
  describe: (t) => `topic ${t.pubsub}/${t.topic}${t.match ? ` [${t.match}]` : ""}`,
  mount: (app, route, _t, serve) => app.post(route, serve),
  parse(trigger, req) {
    // daprd labels bulk deliveries application/json and single ones application/cloudevents+json;
    // the body's `entries` array is what really tells them apart. Anything else is a single delivery.
    const entries = trigger.bulk ? bulkEntries(req) : undefined;
    const cap = Math.max(maxBulkEntries, trigger.bulk?.maxMessagesCount ?? 0);
    if (entries && entries.length > cap)
      return {
        bulk: false,
        messages: [refuse(`bulk delivery of ${entries.length} entries exceeds the ${cap}-entry limit (DAPRLET_MAX_BULK_ENTRIES)`, 413)],
      };
    if (entries) return { bulk: true, messages: entries.map((entry) => bulkMessage(trigger, entry, req.headers)) };
    return { bulk: false, messages: [singleMessage(trigger, req)] };
  },
  // Always 200 with the status in the body: a non-2xx would be read as a retriable error. A bulk
  // delivery gets one status per entry (an entry left out would count as RETRY).
  answer: (_t, { bulk, results }) =>
    bulk
      ? {
          status: 200,
          body: { statuses: results.map(({ message, outcome }) => ({ entryId: message.entryId ?? "", status: outcome.verdict.status })) },
        }
      : { status: 200, body: statusBody(results[0].outcome) },
  span: (t, _route, _req, event) => {
    const id = (event as { id?: string } | undefined)?.id;
    return {
      name: `process ${t.topic}`,
      kind: "consumer",
      attributes: {
        "messaging.system": "dapr",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": t.topic,
        "dapr.pubsub.name": t.pubsub,
        ...(id ? { "messaging.message.id": id } : {}),
      },
    };
  },
  answered: () => ({}),
  claims: (_t, route) => [{ key: `route POST ${route}`, what: `POST ${route}` }],
  // Several handlers of one topic (and rule) fan out: one subscription route, a verdict each.
  shares: (t) => `topic ${t.pubsub}/${t.topic}/${t.match ?? ""}`,
  needs: (t) => [{ block: "pubsub", name: t.pubsub }],
  subscription: (t) => ({ pubsub: t.pubsub, topic: t.topic, deadLetterTopic: t.deadLetterTopic }),
  /**
   * A dead-lettered event keeps its `id` and its original `topic` field, so `seen` (the body's
   * topic) finds why the original handler gave up, while this handler's own failures are
   * recorded under its trigger's topic (`own`).
   */
  track(t, event) {
    const e = event as TopicEvent<unknown>;
    if (!e.id) return undefined;
    return { own: `${e.pubsubname}/${t.topic}/${e.id}`, seen: `${e.pubsubname}/${e.topic}/${e.id}` };
  },
  guarded: true,
};
