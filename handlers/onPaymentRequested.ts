import { callApp, defineHandler, drop, publish, retry, saveState, secret, state, topic, transaction } from "daprlet";
import { orderKey, StoredOrder } from "./lib/order.ts";
import { Charge, gatewayKey, PaymentRequest, paymentKey } from "./lib/payment.ts";

/**
 * Charges an order through the payment gateway (another app, called through Dapr), then records
 * the payment and the order's new status in one state transaction and announces the result.
 * The card is charged only for an order that exists with the same amount.
 */
export const onPaymentRequested = defineHandler({
  trigger: topic("pubsub", "payments", { deadLetterTopic: "orders-dead" }),
  schema: PaymentRequest,
  inputs: ({ data }) => {
    const order = state("statestore", orderKey(data.orderId), { schema: StoredOrder });
    const apiKey = secret(gatewayKey.store, gatewayKey.name, { key: gatewayKey.name });
    // `after: { order, apiKey }` waits for those two and types their values in `when` and `headers`.
    const charge = callApp("payment-gateway", "POST", "/charge", {
      after: { order, apiKey },
      when: ({ order }) => order.value?.amount === data.amount,
      body: { orderId: data.orderId, amount: data.amount, cardToken: data.cardToken },
      headers: ({ apiKey }) => ({ [gatewayKey.header]: apiKey }),
      schema: Charge,
    });
    return { order, apiKey, charge };
  },
  handle: ({ data }, { order, charge }) => {
    // The order is stored by createOrder; a payment request can overtake it.
    if (!order.value) return retry(`order ${data.orderId} is not stored yet`);
    if (order.value.amount !== data.amount)
      return drop(`amount ${data.amount} does not match order ${data.orderId} (${order.value.amount})`);
    if (!charge) return retry("the payment gateway was not called");
    if (!charge.ok) return retry(`the payment gateway refused the request (${charge.status}): check the ${gatewayKey.name} secret`);
    const status = charge.body.approved ? "approved" : "declined";
    const { reference } = charge.body;
    return [
      transaction("statestore", [
        saveState("statestore", paymentKey(data.orderId), { orderId: data.orderId, amount: data.amount, status, reference }),
        saveState("statestore", order.key, { ...order.value, status }, { etag: order.etag }),
      ]),
      publish("pubsub", charge.body.approved ? "payment-completed" : "payment-failed", { orderId: data.orderId, status, reference }),
    ];
  },
});
