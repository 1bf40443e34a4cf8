// The fixture app's order scenario, declarative subscriptions, cron, and retries/dead letters
// exactly as its resiliency/ says, against a real daprd on the embedded components.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fixtureRoot, type Stack, setMetadata, startStack, waitFor } from "./harness.ts";

const maxRetries = (
  parse(readFileSync(join(fixtureRoot, "resiliency/resiliency.yaml"), "utf8")) as {
    spec: { policies: { retries: Record<string, { maxRetries: number }> } };
  }
).spec.policies.retries.deliveryRetry.maxRetries;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ prepare: (dir) => setMetadata(dir, "common/cron.yaml", "schedule", "@every 1s") });
});
afterAll(async () => {
  await stack?.stop();
});

const publish = (topic: string, data: unknown, id: string) =>
  stack.dapr(`/v1.0/publish/pubsub/${topic}?metadata.cloudevent.id=${id}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(data),
  });

describe("the order scenario on embedded components", () => {
  it("stores, publishes, processes and writes the receipt of an order posted through service invocation", async () => {
    const res = await stack.dapr("/v1.0/invoke/order-service/method/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "order-123", amount: 100 }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ orderId: "order-123", status: "accepted" });
    expect(await stack.getState("order-order-123")).toEqual({ orderId: "order-123", amount: 100 });
    const processed = await waitFor("onOrderCreated to record the order", () => stack.getState("processed-order-123"));
    expect(processed).toMatchObject({ orderId: "order-123", amount: 100, eventId: expect.any(String) });
    expect(readFileSync(join(stack.dir, ".data/receipts/order-123.txt"), "utf8")).toBe("Receipt for order-123\namount: 100\n");
  });

  it("answers 400 with the issues for an invalid order, through daprd", async () => {
    const res = await stack.dapr("/v1.0/invoke/order-service/method/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "x", amount: "lots" }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid request body", issues: [expect.stringMatching(/^amount:/)] });
  });
});

describe("declarative subscriptions", () => {
  it("are live in daprd as DECLARATIVE, with the generated routes and dead-letter topics", async () => {
    const metadata = (await (await stack.dapr("/v1.0/metadata")).json()) as { subscriptions: unknown[] };
    const byTopic = (topic: string) => metadata.subscriptions.find((s) => (s as { topic: string }).topic === topic);
    expect(byTopic("orders")).toEqual({
      pubsubname: "pubsub",
      topic: "orders",
      rules: [{ path: "/events/onOrderCreated" }],
      deadLetterTopic: "orders-dead",
      type: "DECLARATIVE",
    });
    expect(byTopic("orders-dead")).toMatchObject({ rules: [{ path: "/events/onOrderDeadLettered" }], type: "DECLARATIVE" });
    expect(byTopic("flaky")).toMatchObject({ rules: [{ path: "/events/onFlaky" }], deadLetterTopic: "orders-dead", type: "DECLARATIVE" });
    // Two handlers of one topic: one route, the first one's by name.
    expect(byTopic("fanout")).toMatchObject({ rules: [{ path: "/events/onFanOutCount" }], type: "DECLARATIVE" });
  });
});

describe("fan-out: two handlers of one topic", () => {
  it("get every message; daprd redelivers while one fails, and the one that succeeded is not applied again", async () => {
    const id = "fanout-1";
    expect((await publish("fanout", { n: 1 }, id)).status).toBe(204);
    const flaky = await waitFor("onFanOutFlaky to succeed on the redelivery", () => stack.getState(`fanout-flaky-${id}`));
    expect(flaky).toEqual({ n: 1, attempts: 2 });
    expect(stack.deliveries("/events/onFanOutCount")).toHaveLength(2);
    expect(await stack.getState(`fanout-count-${id}`)).toBe(1);
  });
});

describe("cron", () => {
  it("fires onCronTick on schedule, several times at @every 1s", async () => {
    const ticks = await waitFor(
      "three cron ticks",
      () => (stack.deliveries("/cron").length >= 3 ? stack.deliveries("/cron") : undefined),
      15_000,
    );
    expect(ticks[0]).toMatchObject({ method: "POST", headers: { "content-type": "application/json" }, body: "" });
    expect(ticks[0].headers).toHaveProperty("readtimeutc");
    expect(await stack.getState("heartbeat")).toMatchObject({ at: expect.stringMatching(/UTC$/) });
  });
});

describe("retries and dead letters, as resiliency/ says", () => {
  it("calls a handler that fails twice exactly three times, and its effects happen once", async () => {
    expect((await publish("flaky", { n: 1 }, "flaky-1")).status).toBe(204);
    expect(await waitFor("the third attempt to succeed", () => stack.getState("flaky-flaky-1"))).toEqual({ n: 1 });
    expect(stack.deliveries("/events/onFlaky")).toHaveLength(3);
    expect(await stack.getState("deadletter-flaky-1")).toBeUndefined();
  });

  it(`calls an always-failing handler maxRetries + 1 (= ${maxRetries + 1}) times, then dead-letters the original data with the reason`, async () => {
    expect((await publish("always-fails", { n: 2 }, "fails-1")).status).toBe(204);
    const dead = await waitFor("the dead-letter handler", () => stack.getState("deadletter-fails-1"));
    expect(stack.deliveries("/events/onAlwaysFails")).toHaveLength(maxRetries + 1);
    expect(dead).toEqual({
      id: "fails-1",
      topic: "always-fails",
      data: { n: 2 },
      reason: "handler threw: Error: always fails",
      attempts: maxRetries + 1,
    });
  });

  it("dead-letters a schema-invalid message without any retry", async () => {
    expect((await publish("orders", { orderId: "bad", amount: "not a number" }, "invalid-1")).status).toBe(204);
    const dead = await waitFor("the dead-letter handler", () => stack.getState("deadletter-invalid-1"));
    expect(dead).toMatchObject({
      data: { orderId: "bad", amount: "not a number" },
      reason: expect.stringMatching(/^schema validation failed: amount:/),
      attempts: 1,
    });
    expect(stack.deliveries("/events/onOrderCreated").filter((d) => d.body?.includes('"invalid-1"'))).toHaveLength(1);
  });
});
