import { defineHandler, saveState, topic } from "daprlet";
import * as v from "valibot";

/**
 * Orders daprd gave up on (DROP, or retries exhausted) arrive here as the original bytes. Any
 * payload is accepted: a dead letter is often exactly the message that failed validation.
 */
export const onOrderDeadLettered = defineHandler({
  trigger: topic("pubsub", "orders-dead"),
  schema: v.unknown(),
  handle: ({ data, id, topic, failure }) => [
    saveState("statestore", `deadletter-${id}`, {
      id,
      topic,
      data,
      reason: failure?.reason ?? "unknown: no failure of this message was seen by this process",
      attempts: failure?.attempts ?? 0,
    }),
  ],
});
