// Type tests, checked by `tsc --noEmit`: `after` given as the inputs themselves types what the
// waiting input's functions receive; given as names, they receive untyped values (as before).
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { callApp } from "./call-app-input.ts";
import type { Earlier, EarlierOf, InputValues } from "./input.ts";
import { secret } from "./secret-input.ts";
import { type StateValue, state } from "./state-input.ts";

const Order = v.object({ amount: v.number() });

describe("after", () => {
  it("as inputs: when, headers and a key function get the values typed", () => {
    const order = state("statestore", "order-1", { schema: Order });
    const apiKey = secret("secretstore", "k", { key: "k" });
    callApp("gateway", "POST", "/charge", {
      after: { order, apiKey },
      when: ({ order }) => {
        expectTypeOf(order).toEqualTypeOf<StateValue<{ amount: number }>>();
        return order.value !== undefined;
      },
      headers: ({ apiKey }) => {
        expectTypeOf(apiKey).toEqualTypeOf<string>();
        return { "x-api-key": apiKey };
      },
    });
    state("statestore", ({ order }) => `receipt-${order.value?.amount}`, { after: { order } });
    expectTypeOf<EarlierOf<{ order: typeof order }>>().toEqualTypeOf<InputValues<{ order: typeof order }>>();
    // @ts-expect-error: apiKey is not among the inputs waited for
    callApp("gateway", "GET", "/x", { after: { order }, headers: ({ apiKey }) => ({ k: apiKey }) });
  });

  it("as names: values are unknown, as before", () => {
    expectTypeOf<EarlierOf<readonly ["order"]>>().toEqualTypeOf<Earlier>();
  });
});
