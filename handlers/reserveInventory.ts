import { activity, callActor, defineHandler, invokeActor, reply } from "daprlet";
import type { InventoryActor } from "./InventoryActor.ts";
import { Reservation } from "./lib/checkout.ts";

/**
 * Workflow activity: `InventoryActor.reserve` for each item (one actor per sku, called in
 * parallel before `handle`). All or nothing: when one is refused, the ones reserved are released.
 * The call's applied-record (written with its output) stops a call daprd redelivers after a crash
 * from reserving again: it is read before the actors are called.
 */
export const reserveInventory = defineHandler({
  trigger: activity("reserveInventory"),
  schema: Reservation,
  inputs: ({ data }) =>
    Object.fromEntries(
      data.items.map((item, i) => [
        `item${i}`,
        callActor<typeof InventoryActor, "reserve">("InventoryActor", item.sku, "reserve", { quantity: item.quantity }),
      ]),
    ),
  handle: ({ data: { items } }, answers) => {
    const reserved = items.filter((_, i) => {
      const answer = answers[`item${i}`];
      return answer?.ok === true && answer.reply.reserved;
    });
    if (reserved.length === items.length) return reply(200, { ok: true });
    return [
      ...reserved.map((item) => invokeActor("InventoryActor", item.sku, "release", { quantity: item.quantity })),
      reply(200, { ok: false, short: items.filter((item) => !reserved.includes(item)).map((i) => i.sku) }),
    ];
  },
});
