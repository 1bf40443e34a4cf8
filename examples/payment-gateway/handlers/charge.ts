import { defineHandler, invoke, reply, secret } from "daprlet";
import * as v from "valibot";

/** The largest amount this pretend gateway approves. */
export const approvalLimit = 1000;

/**
 * POST /charge: a stand-in payment gateway, itself a daprlet app. It checks the caller's API key
 * against its own secret store, approves amounts up to 1000 and declines the rest.
 */
export const charge = defineHandler({
  trigger: invoke("POST", "/charge"),
  schema: v.object({ orderId: v.string(), amount: v.number(), cardToken: v.string() }),
  inputs: () => ({ expectedKey: secret("secretstore", "payment-gateway-key", { key: "payment-gateway-key" }) }),
  handle: ({ data, headers }, { expectedKey }) => {
    if (headers["x-api-key"] !== expectedKey) return reply(401, { error: "missing or wrong x-api-key" });
    const approved = data.amount <= approvalLimit;
    return reply(200, { approved, reference: `${approved ? "ch" : "dc"}-${data.orderId}` });
  },
});
