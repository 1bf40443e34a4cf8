// Effects applied once per message: a record keyed by handler and message id, written in the same
// transaction as the delivery's state writes to its store, and checked before a redelivery is handled.
import type { IdempotencyOptions } from "../define.ts";
import type { HandlerDescriptor } from "../descriptor.ts";
import type { Effect } from "../kinds/effects.ts";
import type { SidecarClient } from "../kinds/input.ts";
import { type SaveState, saveState } from "../kinds/save-state.ts";
import { stateInputKind, storedValue } from "../kinds/state-input.ts";
import type { Observation } from "../observe/observer.ts";

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

export const defaultIdempotency: Required<IdempotencyOptions> = { store: "statestore", ttlSeconds: 86_400 };

/** The guard of a topic message or a workflow activity call, or undefined: off for this handler, no message id, or no sidecar to keep records in. */
export function guardOf(d: HandlerDescriptor, messageId: string | undefined, client: SidecarClient | undefined): Guard | undefined {
  const options = d.handler.idempotency;
  if (options === false || (d.trigger.kind !== "topic" && d.trigger.kind !== "activity") || !messageId || !client) return undefined;
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

/** The record of an earlier delivery of this message, if one was applied (read in a span of its own when traced). */
export async function readRecord(guard: Guard, client: SidecarClient, observation: Observation): Promise<AppliedRecord | undefined> {
  const params = { store: guard.store, key: guard.key };
  const send = (headers: Record<string, string>) => client(stateInputKind.call(params), { headers });
  const shape = stateInputKind.span(params);
  const response = observation.child
    ? await observation.child({ ...shape, attributes: { ...shape.attributes, "daprlet.idempotency.key": guard.key } }, send)
    : await send(observation.context.headers);
  if (response.status === 204 || response.body.length === 0) return undefined;
  const stored = storedValue(response.body, undefined);
  return stored.ok ? (stored.value as AppliedRecord) : undefined;
}

/** The record op written with the delivery's state writes: first-write, so two concurrent deliveries of one message cannot both apply. */
export const recordOp = (guard: Guard, pending: Effect[]): SaveState =>
  saveState(
    guard.store,
    guard.key,
    { appliedAt: new Date().toISOString(), ...(pending.length ? { pending } : {}) },
    {
      concurrency: "first-write",
      metadata: { ttlInSeconds: String(guard.ttlSeconds) },
    },
  );

/** Marks the record done once its pending effects ran. */
export const doneOp = (guard: Guard): SaveState =>
  saveState(guard.store, guard.key, { appliedAt: new Date().toISOString() }, { metadata: { ttlInSeconds: String(guard.ttlSeconds) } });
