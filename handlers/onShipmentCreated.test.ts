import { saveState, scheduleJob } from "daprlet";
import { callHandle } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onShipmentCreated } from "./onShipmentCreated.ts";
import { onShipmentLate } from "./onShipmentLate.ts";

const express = (enabled: boolean | undefined) => ({
  express: { key: "settings-express-shipping", value: enabled === undefined ? undefined : { enabled }, etag: undefined },
});

describe("onShipmentCreated", () => {
  it("records the shipment and schedules shipment-late-<orderId> 30 minutes later, for onShipmentLate", async () => {
    expect(
      await callHandle(onShipmentCreated, { orderId: "o-1" }, { event: { time: "2026-03-01T12:00:00Z" }, inputs: express(undefined) }),
    ).toEqual([
      saveState("statestore", "shipment-o-1", { orderId: "o-1", status: "shipped", shippedAt: "2026-03-01T12:00:00Z" }),
      { kind: "scheduleJob", name: "shipment-late-o-1", dueTime: "30m", data: { orderId: "o-1" } },
    ]);
  });

  it("checks after 10 minutes while express shipping is switched on", async () => {
    const [, job] = await callHandle(onShipmentCreated, { orderId: "o-2" }, { inputs: express(true) });
    expect(job).toEqual(scheduleJob(onShipmentLate, "o-2", { dueTime: "10m", data: { orderId: "o-2" } }));
  });
});
