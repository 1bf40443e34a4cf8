import { defineHandler, invoke, reply, saveState, state } from "daprlet";
import * as v from "valibot";
import { Stock, stockKey } from "./lib/stock.ts";

/**
 * POST /inventory/:sku/reserve: take `qty` units if there are enough. The write carries the ETag
 * of the stock it read, so two reservations racing for the last unit cannot both win: the loser's
 * write is refused, and the runtime reads the stock again and runs `handle` again.
 */
export const reserveStock = defineHandler({
  trigger: invoke("POST", "/inventory/:sku/reserve"),
  schema: v.object({ qty: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  inputs: ({ params }) => ({ stock: state("statestore", stockKey(params.sku), { schema: Stock }) }),
  handle: ({ params: { sku }, data: { qty } }, { stock }) => {
    if (!stock.value) return reply(404, { error: `no stock recorded for ${sku}: PUT /inventory/${sku} first` });
    if (stock.value.available < qty)
      return reply(409, { error: `only ${stock.value.available} of ${sku} left`, available: stock.value.available });
    const available = stock.value.available - qty;
    return [saveState("statestore", stock.key, { available }, { etag: stock.etag }), reply(200, { sku, reserved: qty, available })];
  },
});
