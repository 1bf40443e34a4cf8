import { defineHandler, deleteJob, saveState, topic } from "daprlet";
import { ShipmentEvent, shipmentKey } from "./lib/shipment.ts";
import { onShipmentLate } from "./onShipmentLate.ts";

/** A shipment arrived: record it and cancel its lateness check (no error if it fired already). */
export const onShipmentDelivered = defineHandler({
  trigger: topic("pubsub", "shipment-delivered"),
  schema: ShipmentEvent,
  handle: ({ data }) => [
    saveState("statestore", shipmentKey(data.orderId), { orderId: data.orderId, status: "delivered" }),
    deleteJob(onShipmentLate, data.orderId),
  ],
});
