// The trigger kinds: one module each, gathered here. Adding a kind is one module and one line
// below; the union `Trigger` and every lookup follow from this table.
import { activityKind } from "./activity.ts";
import { actorKind } from "./actor.ts";
import { bindingKind } from "./binding.ts";
import { configurationChangedKind } from "./configuration-changed.ts";
import { invokeKind } from "./invoke.ts";
import { jobKind } from "./job.ts";
import { jobFamilyKind } from "./job-family.ts";
import { topicKind } from "./topic.ts";
import type { TriggerKind } from "./trigger.ts";

export const triggerKinds = triggerTable({
  topic: topicKind,
  binding: bindingKind,
  invoke: invokeKind,
  job: jobKind,
  jobFamily: jobFamilyKind,
  configurationChanged: configurationChangedKind,
  activity: activityKind,
  actor: actorKind,
});

/** Checks the table: each entry is a trigger kind whose `kind` is its key. */
function triggerTable<const T extends { [K in keyof T]: TriggerKind<{ kind: K & string }> }>(table: T): T {
  return table;
}

type TriggerOf<K> = K extends TriggerKind<infer T> ? T : never;
/** What starts a handler: a pub/sub topic, an input binding, an invoked route, a Dapr job. */
export type Trigger = { [K in keyof typeof triggerKinds]: TriggerOf<(typeof triggerKinds)[K]> }[keyof typeof triggerKinds];

/** The module of a trigger's kind. The one cast: the table pairs each kind with its module. */
export const triggerKindOf = <T extends Trigger>(trigger: T): TriggerKind<T> => triggerKinds[trigger.kind] as unknown as TriggerKind<T>;

/** One line naming a trigger, for logs and conflicts: `topic pubsub/orders`. */
export const describeTrigger = (trigger: Trigger) => triggerKindOf(trigger).describe(trigger);
