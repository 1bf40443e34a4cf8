import { defineHandler, saveState, scheduleJob, state, topic } from "daprlet";
import { ExpressShipping, expressShippingKey, ShipmentEvent, shipmentKey } from "./lib/shipment.ts";
import { onShipmentLate } from "./onShipmentLate.ts";

/**
 * A shipment left: record it, and have onShipmentLate check on it in 30 minutes (10 with express
 * shipping on). sendShipmentReceipt and countShipment get the same messages (fan-out).
 */
export const onShipmentCreated = defineHandler({
  trigger: topic("pubsub", "shipments"),
  schema: ShipmentEvent,
  inputs: () => ({ express: state("statestore", expressShippingKey, { schema: ExpressShipping }) }),
  handle: ({ data, time }, { express }) => [
    saveState("statestore", shipmentKey(data.orderId), { orderId: data.orderId, status: "shipped", shippedAt: time }),
    // A redelivered event replaces the job (same name), it never schedules a second one.
    scheduleJob(onShipmentLate, data.orderId, { dueTime: express.value?.enabled ? "10m" : "30m", data: { orderId: data.orderId } }),
  ],
});
