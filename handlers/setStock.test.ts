import { reply, saveState } from "daprlet";
import { invokeEvent, invokeRequest, runHandler } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { setStock } from "./setStock.ts";

describe("setStock", () => {
  it("stores the count under stock-<sku> and answers it", () => {
    expect(setStock.handle(invokeEvent({ available: 50 }, { params: { sku: "sku-1" } }))).toEqual([
      saveState("statestore", "stock-sku-1", { available: 50 }),
      reply(200, { sku: "sku-1", available: 50 }),
    ]);
  });

  it("refuses a negative or fractional count with 400", async () => {
    for (const available of [-1, 1.5]) {
      const { answer } = await runHandler(setStock, invokeRequest(setStock, { params: { sku: "s" }, body: { available } }));
      expect(answer.status).toBe(400);
    }
  });
});
