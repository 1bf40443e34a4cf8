import { activity, defineHandler, reply, saveState } from "daprlet";
import { Checkout } from "./lib/checkout.ts";
import { orderKey } from "./lib/order.ts";

/** The most this activity accepts; above it the call fails (retried, then compensated by the saga). */
export const orderLimit = 10_000;

/** Workflow activity `createOrder`: stores the order as created. */
export const saveOrder = defineHandler({
  trigger: activity("createOrder"),
  schema: Checkout,
  handle: ({ data: { orderId, userId, amount, items } }) => {
    if (amount > orderLimit) throw new Error(`amount ${amount} is over the ${orderLimit} limit`);
    return [saveState("statestore", orderKey(orderId), { orderId, userId, amount, items, status: "created" }), reply(200, { orderId })];
  },
});
