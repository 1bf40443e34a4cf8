import * as v from "valibot";

/** A shipment event: the order it is for. */
export const ShipmentEvent = v.object({ orderId: v.pipe(v.string(), v.regex(/^[\w.-]{1,100}$/, "use letters, digits, '.', '_' or '-'")) });

/** A shipment as stored: shipped until delivered. */
export const Shipment = v.object({ orderId: v.string(), status: v.picklist(["shipped", "delivered"]), shippedAt: v.optional(v.string()) });
export type Shipment = v.InferOutput<typeof Shipment>;

/** The state key of an order's shipment. */
export const shipmentKey = (orderId: string) => `shipment-${orderId}`;

/** Where the express-shipping switch is kept (by onExpressShippingChanged). */
export const expressShippingKey = "settings-express-shipping";
export const ExpressShipping = v.object({ enabled: v.boolean() });
