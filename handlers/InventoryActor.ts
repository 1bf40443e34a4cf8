import { defineActor } from "daprlet";
import * as v from "valibot";
import { OrderId } from "./lib/checkout.ts";

const Quantity = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * A product's stock as an actor (id = sku), called as `PUT /v1.0/actors/InventoryActor/<sku>/method/<name>`.
 * daprd runs one call per sku at a time, so a method reads and writes its state without ETags:
 * 100 concurrent `reserve`s of the last 50 units, each for its own order, give exactly 50 `reserved: true`.
 * A reservation is named by its order (`holds[order]`), so a `reserve` or `release` sent again
 * (an activity daprd redelivers after a crash, a caller's retry) changes nothing the second time.
 * (`setStock`/`reserveStock` do the same with a state store and an ETag.)
 */
export const InventoryActor = defineActor({
  state: v.object({
    available: v.number(),
    /** Every unit held: the holds' sum, plus any reserved before holds existed (those have no order to release them by). */
    reserved: v.number(),
    /** Units held per order. Optional so that state written before holds loads (as no holds). */
    holds: v.optional(v.record(OrderId, Quantity), () => ({})),
  }),
  initial: () => ({ available: 0, reserved: 0, holds: {} }),
  methods: (method) => ({
    /** `{ available }` → `{ sku, available, reserved }`: sets what can be reserved; reservations are kept. */
    setStock: method(v.object({ available: v.pipe(v.number(), v.integer(), v.minValue(0)) }), (state, { available }, { id }) => ({
      state: { ...state, available },
      reply: { sku: id, available, reserved: state.reserved },
    })),
    /**
     * `{ order, quantity }` → `{ reserved: true, available }` when there is enough, holding `quantity`
     * for `order`, else `{ reserved: false, available }` and no change. An order already held is a
     * replay: `reserved: true` and no change (whatever its `quantity`).
     */
    reserve: method(v.object({ order: OrderId, quantity: Quantity }), (state, { order, quantity }) => {
      if (Object.hasOwn(state.holds, order)) return { reply: { reserved: true, available: state.available } };
      if (state.available < quantity) return { reply: { reserved: false, available: state.available } };
      return {
        state: { available: state.available - quantity, reserved: state.reserved + quantity, holds: { ...state.holds, [order]: quantity } },
        reply: { reserved: true, available: state.available - quantity },
      };
    }),
    /** `{ order }` → `{ available, reserved }`: moves the order's hold back to available; an order not held changes nothing. */
    release: method(v.object({ order: OrderId }), (state, { order }) => {
      if (!Object.hasOwn(state.holds, order)) return { reply: { available: state.available, reserved: state.reserved } };
      const { [order]: held = 0, ...holds } = state.holds;
      const next = { available: state.available + held, reserved: state.reserved - held };
      return { state: { ...next, holds }, reply: next };
    }),
    /** → `{ sku, available, reserved, holds }` */
    get: method((state, _input, { id }) => ({ reply: { sku: id, ...state } })),
  }),
});
