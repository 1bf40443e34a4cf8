import { defineHandler, invoke, reply, startWorkflow, workflowStatus } from "daprlet";
import { Checkout } from "./lib/checkout.ts";

/**
 * POST /checkout: starts OrderWorkflow with the order id as its instance id; 202 `{ instanceId }`.
 * An instance that already exists (a client retrying) is not started again.
 */
export const startCheckout = defineHandler({
  trigger: invoke("POST", "/checkout"),
  schema: Checkout,
  inputs: ({ data }) => ({ existing: workflowStatus(data.orderId) }),
  handle: ({ data }, { existing }) => [
    ...(existing ? [] : [startWorkflow("OrderWorkflow", data.orderId, data)]),
    reply(202, { instanceId: data.orderId }),
  ],
});
