import { callbackBody, type Schedule } from "./actor-reminder.ts";
import { type ActorRef, actorPath, actorSpan } from "./actor-state.ts";
import type { EffectKind } from "./effect.ts";

/** A timer: kept in daprd's memory only, gone when the actor deactivates or daprd restarts (use a reminder to outlive them). */
export interface SetTimer extends ActorRef, Schedule {
  kind: "setTimer";
  name: string;
  method: string;
  input?: unknown;
}

export interface DeleteTimer extends ActorRef {
  kind: "deleteTimer";
  name: string;
}

/** @example setTimer("poll", { method: "poll", dueTime: "1s", period: "5s" }) */
export const setTimer = (name: string, options: Schedule & { method: string; input?: unknown }, actor: ActorRef = {}): SetTimer => ({
  kind: "setTimer",
  name,
  ...options,
  ...actor,
});

export const deleteTimer = (name: string, actor: ActorRef = {}): DeleteTimer => ({ kind: "deleteTimer", name, ...actor });

export const setTimerKind: EffectKind<SetTimer> = {
  kind: "setTimer",
  describe: (e) => `setTimer ${e.type}/${e.id} ${e.name} → ${e.method}`,
  sidecar: {
    api: "actors.timers.set",
    call: (e) => ({
      api: "actors.timers.set",
      method: "POST",
      path: actorPath(e, "timers", { name: e.name }),
      body: callbackBody(e),
      headers: { "content-type": "application/json" },
    }),
    span: (e) => actorSpan("setTimer", e.type),
  },
};

export const deleteTimerKind: EffectKind<DeleteTimer> = {
  kind: "deleteTimer",
  describe: (e) => `deleteTimer ${e.type}/${e.id} ${e.name}`,
  sidecar: {
    api: "actors.timers.delete",
    call: (e) => ({ api: "actors.timers.delete", method: "DELETE", path: actorPath(e, "timers", { name: e.name }) }),
    span: (e) => actorSpan("deleteTimer", e.type),
  },
};
