import { activity, defineHandler, reply } from "daprlet";
import { moveStock, Reservation, stockOf } from "./lib/checkout.ts";

/** Workflow activity, reserveInventory's compensation: puts every item's quantity back (applied once per call). */
export const releaseInventory = defineHandler({
  trigger: activity("releaseInventory"),
  schema: Reservation,
  inputs: ({ data }) => stockOf(data),
  handle: ({ data: { items } }, { stock }) => [...moveStock(items, stock, 1), reply(200, { ok: true })],
});
