import { activity, defineHandler, invokeActor, reply } from "daprlet";
import { Reservation } from "./lib/checkout.ts";

/** Workflow activity, reserveInventory's compensation: `InventoryActor.release` for each item (applied once per call). */
export const releaseInventory = defineHandler({
  trigger: activity("releaseInventory"),
  schema: Reservation,
  handle: ({ data: { items } }) => [
    ...items.map((item) => invokeActor("InventoryActor", item.sku, "release", { quantity: item.quantity })),
    reply(200, { ok: true }),
  ],
});
