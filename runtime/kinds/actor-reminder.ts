import { type ActorRef, actorPath, actorSpan } from "./actor-state.ts";
import { type EffectKind, json } from "./effect.ts";

/** When a reminder or timer fires: `dueTime` first ("10s", an RFC 3339 time), then every `period` ("1m", "R5/PT1S"). */
export interface Schedule {
  dueTime?: string;
  period?: string;
  /** Stop firing after this (duration or RFC 3339 time). */
  ttl?: string;
}

/**
 * A reminder: persisted by the scheduler, it fires even after the app (or daprd) restarted, and
 * delivers `input` to the actor's method `method`. Setting a name again replaces it.
 */
export interface SetReminder extends ActorRef, Schedule {
  kind: "setReminder";
  name: string;
  method: string;
  input?: unknown;
}

export interface DeleteReminder extends ActorRef {
  kind: "deleteReminder";
  name: string;
}

/** @example setReminder("expire", { method: "release", input: { quantity: 1 }, dueTime: "15m" }) */
export const setReminder = (name: string, options: Schedule & { method: string; input?: unknown }, actor: ActorRef = {}): SetReminder => ({
  kind: "setReminder",
  name,
  ...options,
  ...actor,
});

export const deleteReminder = (name: string, actor: ActorRef = {}): DeleteReminder => ({ kind: "deleteReminder", name, ...actor });

/** What daprd stores as the reminder's (or timer's) data and hands back when it fires. */
export const callbackBody = (e: Schedule & { method: string; input?: unknown }) =>
  json({
    ...(e.dueTime !== undefined ? { dueTime: e.dueTime } : {}),
    ...(e.period !== undefined ? { period: e.period } : {}),
    ...(e.ttl !== undefined ? { ttl: e.ttl } : {}),
    data: { method: e.method, ...(e.input !== undefined ? { input: e.input } : {}) },
  });

export const setReminderKind: EffectKind<SetReminder> = {
  kind: "setReminder",
  describe: (e) => `setReminder ${e.type}/${e.id} ${e.name} → ${e.method}`,
  sidecar: {
    api: "actors.reminders.set",
    call: (e) => ({
      api: "actors.reminders.set",
      method: "POST",
      path: actorPath(e, "reminders", { name: e.name }),
      body: callbackBody(e),
      headers: { "content-type": "application/json" },
    }),
    span: (e) => actorSpan("setReminder", e.type),
  },
};

export const deleteReminderKind: EffectKind<DeleteReminder> = {
  kind: "deleteReminder",
  describe: (e) => `deleteReminder ${e.type}/${e.id} ${e.name}`,
  sidecar: {
    api: "actors.reminders.delete",
    call: (e) => ({ api: "actors.reminders.delete", method: "DELETE", path: actorPath(e, "reminders", { name: e.name }) }),
    span: (e) => actorSpan("deleteReminder", e.type),
  },
};
