import { actorCall, actorContext, createFakeSidecar, testApp } from "daprlet/testing";
import { setupServer } from "msw/node";
import { safeParse } from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InventoryActor } from "./InventoryActor.ts";

const { setStock, reserve, release, get } = InventoryActor.methods;
const ctx = actorContext("sku-1", { type: "InventoryActor" });
const stock = (available: number, reserved = 0, holds: Record<string, number> = {}) => ({ available, reserved, holds });

describe("InventoryActor", () => {
  it("starts with nothing available, reserved or held", () => {
    expect(InventoryActor.initial()).toEqual(stock(0, 0, {}));
  });

  it("setStock sets what is available and keeps what is reserved and held", () => {
    expect(setStock(stock(3, 2, { "o-1": 2 }), { available: 10 }, ctx)).toEqual({
      state: stock(10, 2, { "o-1": 2 }),
      reply: { sku: "sku-1", available: 10, reserved: 2 },
    });
  });

  it("setStock refuses a negative or fractional count (the input schema)", () => {
    expect(safeParse(setStock.input, { available: -1 }).success).toBe(false);
    expect(safeParse(setStock.input, { available: 1.5 }).success).toBe(false);
    expect(safeParse(setStock.input, { available: 0 }).success).toBe(true);
  });

  it("reserve moves units from available to reserved when there are enough, held for the order", () => {
    expect(reserve(stock(5, 1, { "o-0": 1 }), { order: "o-1", quantity: 2 }, ctx)).toEqual({
      state: stock(3, 3, { "o-0": 1, "o-1": 2 }),
      reply: { reserved: true, available: 3 },
    });
    expect(reserve(stock(2), { order: "o-1", quantity: 2 }, ctx)).toEqual({
      state: stock(0, 2, { "o-1": 2 }),
      reply: { reserved: true, available: 0 },
    });
  });

  it("reserve changes nothing and says reserved: false when there are not enough", () => {
    expect(reserve(stock(1, 4, { "o-0": 4 }), { order: "o-1", quantity: 2 }, ctx)).toEqual({ reply: { reserved: false, available: 1 } });
  });

  it("reserving the same order twice reserves once: the second is a replay, reserved: true and no change", () => {
    const first = reserve(stock(5), { order: "o-1", quantity: 2 }, ctx);
    expect(first.state).toEqual(stock(3, 2, { "o-1": 2 }));
    const again = reserve(first.state!, { order: "o-1", quantity: 2 }, ctx);
    expect(again).toEqual({ reply: { reserved: true, available: 3 } });
    // The hold names the reservation, whatever the replay's quantity (even one there is no stock for).
    expect(reserve(first.state!, { order: "o-1", quantity: 50 }, ctx)).toEqual({ reply: { reserved: true, available: 3 } });
  });

  it("takes an order named like an Object.prototype property as any other order", () => {
    expect(reserve(stock(5), { order: "toString", quantity: 1 }, ctx)).toEqual({
      state: stock(4, 1, { toString: 1 }),
      reply: { reserved: true, available: 4 },
    });
    expect(release(stock(5), { order: "hasOwnProperty" }, ctx)).toEqual({ reply: { available: 5, reserved: 0 } });
    expect(release(stock(4, 1, { toString: 1 }), { order: "toString" }, ctx)).toEqual({
      state: stock(5, 0, {}),
      reply: { available: 5, reserved: 0 },
    });
  });

  it("reserve and release refuse a bad order or quantity (bad input changes nothing)", () => {
    for (const input of [{ order: "o-1", quantity: 0 }, { order: "o-1", quantity: 1.5 }, { order: "o-1" }, { quantity: 1 }, {}]) {
      expect(safeParse(reserve.input, input).success).toBe(false);
    }
    // valibot's record drops these keys from its output: a hold under one would vanish on the write.
    for (const order of ["", "a/b", "__proto__", "constructor", "prototype"]) {
      expect(safeParse(reserve.input, { order, quantity: 1 }).success).toBe(false);
      expect(safeParse(release.input, { order }).success).toBe(false);
    }
    expect(safeParse(reserve.input, { order: "o-1", quantity: 1 }).success).toBe(true);
    expect(safeParse(release.input, {}).success).toBe(false);
    expect(safeParse(release.input, { order: "o-1" }).success).toBe(true);
  });

  it("release moves exactly the order's hold back to available and keeps the others", () => {
    expect(release(stock(1, 5, { "o-1": 2, "o-2": 3 }), { order: "o-1" }, ctx)).toEqual({
      state: stock(3, 3, { "o-2": 3 }),
      reply: { available: 3, reserved: 3 },
    });
  });

  it("releasing twice, or an order not held, changes nothing", () => {
    const once = release(stock(1, 2, { "o-1": 2 }), { order: "o-1" }, ctx);
    expect(once.state).toEqual(stock(3, 0, {}));
    expect(release(once.state!, { order: "o-1" }, ctx)).toEqual({ reply: { available: 3, reserved: 0 } });
    expect(release(stock(1, 2, { "o-1": 2 }), { order: "o-9" }, ctx)).toEqual({ reply: { available: 1, reserved: 2 } });
  });

  it("get answers the sku, its counts and its holds without changing them", () => {
    expect(get(stock(7, 3, { "o-1": 3 }), undefined, ctx)).toEqual({
      reply: { sku: "sku-1", available: 7, reserved: 3, holds: { "o-1": 3 } },
    });
  });

  it("the last 50 units, reserved by 100 orders one after another (as daprd's lock runs them): 50 reserved: true", () => {
    let state = stock(50);
    const replies = Array.from({ length: 100 }, (_, i) => {
      const { state: next, reply } = reserve(state, { order: `o-${i}`, quantity: 1 }, ctx);
      state = next ?? state;
      return reply;
    });
    expect(replies.filter((r) => r.reserved)).toHaveLength(50);
    expect([state.available, state.reserved, Object.keys(state.holds).length]).toEqual([0, 50, 50]);
  });
});

describe("InventoryActor through the runtime, on state written before holds", () => {
  const sidecar = createFakeSidecar();
  const server = setupServer(...sidecar.handlers);
  beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
  afterEach(() => sidecar.reset());
  afterAll(() => server.close());

  const app = testApp({ InventoryActor }, { client: sidecar.client });
  const call = async (method: string, body?: unknown) =>
    (await app.send(`InventoryActor.${method}`, actorCall("InventoryActor", "sku-1", method, body))).json();

  it("loads it as no holds, keeps its reserved units, and writes holds from then on", async () => {
    sidecar.seedActor("InventoryActor", "sku-1", { available: 5, reserved: 3 });
    expect(await call("get")).toEqual({ sku: "sku-1", available: 5, reserved: 3, holds: {} });
    expect(await call("release", { order: "o-1" })).toEqual({ available: 5, reserved: 3 });
    expect(sidecar.actorState("InventoryActor", "sku-1")).toEqual({ available: 5, reserved: 3 });
    expect(await call("reserve", { order: "o-1", quantity: 2 })).toEqual({ reserved: true, available: 3 });
    expect(sidecar.actorState("InventoryActor", "sku-1")).toEqual(stock(3, 5, { "o-1": 2 }));
    expect(await call("release", { order: "o-1" })).toEqual({ available: 5, reserved: 3 });
    expect(sidecar.actorState("InventoryActor", "sku-1")).toEqual(stock(5, 3, {}));
  });
});
