// One delivery to several handlers (runtime/fan-out.ts groups them): each runs the whole pipeline
// on its own, at the same time, with its own deadline, applied-record and failure record, so a
// redelivery re-runs only those that had not succeeded (the others find their record: duplicate,
// nothing applied twice). daprd gets one answer per message: RETRY while any handler still needs
// it, else DROP if any dropped it (daprd dead-letters the message, with that handler's reason in
// the failure record the dead-letter handler reads), else SUCCESS.
import type { HandlerDescriptor } from "../descriptor.ts";
import type { Outcome } from "../kinds/outcome.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import type { DaprStatus } from "../kinds/verdict.ts";
import type { WireRequest } from "../kinds/wire.ts";
import { type Delivered, type DeliverOptions, deliver } from "./pipeline.ts";

const rank: Record<DaprStatus, number> = { SUCCESS: 0, DROP: 1, RETRY: 2 };

export async function deliverToAll(members: readonly HandlerDescriptor[], req: WireRequest, options: DeliverOptions): Promise<Delivered> {
  if (members.length === 1) return deliver(members[0], req, options);
  const each = await Promise.all(members.map((d) => deliver(d, req, options)));
  const [first] = each;
  // Every member parsed the same request the same way (one trigger, one schema of the envelope).
  const outcomes = first.messages.map((_, i) =>
    worst(
      members,
      each.map((delivered) => delivered.outcomes[i]),
    ),
  );
  const results = first.messages.map((message, i) => ({ message, outcome: outcomes[i] }));
  const answer = triggerKindOf(members[0].trigger).answer(members[0].trigger, { bulk: first.bulk, results });
  return { answer, outcomes, messages: first.messages, bulk: first.bulk };
}

/** The outcome that decides the message's answer, its reason naming the handler it came from. */
function worst(members: readonly HandlerDescriptor[], outcomes: Outcome[]): Outcome {
  let at = 0;
  outcomes.forEach((o, i) => {
    if (rank[o.verdict.status] > rank[outcomes[at].verdict.status]) at = i;
  });
  const outcome = outcomes[at];
  if (outcome.verdict.status === "SUCCESS") return outcome;
  const reason = `${members[at].name}: ${outcome.verdict.reason ?? outcome.verdict.status}`;
  return { ...outcome, verdict: { ...outcome.verdict, reason } };
}
