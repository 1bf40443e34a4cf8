import { defineHandler, jobFamily, publish, state } from "daprlet";
import { Shipment, ShipmentEvent, shipmentKey } from "./lib/shipment.ts";

/**
 * Fires once per shipment, 30 minutes after it shipped (`shipment-late-<orderId>`, scheduled by
 * onShipmentCreated, deleted by onShipmentDelivered): still not delivered, it announces it.
 */
export const onShipmentLate = defineHandler({
  trigger: jobFamily("shipment-late"),
  schema: ShipmentEvent,
  inputs: ({ data }) => ({ shipment: state("statestore", shipmentKey(data.orderId), { schema: Shipment }) }),
  handle: ({ data, dueAt, firedAt }, { shipment }) =>
    shipment.value?.status === "shipped"
      ? [publish("pubsub", "shipment-late", { orderId: data.orderId, shippedAt: shipment.value.shippedAt, lateSince: dueAt ?? firedAt })]
      : [],
});
