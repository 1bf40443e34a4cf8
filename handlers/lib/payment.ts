import * as v from "valibot";

/** What the `payments` topic carries: charge `cardToken` for an order. */
export const PaymentRequest = v.object({
  orderId: v.string(),
  amount: v.pipe(v.number(), v.minValue(0)),
  cardToken: v.pipe(v.string(), v.minLength(1)),
});

/** The payment gateway's answer to `POST /charge`. */
export const Charge = v.object({ approved: v.boolean(), reference: v.string() });

/** The secret holding the gateway's API key (one key of the same name), and the header it goes in. */
export const gatewayKey = { store: "secretstore", name: "payment-gateway-key", header: "x-api-key" } as const;

export const paymentKey = (orderId: string) => `payment-${orderId}`;
