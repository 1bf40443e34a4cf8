import { deleteJob, saveState } from "daprlet";
import { callHandle } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onShipmentDelivered } from "./onShipmentDelivered.ts";
import { onShipmentLate } from "./onShipmentLate.ts";

describe("onShipmentDelivered", () => {
  it("records the delivery and cancels the lateness check", async () => {
    expect(await callHandle(onShipmentDelivered, { orderId: "o-1" })).toEqual([
      saveState("statestore", "shipment-o-1", { orderId: "o-1", status: "delivered" }),
      deleteJob(onShipmentLate, "o-1"),
    ]);
  });
});
