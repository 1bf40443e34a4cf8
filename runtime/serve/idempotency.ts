// Effects applied once per message: a record keyed by handler and message id, written with the
// delivery's state writes (in their transaction where the store's transactions are atomic, after
// them where they are not), and checked before a redelivery is handled.
import type { IdempotencyOptions } from "../define.ts";
import type { HandlerDescriptor } from "../descriptor.ts";
import { type Effect, isEffect } from "../kinds/effects.ts";
import type { SidecarClient } from "../kinds/input.ts";
import type { SaveState } from "../kinds/save-state.ts";
import { stateInputKind, storedValue } from "../kinds/state-input.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import type { Observation } from "../observe/observer.ts";
import { traced } from "./sidecar.ts";

/** Where a message's record lives. */
export interface Guard {
  store: string;
  key: string;
  ttlSeconds: number;
  messageId: string;
}

/** What the record says: applied, and the effects (publishes, calls) still to carry out, if any. */
export interface AppliedRecord {
  appliedAt: string;
  pending?: Effect[];
}

/**
 * A record as read: `record` when one was applied; a value that is not a record (written by
 * hand, truncated) is not trusted, and its `etag` lets the delivery replace it.
 */
export interface ReadApplied {
  record?: AppliedRecord;
  etag?: string;
  malformed?: boolean;
}

export const defaultIdempotency: Required<IdempotencyOptions> = { store: "statestore", ttlSeconds: 86_400 };

/** The guard of a message, or undefined: its trigger kind keeps no records, it is off for this handler, no message id, or no sidecar. */
export function guardOf(d: HandlerDescriptor, messageId: string | undefined, client: SidecarClient | undefined): Guard | undefined {
  const options = d.handler.idempotency;
  if (options === false || !triggerKindOf(d.trigger).guarded || !messageId || !client) return undefined;
  const { store, ttlSeconds } = settingsOf(d, options);
  // daprd refuses keys containing "||"; ids are the publisher's, so keep them out of the separator's way.
  const id = messageId.includes("||") ? messageId.replaceAll("||", "|") : messageId;
  return { store, ttlSeconds, messageId, key: `daprlet-applied-${d.name}-${id}` };
}

// One handler's settings, merged once rather than per delivery.
const settings = new WeakMap<HandlerDescriptor, Required<IdempotencyOptions>>();
function settingsOf(d: HandlerDescriptor, options: IdempotencyOptions | undefined) {
  let merged = settings.get(d);
  if (!merged) {
    merged = { ...defaultIdempotency, ...options };
    settings.set(d, merged);
  }
  return merged;
}

/** A stored value is a record only when it has the record's shape: anything else is not trusted. */
const isRecord = (value: unknown): value is AppliedRecord => {
  const v = value as Partial<AppliedRecord> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.appliedAt === "string" &&
    (v.pending === undefined || (Array.isArray(v.pending) && v.pending.every(isEffect)))
  );
};

/** The record of an earlier delivery of this message (read in a span of its own when traced). Throws when it cannot be read. */
export async function readRecord(guard: Guard, client: SidecarClient, observation: Observation, deadlineAt?: number): Promise<ReadApplied> {
  const params = { store: guard.store, key: guard.key };
  const shape = stateInputKind.span(params);
  const response = await traced(
    observation,
    { ...shape, attributes: { ...shape.attributes, "daprlet.idempotency.key": guard.key } },
    deadlineAt,
    (context) => client(stateInputKind.call(params), context),
  );
  if (response.status === 204 || response.body.length === 0) return {};
  const stored = storedValue(response.body, undefined);
  if (stored.ok && isRecord(stored.value)) return { record: stored.value };
  return { malformed: true, etag: response.headers.get("etag") ?? undefined };
}

/**
 * The record op written with the delivery's state writes: first-write (or over the untrusted value
 * read, by its ETag), so on stores with atomic transactions two concurrent deliveries cannot both apply.
 */
// Built as data, not with `saveState`: the store is a name read at run time, which the project's
// generated names (handlers/daprlet.d.ts) cannot type.
export const recordOp = (guard: Guard, pending: Effect[], etag?: string): SaveState => ({
  kind: "saveState",
  store: guard.store,
  key: guard.key,
  value: { appliedAt: new Date().toISOString(), ...(pending.length ? { pending } : {}) },
  ...(etag ? { etag } : { concurrency: "first-write" }),
  metadata: { ttlInSeconds: String(guard.ttlSeconds) },
});

/** Marks the record done once its pending effects ran. */
export const doneOp = (guard: Guard): SaveState => ({
  kind: "saveState",
  store: guard.store,
  key: guard.key,
  value: { appliedAt: new Date().toISOString() },
  metadata: { ttlInSeconds: String(guard.ttlSeconds) },
});
