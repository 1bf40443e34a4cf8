import { defineHandler, saveState, topic } from "daprlet";
import { Order } from "./lib/order.ts";

/** Every order published on `orders`: record that it was processed. Failures retry, then dead-letter. */
export const onOrderCreated = defineHandler({
  trigger: topic("pubsub", "orders", { deadLetterTopic: "orders-dead" }),
  schema: Order,
  handle: ({ data: order, id, time }) => [
    saveState("statestore", `processed-${order.orderId}`, { orderId: order.orderId, amount: order.amount, eventId: id, publishedAt: time }),
  ],
});
