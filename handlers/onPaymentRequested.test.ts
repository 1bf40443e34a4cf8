import { drop, publish, retry, saveState, transaction } from "daprlet";
import { topicEvent } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onPaymentRequested } from "./onPaymentRequested.ts";

const request = { orderId: "o-1", amount: 100, cardToken: "tok" };
const event = topicEvent(request, { topic: "payments" });
const order = (value?: { orderId: string; amount: number }) => ({ key: "order-o-1", value, etag: value ? "3" : undefined });
const stored = { orderId: "o-1", amount: 100 };
const answer = (approved: boolean) => ({ ok: true as const, status: 200, body: { approved, reference: approved ? "ch-o-1" : "dc-o-1" } });

describe("onPaymentRequested", () => {
  it("records an approved payment and the order's status in one transaction, then announces it", () => {
    expect(onPaymentRequested.handle(event, { order: order(stored), apiKey: "k", charge: answer(true) })).toEqual([
      transaction("statestore", [
        saveState("statestore", "payment-o-1", { orderId: "o-1", amount: 100, status: "approved", reference: "ch-o-1" }),
        saveState("statestore", "order-o-1", { orderId: "o-1", amount: 100, status: "approved" }, { etag: "3" }),
      ]),
      publish("pubsub", "payment-completed", { orderId: "o-1", status: "approved", reference: "ch-o-1" }),
    ]);
  });

  it("records a declined payment and publishes payment-failed", () => {
    const effects = onPaymentRequested.handle(event, { order: order(stored), apiKey: "k", charge: answer(false) });
    expect(effects).toContainEqual(publish("pubsub", "payment-failed", { orderId: "o-1", status: "declined", reference: "dc-o-1" }));
  });

  it("retries while the order is not stored yet", () => {
    expect(onPaymentRequested.handle(event, { order: order(), apiKey: "k", charge: undefined })).toEqual(
      retry("order o-1 is not stored yet"),
    );
  });

  it("drops a request whose amount differs from the order's, saying both", () => {
    const result = onPaymentRequested.handle(event, { order: order({ orderId: "o-1", amount: 99 }), apiKey: "k", charge: undefined });
    expect(result).toEqual(drop("amount 100 does not match order o-1 (99)"));
  });

  it("retries when the gateway refuses the key", () => {
    const refused = { ok: false as const, status: 401, body: { error: "missing or wrong x-api-key" } };
    expect(onPaymentRequested.handle(event, { order: order(stored), apiKey: "k", charge: refused })).toEqual(
      retry("the payment gateway refused the request (401): check the payment-gateway-key secret"),
    );
  });

  it("reads the order and the key, and charges only an order with the same amount, sending the key", () => {
    const inputs = onPaymentRequested.inputs?.(event);
    expect(inputs?.charge.params({ apiKey: "k" })).toEqual({
      appId: "payment-gateway",
      method: "POST",
      path: "/charge",
      body: request,
      headers: { "x-api-key": "k" },
    });
    expect(inputs?.charge.when?.({ order: order(stored) })).toBe(true);
    expect(inputs?.charge.when?.({ order: order({ orderId: "o-1", amount: 99 }) })).toBe(false);
    expect(inputs?.charge.when?.({ order: order() })).toBe(false);
  });
});
