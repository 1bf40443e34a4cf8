import { actorContext } from "daprlet/testing";
import { safeParse } from "valibot";
import { describe, expect, it } from "vitest";
import { InventoryActor } from "./InventoryActor.ts";

const { setStock, reserve, release, get } = InventoryActor.methods;
const ctx = actorContext("sku-1", { type: "InventoryActor" });
const stock = (available: number, reserved = 0) => ({ available, reserved });

describe("InventoryActor", () => {
  it("starts with nothing available or reserved", () => {
    expect(InventoryActor.initial()).toEqual(stock(0, 0));
  });

  it("setStock sets what is available and keeps what is reserved", () => {
    expect(setStock(stock(3, 2), { available: 10 }, ctx)).toEqual({
      state: stock(10, 2),
      reply: { sku: "sku-1", available: 10, reserved: 2 },
    });
  });

  it("setStock refuses a negative or fractional count (the input schema)", () => {
    expect(safeParse(setStock.input, { available: -1 }).success).toBe(false);
    expect(safeParse(setStock.input, { available: 1.5 }).success).toBe(false);
    expect(safeParse(setStock.input, { available: 0 }).success).toBe(true);
  });

  it("reserve moves units from available to reserved when there are enough", () => {
    expect(reserve(stock(5, 1), { quantity: 2 }, ctx)).toEqual({ state: stock(3, 3), reply: { reserved: true, available: 3 } });
    expect(reserve(stock(2), { quantity: 2 }, ctx)).toEqual({ state: stock(0, 2), reply: { reserved: true, available: 0 } });
  });

  it("reserve changes nothing and says reserved: false when there are not enough", () => {
    expect(reserve(stock(1, 4), { quantity: 2 }, ctx)).toEqual({ reply: { reserved: false, available: 1 } });
  });

  it("reserve and release refuse a quantity below 1 or fractional (bad input changes nothing)", () => {
    for (const m of [reserve, release]) {
      expect(safeParse(m.input, { quantity: 0 }).success).toBe(false);
      expect(safeParse(m.input, { quantity: 1.5 }).success).toBe(false);
      expect(safeParse(m.input, {}).success).toBe(false);
      expect(safeParse(m.input, { quantity: 1 }).success).toBe(true);
    }
  });

  it("release moves up to quantity reserved units back", () => {
    expect(release(stock(1, 3), { quantity: 2 }, ctx)).toEqual({ state: stock(3, 1), reply: { available: 3, reserved: 1 } });
    expect(release(stock(1, 3), { quantity: 10 }, ctx)).toEqual({ state: stock(4, 0), reply: { available: 4, reserved: 0 } });
  });

  it("get answers the sku and its counts without changing them", () => {
    expect(get(stock(7, 3), undefined, ctx)).toEqual({ reply: { sku: "sku-1", available: 7, reserved: 3 } });
  });
});
