import { configurationChanged, configurationItem, defineHandler, saveState } from "daprlet";
import * as v from "valibot";
import { expressShippingKey } from "./lib/shipment.ts";

/**
 * The express-shipping switch: `redis-cli SET express-shipping "on||1"` (the redis profile's
 * configstore), or the same key upserted into the postgres-kafka profile's `configuration` table
 * (docs/jobs.md), reaches this handler at once, which records it where onShipmentCreated reads it.
 * No restart, and no configuration read on every shipment (the embedded profile has no
 * configuration store: there the switch is simply off).
 */
export const onExpressShippingChanged = defineHandler({
  trigger: configurationChanged("configstore", ["express-shipping"]),
  schema: v.object({ "express-shipping": configurationItem }),
  handle: ({ data }) => [saveState("statestore", expressShippingKey, { enabled: data["express-shipping"].value === "on" })],
});
