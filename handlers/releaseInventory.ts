import { activity, defineHandler, invokeActor, reply } from "daprlet";
import { perSku, Reservation } from "./lib/checkout.ts";

/**
 * Workflow activity, reserveInventory's compensation: `InventoryActor.release` of the order's hold
 * on each sku. Applied once per call, and safe again anyway: a hold already released changes nothing.
 */
export const releaseInventory = defineHandler({
  trigger: activity("releaseInventory"),
  schema: Reservation,
  handle: ({ data: { orderId, items } }) => [
    ...perSku(items).map(({ sku }) => invokeActor("InventoryActor", sku, "release", { order: orderId })),
    reply(200, { ok: true }),
  ],
});
