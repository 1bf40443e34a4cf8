// The shipped order service end to end, on a real daprd with this project's own components:
// about your handlers, so edit or delete it with them (the framework's own E2E suite runs on its
// fixture app). Run alone: npx vitest run --project e2e handlers/
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { projectRoot, type Stack, startStack, waitFor } from "../e2e/harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ project: projectRoot });
});
afterAll(async () => {
  await stack?.stop();
});

const postOrder = (body: unknown) =>
  stack.dapr("/v1.0/invoke/order-service/method/orders", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

it("stores, publishes, processes and writes the receipt of an order posted through service invocation", async () => {
  const res = await postOrder({ orderId: "order-123", amount: 100 });
  expect({ status: res.status, body: await res.json() }).toEqual({ status: 202, body: { orderId: "order-123", status: "accepted" } });
  expect(await stack.getState("order-order-123")).toEqual({ orderId: "order-123", amount: 100 });
  expect(await waitFor("onOrderCreated", () => stack.getState("processed-order-123"))).toMatchObject({ orderId: "order-123", amount: 100 });
  expect(readFileSync(join(stack.dir, ".data/receipts/order-123.txt"), "utf8")).toBe("Receipt for order-123\namount: 100\n");
});

it("dead-letters an invalid order with the reason it was refused", async () => {
  const res = await stack.dapr("/v1.0/publish/pubsub/orders?metadata.cloudevent.id=bad-1", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId: "bad-1", amount: "lots" }),
  });
  expect(res.status).toBe(204);
  const dead = await waitFor("onOrderDeadLettered", () => stack.getState("deadletter-bad-1"));
  expect(dead).toMatchObject({ id: "bad-1", topic: "orders", reason: expect.stringMatching(/^schema validation failed: amount/) });
});
