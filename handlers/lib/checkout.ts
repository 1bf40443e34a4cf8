import * as v from "valibot";

/** A sku or an order id: safe in a state key, an actor id and a URL path. */
export const Id = v.pipe(v.string(), v.regex(/^[\w.-]{1,100}$/, "use letters, digits, '.', '_' or '-' (at most 100)"));
/**
 * An order's id. Also a key of `InventoryActor`'s `holds`, so not one of the three names valibot's
 * `record` drops from its output (a hold under one would vanish when the state is written).
 */
export const OrderId = v.pipe(
  Id,
  v.notValues(["__proto__", "constructor", "prototype"], "an order id can't be __proto__, constructor or prototype"),
);
const Item = v.object({ sku: Id, quantity: v.pipe(v.number(), v.integer(), v.minValue(1)) });
type Item = v.InferOutput<typeof Item>;

/** What `POST /checkout` takes and `OrderWorkflow` starts with. */
export const Checkout = v.object({
  orderId: OrderId,
  userId: v.string(),
  amount: v.pipe(v.number(), v.minValue(0)),
  items: v.pipe(v.array(Item), v.minLength(1)),
  /** How long to wait for `payment-approved`. Default 60. */
  paymentTimeoutSeconds: v.optional(v.pipe(v.number(), v.minValue(0))),
});
export type Checkout = v.InferOutput<typeof Checkout>;

/** What reserveInventory and releaseInventory take: the order's id and its items. */
export const Reservation = v.object({ orderId: OrderId, items: v.array(Item) });
export type Reservation = v.InferOutput<typeof Reservation>;

/**
 * The items with one line per sku, quantities summed, in first-seen order: `InventoryActor` keeps
 * one hold per order, so a second `reserve` of the same order and sku would be taken as a replay.
 * @example perSku([{ sku: "a", quantity: 1 }, { sku: "a", quantity: 2 }]) // [{ sku: "a", quantity: 3 }]
 */
export function perSku(items: readonly Item[]): Item[] {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of items) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  return [...quantities].map(([sku, quantity]) => ({ sku, quantity }));
}

/** Every way an order ends: each one completes the instance with this as its output. */
export const CheckoutOutcome = v.variant("status", [
  v.object({ orderId: v.string(), status: v.literal("rejected"), reason: v.string() }),
  v.object({ orderId: v.string(), status: v.literal("out-of-stock") }),
  v.object({ orderId: v.string(), status: v.literal("payment-timeout") }),
  v.object({ orderId: v.string(), status: v.literal("failed"), compensated: v.literal(true) }),
  v.object({ orderId: v.string(), status: v.literal("created") }),
]);
export type CheckoutOutcome = v.InferOutput<typeof CheckoutOutcome>;
