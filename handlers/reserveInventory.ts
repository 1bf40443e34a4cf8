import { activity, defineHandler, reply } from "daprlet";
import { moveStock, Reservation, stockOf } from "./lib/checkout.ts";

/**
 * Workflow activity: takes every item's quantity from its stock, all or nothing. The writes go
 * in one state transaction (the runtime groups a delivery's writes per store) whose ETags refuse
 * a concurrent change (the runtime then reads and decides again), with the call's applied-record:
 * a call redelivered after a crash reserves nothing twice.
 */
export const reserveInventory = defineHandler({
  trigger: activity("reserveInventory"),
  schema: Reservation,
  inputs: ({ data }) => stockOf(data),
  handle: ({ data: { items } }, { stock }) => {
    const short = items.filter((item, i) => (stock[i].value?.available ?? 0) < item.quantity);
    if (short.length) return reply(200, { ok: false, short: short.map((i) => i.sku) });
    return [...moveStock(items, stock, -1), reply(200, { ok: true })];
  },
});
