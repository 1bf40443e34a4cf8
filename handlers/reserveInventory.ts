import { activity, callActor, defineHandler, invokeActor, reply } from "daprlet";
import type { InventoryActor } from "./InventoryActor.ts";
import { perSku, Reservation } from "./lib/checkout.ts";

/**
 * Workflow activity: `InventoryActor.reserve` for each sku of the order (one actor per sku, called
 * in parallel before `handle`, the order as the hold's name). All or nothing: when one is refused,
 * the ones reserved are released (by the order's name).
 * Redelivery is harmless twice over. The call's applied-record (written with its output) is read
 * before the actors are called: a call daprd redelivers after it was written calls no actor. A
 * crash between the actor calls and the record is covered by the actor: it already holds the
 * order, so the second `reserve` replies `reserved: true` and reserves nothing more.
 */
export const reserveInventory = defineHandler({
  trigger: activity("reserveInventory"),
  schema: Reservation,
  inputs: ({ data }) =>
    Object.fromEntries(
      perSku(data.items).map((item, i) => [
        `item${i}`,
        callActor<typeof InventoryActor, "reserve">("InventoryActor", item.sku, "reserve", {
          order: data.orderId,
          quantity: item.quantity,
        }),
      ]),
    ),
  handle: ({ data: { orderId, items } }, answers) => {
    const skus = perSku(items).map((item) => item.sku);
    const reserved = skus.filter((_, i) => {
      const answer = answers[`item${i}`];
      return answer?.ok === true && answer.reply.reserved;
    });
    if (reserved.length === skus.length) return reply(200, { ok: true });
    return [
      ...reserved.map((sku) => invokeActor("InventoryActor", sku, "release", { order: orderId })),
      reply(200, { ok: false, short: skus.filter((sku) => !reserved.includes(sku)) }),
    ];
  },
});
