import { defineHandler, saveState, scheduleJob, topic } from "daprlet";
import { ShipmentEvent, shipmentKey } from "./lib/shipment.ts";
import { onShipmentLate } from "./onShipmentLate.ts";

/** A shipment left: record it, and have onShipmentLate check on it in 30 minutes. */
export const onShipmentCreated = defineHandler({
  trigger: topic("pubsub", "shipments"),
  schema: ShipmentEvent,
  handle: ({ data, time }) => [
    saveState("statestore", shipmentKey(data.orderId), { orderId: data.orderId, status: "shipped", shippedAt: time }),
    // A redelivered event replaces the job (same name), it never schedules a second one.
    scheduleJob(onShipmentLate, data.orderId, { dueTime: "30m", data: { orderId: data.orderId } }),
  ],
});
