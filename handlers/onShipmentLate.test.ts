import { publish } from "daprlet";
import { callHandle, jobRequest, runHandler } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onShipmentLate } from "./onShipmentLate.ts";

const shipment = (status: "shipped" | "delivered" | undefined) => ({
  key: "shipment-o-1",
  value: status && { orderId: "o-1", status, shippedAt: "2026-03-01T12:00:00Z" },
  etag: status && "1",
});

describe("onShipmentLate", () => {
  it("serves the jobs shipment-late-<orderId>", () => {
    expect(onShipmentLate.trigger).toEqual({ kind: "jobFamily", prefix: "shipment-late" });
  });

  it("announces a shipment still not delivered when its job fires, since when it is late", async () => {
    const effects = await callHandle(
      onShipmentLate,
      { orderId: "o-1" },
      { inputs: { shipment: shipment("shipped") }, event: { key: "o-1", dueAt: "2026-03-01T12:30:00.000Z" } },
    );
    expect(effects).toEqual([
      publish("pubsub", "shipment-late", { orderId: "o-1", shippedAt: "2026-03-01T12:00:00Z", lateSince: "2026-03-01T12:30:00.000Z" }),
    ]);
  });

  it("does nothing for a shipment delivered meanwhile, or one it cannot find", async () => {
    expect(await callHandle(onShipmentLate, { orderId: "o-1" }, { inputs: { shipment: shipment("delivered") } })).toEqual([]);
    expect(await callHandle(onShipmentLate, { orderId: "o-1" }, { inputs: { shipment: shipment(undefined) } })).toEqual([]);
  });

  it("refuses an order id that cannot be part of a job name, through the schema", async () => {
    await expect(callHandle(onShipmentLate, { orderId: "o 1" }, { inputs: { shipment: shipment("shipped") } })).rejects.toThrow(
      /schema rejects this data: orderId: use letters/,
    );
    const result = await runHandler(onShipmentLate, jobRequest(onShipmentLate, { orderId: "o 1" }, { key: "o-1" }));
    expect(result.answer).toMatchObject({ status: 200, body: { status: "DROP" } });
  });
});
