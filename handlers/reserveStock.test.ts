import { reply, saveState, state } from "daprlet";
import { invokeEvent } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { reserveStock } from "./reserveStock.ts";

const reserve = (qty: number) => invokeEvent({ qty }, { params: { sku: "sku-1" } });
const stock = (available: number | undefined) => ({
  stock: {
    key: "stock-sku-1",
    value: available === undefined ? undefined : { available },
    etag: available === undefined ? undefined : "7",
  },
});

describe("reserveStock", () => {
  it("reads stock-<sku> before handling", () => {
    const { stock } = reserveStock.inputs?.(reserve(1)) ?? {};
    expect(stock?.params({})).toEqual(state("statestore", "stock-sku-1").params({}));
  });

  it("takes the units and writes the rest back with the ETag it read", () => {
    expect(reserveStock.handle(reserve(2), stock(5))).toEqual([
      saveState("statestore", "stock-sku-1", { available: 3 }, { etag: "7" }),
      reply(200, { sku: "sku-1", reserved: 2, available: 3 }),
    ]);
  });

  it("answers 409 with what is left when there are not enough units", () => {
    expect(reserveStock.handle(reserve(2), stock(1))).toEqual(reply(409, { error: "only 1 of sku-1 left", available: 1 }));
  });

  it("answers 404 when no stock was ever recorded", () => {
    expect(reserveStock.handle(reserve(1), stock(undefined))).toEqual(
      reply(404, { error: "no stock recorded for sku-1: PUT /inventory/sku-1 first" }),
    );
  });
});
