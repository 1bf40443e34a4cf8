import * as v from "valibot";

const Id = v.pipe(v.string(), v.regex(/^[\w.-]{1,100}$/, "use letters, digits, '.', '_' or '-' (at most 100)"));
const Item = v.object({ sku: Id, quantity: v.pipe(v.number(), v.integer(), v.minValue(1)) });

/** What `POST /checkout` takes and `OrderWorkflow` starts with. */
export const Checkout = v.object({
  orderId: Id,
  userId: v.string(),
  amount: v.pipe(v.number(), v.minValue(0)),
  items: v.pipe(v.array(Item), v.minLength(1)),
  /** How long to wait for `payment-approved`. Default 60. */
  paymentTimeoutSeconds: v.optional(v.pipe(v.number(), v.minValue(0))),
});
export type Checkout = v.InferOutput<typeof Checkout>;

/** What reserveInventory and releaseInventory take: the order's id and its items. */
export const Reservation = v.object({ orderId: Id, items: v.array(Item) });
export type Reservation = v.InferOutput<typeof Reservation>;

/** Every way an order ends: each one completes the instance with this as its output. */
export const CheckoutOutcome = v.variant("status", [
  v.object({ orderId: v.string(), status: v.literal("rejected"), reason: v.string() }),
  v.object({ orderId: v.string(), status: v.literal("out-of-stock") }),
  v.object({ orderId: v.string(), status: v.literal("payment-timeout") }),
  v.object({ orderId: v.string(), status: v.literal("failed"), compensated: v.literal(true) }),
  v.object({ orderId: v.string(), status: v.literal("created") }),
]);
export type CheckoutOutcome = v.InferOutput<typeof CheckoutOutcome>;
