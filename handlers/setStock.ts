import { defineHandler, invoke, reply, saveState } from "daprlet";
import * as v from "valibot";
import { stockKey } from "./lib/stock.ts";

/** PUT /inventory/:sku: set how many units are available. */
export const setStock = defineHandler({
  trigger: invoke("PUT", "/inventory/:sku"),
  schema: v.object({ available: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  handle: ({ params, data }) => [
    saveState("statestore", stockKey(params.sku), { available: data.available }),
    reply(200, { sku: params.sku, available: data.available }),
  ],
});
