// Type tests, checked by `tsc --noEmit`: what `defineActor` infers for an actor's author.
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { type ActorAnswer, type ActorContext, callActor, defineActor, defineHandler, invoke, reply, state } from "./index.ts";

const Stock = v.object({ available: v.number(), reserved: v.number() });
const Inventory = defineActor({
  state: Stock,
  initial: () => ({ available: 0, reserved: 0 }),
  methods: (method) => ({
    reserve: method(v.object({ quantity: v.number() }), (s, input, ctx) => {
      expectTypeOf(s).toEqualTypeOf<{ available: number; reserved: number }>();
      expectTypeOf(input).toEqualTypeOf<{ quantity: number }>();
      expectTypeOf(ctx).toEqualTypeOf<ActorContext>();
      return s.available < input.quantity
        ? { reply: { reserved: false, available: s.available } }
        : { state: { ...s, available: s.available - input.quantity }, reply: { reserved: true, available: s.available - input.quantity } };
    }),
    get: method((s) => ({ reply: s })),
    priced: method(
      v.object({ sku: v.string() }),
      { inputs: ({ data }) => ({ price: state("statestore", `price-${data.sku}`, { schema: v.number() }) }) },
      (s, _input, _ctx, { price }) => {
        expectTypeOf(price.value).toEqualTypeOf<number | undefined>();
        return { reply: { ...s, price: price.value } };
      },
    ),
  }),
});

describe("defineActor", () => {
  it("types each method's state from the state schema and its input from its own schema", () => {
    expectTypeOf(Inventory.methods.reserve).parameter(0).toEqualTypeOf<{ available: number; reserved: number }>();
    expectTypeOf(Inventory.methods.reserve).parameter(1).toEqualTypeOf<{ quantity: number }>();
  });

  it("keeps each method's result, replies included, for plain-value tests", () => {
    const result = Inventory.methods.reserve({ available: 1, reserved: 0 }, { quantity: 1 }, {} as ActorContext);
    expectTypeOf(result.reply.reserved).toEqualTypeOf<boolean>();
  });

  it("refuses a new state of the wrong shape", () => {
    defineActor({
      state: Stock,
      initial: () => ({ available: 0, reserved: 0 }),
      // @ts-expect-error `reserved` must be a number
      methods: (method) => ({ bad: method(() => ({ state: { available: 1, reserved: "x" } })) }),
    });
  });

  it("types callActor's reply from the method it calls", () => {
    defineHandler({
      trigger: invoke("POST", "/reserve/:sku"),
      schema: v.any(),
      inputs: ({ params }) => ({ r: callActor<typeof Inventory, "reserve">("Inventory", params.sku, "reserve", { quantity: 1 }) }),
      handle: (_e, { r }) => {
        expectTypeOf(r).toExtend<ActorAnswer<unknown>>();
        if (!r.ok) return reply(409, r.error);
        expectTypeOf(r.reply.reserved).toEqualTypeOf<boolean>();
        expectTypeOf(r.reply.available).toEqualTypeOf<number>();
        return reply(200, r.reply);
      },
    });
    // @ts-expect-error no such method
    callActor<typeof Inventory, "nope">("Inventory", "x", "nope");
  });
});
