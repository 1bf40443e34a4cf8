import { defineHandler, topic } from "daprlet";
import { writeReceipt } from "./lib/receipt.ts";
import { ShipmentEvent } from "./lib/shipment.ts";

/**
 * A shipment left: write the customer's shipping receipt. One of three handlers of `shipments`
 * (with onShipmentCreated and countShipment): each gets every message and has its own verdict.
 */
export const sendShipmentReceipt = defineHandler({
  trigger: topic("pubsub", "shipments"),
  schema: ShipmentEvent,
  handle: ({ data, time }) => writeReceipt(`shipment-${data.orderId}.txt`, `Shipped: order ${data.orderId}\nat: ${time ?? "unknown"}\n`),
});
