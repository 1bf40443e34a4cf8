import { defineActor } from "daprlet";
import * as v from "valibot";

const Quantity = v.object({ quantity: v.pipe(v.number(), v.integer(), v.minValue(1)) });

/**
 * A product's stock as an actor (id = sku), called as `PUT /v1.0/actors/InventoryActor/<sku>/method/<name>`.
 * daprd runs one call per sku at a time, so a method reads and writes its state without ETags:
 * 100 concurrent `reserve`s of the last 50 units give exactly 50 `reserved: true`.
 * (`setStock`/`reserveStock` do the same with a state store and an ETag.)
 */
export const InventoryActor = defineActor({
  state: v.object({ available: v.number(), reserved: v.number() }),
  initial: () => ({ available: 0, reserved: 0 }),
  methods: (method) => ({
    /** `{ available }` → `{ sku, available, reserved }`: sets what can be reserved; reservations are kept. */
    setStock: method(v.object({ available: v.pipe(v.number(), v.integer(), v.minValue(0)) }), (state, { available }, { id }) => ({
      state: { ...state, available },
      reply: { sku: id, available, reserved: state.reserved },
    })),
    /** `{ quantity }` → `{ reserved: true, available }` when there is enough, else `{ reserved: false, available }` and no change. */
    reserve: method(Quantity, (state, { quantity }) =>
      state.available < quantity
        ? { reply: { reserved: false, available: state.available } }
        : {
            state: { available: state.available - quantity, reserved: state.reserved + quantity },
            reply: { reserved: true, available: state.available - quantity },
          },
    ),
    /** `{ quantity }` → `{ available, reserved }`: moves up to `quantity` reserved units back to available. */
    release: method(Quantity, (state, { quantity }) => {
      const moved = Math.min(quantity, state.reserved);
      const next = { available: state.available + moved, reserved: state.reserved - moved };
      return { state: next, reply: next };
    }),
    /** → `{ sku, available, reserved }` */
    get: method((state, _input, { id }) => ({ reply: { sku: id, ...state } })),
  }),
});
