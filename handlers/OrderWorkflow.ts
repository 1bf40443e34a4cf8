import { callActivity, compensate, defineWorkflow, type RetryPolicy, type Steps, waitForEvent } from "daprlet";
import { Checkout, CheckoutOutcome, type Reservation } from "./lib/checkout.ts";

/** Store and sidecar hiccups: three attempts, 1 s then 2 s apart, on durable timers. */
const transient: RetryPolicy = { maxAttempts: 3, firstRetrySeconds: 1 };

/**
 * The checkout saga: validate the user, reserve the stock, wait for the payment, create the
 * order. Every business outcome completes the instance with its output; a step that fails after
 * the reservation, or a cancellation, releases it (the reservation's compensation).
 */
export const OrderWorkflow = defineWorkflow({
  input: Checkout,
  output: CheckoutOutcome,
  // `cancel-order` stops the instance at its current step, releases the reservation and fails it.
  cancelEvent: "cancel-order",
  *run(_ctx, order): Steps<CheckoutOutcome> {
    const { orderId } = order;
    const user = yield* callActivity<{ ok: boolean; reason?: string }>("validateUser", { userId: order.userId }, { retry: transient });
    if (!user.ok) return { orderId, status: "rejected", reason: user.reason ?? "user refused" };

    const reservation: Reservation = { orderId, items: order.items };
    // All or nothing: a refusal has reserved nothing (reserveInventory gives back what it held).
    const reserved = yield* callActivity<{ ok: boolean }>("reserveInventory", reservation, {
      retry: transient,
      compensate: callActivity("releaseInventory", reservation, { retry: { maxAttempts: 10, firstRetrySeconds: 1, maxRetrySeconds: 30 } }),
    });
    if (!reserved.ok) return { orderId, status: "out-of-stock" };

    const paid = yield* waitForEvent("payment-approved", { timeoutSeconds: order.paymentTimeoutSeconds ?? 60 });
    if (!paid.received) {
      yield* compensate();
      return { orderId, status: "payment-timeout" };
    }

    try {
      yield* callActivity("createOrder", order, { retry: transient });
    } catch {
      yield* compensate();
      return { orderId, status: "failed", compensated: true };
    }
    return { orderId, status: "created" };
  },
});
