// The effect kinds: one module each, gathered here. Adding a kind is one module and one line
// below; the union `Effect` and every lookup follow from this table.

import { invokeActorKind } from "./actor-call.ts";
import { deleteReminderKind, setReminderKind } from "./actor-reminder.ts";
import { actorStateKind } from "./actor-state.ts";
import { deleteTimerKind, setTimerKind } from "./actor-timer.ts";
import { UnsafeValue } from "./daprd-path.ts";
import { deleteJobKind } from "./delete-job.ts";
import { deleteStateKind } from "./delete-state.ts";
import { dropKind } from "./drop.ts";
import type { CallContext, EffectKind, SidecarCall } from "./effect.ts";
import { invokeAppKind } from "./invoke-app.ts";
import { invokeBindingKind } from "./invoke-binding.ts";
import { manageWorkflowKind } from "./manage-workflow.ts";
import { publishKind } from "./publish.ts";
import { raiseWorkflowEventKind } from "./raise-workflow-event.ts";
import { replyKind } from "./reply.ts";
import { retryKind } from "./retry.ts";
import { saveStateKind } from "./save-state.ts";
import { scheduleJobKind } from "./schedule-job.ts";
import { startWorkflowKind } from "./start-workflow.ts";
import { transactionKind } from "./transaction.ts";

export const effectKinds = effectTable({
  saveState: saveStateKind,
  deleteState: deleteStateKind,
  publish: publishKind,
  invokeBinding: invokeBindingKind,
  transaction: transactionKind,
  invokeApp: invokeAppKind,
  scheduleJob: scheduleJobKind,
  deleteJob: deleteJobKind,
  startWorkflow: startWorkflowKind,
  raiseWorkflowEvent: raiseWorkflowEventKind,
  manageWorkflow: manageWorkflowKind,
  actorState: actorStateKind,
  setReminder: setReminderKind,
  deleteReminder: deleteReminderKind,
  setTimer: setTimerKind,
  deleteTimer: deleteTimerKind,
  invokeActor: invokeActorKind,
  reply: replyKind,
  retry: retryKind,
  drop: dropKind,
});

/** Checks the table: each entry is an effect kind whose `kind` is its key. */
function effectTable<const T extends { [K in keyof T]: EffectKind<{ kind: K & string }> }>(table: T): T {
  return table;
}

type EffectOf<K> = K extends EffectKind<infer E> ? E : never;
/** What a handler asks the runtime to do. Plain data: a test asserts on it with `toEqual`. */
export type Effect = { [K in keyof typeof effectKinds]: EffectOf<(typeof effectKinds)[K]> }[keyof typeof effectKinds];

/** The module of an effect's kind. The one cast: the table pairs each kind with its module. */
export const effectKindOf = <E extends Effect>(effect: E): EffectKind<E> => effectKinds[effect.kind] as unknown as EffectKind<E>;

export const isEffect = (value: unknown): value is Effect =>
  typeof value === "object" && value !== null && Object.hasOwn(effectKinds, (value as { kind?: unknown }).kind as string);

/** One line for logs and error messages, msw-style: `publish pubsub/orders`. */
export const describeEffect = (effect: Effect) => effectKindOf(effect).describe(effect);

/** Carries out one effect through the sidecar; throws when the sidecar refuses. */
export type Executor = (effect: Effect, context: CallContext) => Promise<void>;

/**
 * Why one of these effects would address daprd outside its path segments (a `..` topic from event
 * data), naming the effect and the field; undefined when every call is safe. Checked before any
 * effect runs, so a delivery with one bad value writes nothing and is DROPped, not retried.
 */
export function unsafeEffect(effects: readonly Effect[]): string | undefined {
  for (const effect of effects) {
    try {
      sidecarCall(effect);
    } catch (error) {
      // Any other error (a transaction across stores) fails the effect when it runs, as before.
      if (error instanceof UnsafeValue) return error.within(describeEffect(effect)).message;
    }
  }
  return undefined;
}

// The calls checked by `unsafeEffect`, kept for the executor: each body is encoded once per delivery.
const built = new WeakMap<Effect, SidecarCall>();

/** The daprd call of an effect with one (undefined for reply, retry, drop); throws UnsafeValue. */
export function sidecarCall(effect: Effect): SidecarCall | undefined {
  let call = built.get(effect);
  if (call) return call;
  call = effectKindOf(effect).sidecar?.call(effect);
  if (call) built.set(effect, call);
  return call;
}
