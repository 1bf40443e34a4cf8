import { defineHandler, saveState, state, topic } from "daprlet";
import * as v from "valibot";
import { ShipmentEvent } from "./lib/shipment.ts";

/** Shipments per day, for the analytics dashboard. */
const ShipmentCount = v.object({ count: v.number() });
const dayKey = (time: string | undefined) => `analytics-shipments-${(time ?? "").slice(0, 10) || "unknown"}`;

/**
 * A shipment left: count it for its day (the third handler of `shipments`). The count is read with
 * its ETag and written back with it (the first of the day as first-write), so a concurrent count
 * makes the runtime read and count again; the message's applied-record keeps a redelivery from
 * counting twice.
 */
export const countShipment = defineHandler({
  trigger: topic("pubsub", "shipments"),
  schema: ShipmentEvent,
  inputs: ({ time }) => ({ day: state("statestore", dayKey(time), { schema: ShipmentCount }) }),
  handle: (_event, { day }) =>
    saveState(
      "statestore",
      day.key,
      { count: (day.value?.count ?? 0) + 1 },
      day.etag ? { etag: day.etag } : { concurrency: "first-write" },
    ),
});
