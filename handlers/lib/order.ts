import * as v from "valibot";

/** An order as clients post it and as the `orders` topic carries it. */
export const Order = v.object({
  orderId: v.pipe(v.string(), v.regex(/^[\w.-]{1,100}$/, "use letters, digits, '.', '_' or '-' (at most 100)")),
  amount: v.pipe(v.number(), v.minValue(0)),
});
export type Order = v.InferOutput<typeof Order>;

/** An order as stored: what was posted, plus the payment status once onPaymentRequested ran. */
export const StoredOrder = v.object({ ...Order.entries, status: v.optional(v.picklist(["approved", "declined"])) });

/** The state key of an order, shared by the writer and anyone who reads it back. */
export const orderKey = (orderId: string) => `order-${orderId}`;
