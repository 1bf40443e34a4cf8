// The payment and inventory side of the shipped service, end to end on real daprds: the order
// service and the payment-gateway example app, each with its own sidecar, calling each other by
// app id. About your handlers: edit or delete it with them.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot, type Stack, setMetadata, startStack, waitFor } from "../e2e/harness.ts";
import { type Server, startRedis } from "../e2e/servers.ts";

let gateway: Stack;
let orders: Stack;
beforeAll(async () => {
  gateway = await startStack({ project: join(projectRoot, "examples/payment-gateway"), resources: ["components"] });
  orders = await startStack({ project: projectRoot });
});
afterAll(async () => {
  await orders?.stop();
  await gateway?.stop();
});

const invoke = (method: string, path: string, body?: unknown) =>
  orders.dapr(`/v1.0/invoke/order-service/method${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const publish = (topic: string, data: unknown, id: string) =>
  orders.dapr(`/v1.0/publish/pubsub/${topic}?metadata.cloudevent.id=${id}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(data),
  });

type Call = (method: string, path: string, body?: unknown) => Promise<Response>;

/** Stocks 50 of a sku, sends 100 concurrent reservations of 1, and counts the answers by status. */
async function race(call: Call, sku: string, label: string) {
  expect((await call("PUT", `/inventory/${sku}`, { available: 50 })).status).toBe(200);
  const answers = await Promise.all(Array.from({ length: 100 }, () => call("POST", `/inventory/${sku}/reserve`, { qty: 1 })));
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  console.log(`[e2e] ${label}, 100 reservations of 1 against 50: ${JSON.stringify(counts)}`);
  return counts;
}

describe("payments", () => {
  it("charges an order through the gateway app and records an approval in payment and order", async () => {
    expect((await invoke("POST", "/orders", { orderId: "pay-1", amount: 100 })).status).toBe(202);
    expect((await publish("payments", { orderId: "pay-1", amount: 100, cardToken: "tok" }, "p-1")).status).toBe(204);
    const payment = await waitFor("payment-pay-1", () => orders.getState("payment-pay-1"));
    expect(payment).toEqual({ orderId: "pay-1", amount: 100, status: "approved", reference: "ch-pay-1" });
    expect(await orders.getState("order-pay-1")).toEqual({ orderId: "pay-1", amount: 100, status: "approved" });
  });

  it("records a decline above the gateway's limit", async () => {
    expect((await invoke("POST", "/orders", { orderId: "pay-2", amount: 5000 })).status).toBe(202);
    await publish("payments", { orderId: "pay-2", amount: 5000, cardToken: "tok" }, "p-2");
    expect(await waitFor("payment-pay-2", () => orders.getState("payment-pay-2"))).toMatchObject({
      status: "declined",
      reference: "dc-pay-2",
    });
    expect(await orders.getState("order-pay-2")).toMatchObject({ status: "declined" });
  });

  it("retries a payment whose order is not stored yet, and charges it once the order arrives", async () => {
    await publish("payments", { orderId: "pay-3", amount: 7, cardToken: "tok" }, "p-3");
    await new Promise((r) => setTimeout(r, 500));
    expect(await orders.getState("payment-pay-3")).toBeUndefined();
    expect((await invoke("POST", "/orders", { orderId: "pay-3", amount: 7 })).status).toBe(202);
    const payment = await waitFor("payment-pay-3", () => orders.getState("payment-pay-3"), 15_000).catch((e) => {
      console.log(
        orders
          .logs()
          .split("\n")
          .filter((l) => /payments|pay-3|p-3/.test(l))
          .slice(-30)
          .join("\n"),
      );
      throw e;
    });
    expect(payment).toMatchObject({ status: "approved" });
  });

  it("dead-letters a payment whose amount differs from the order's, with the reason, and charges nothing", async () => {
    expect((await invoke("POST", "/orders", { orderId: "pay-4", amount: 10 })).status).toBe(202);
    await publish("payments", { orderId: "pay-4", amount: 11, cardToken: "tok" }, "p-4");
    const dead = await waitFor("the dead letter of p-4", () => orders.getState("deadletter-p-4"));
    expect(dead).toMatchObject({ topic: "payments", reason: "amount 11 does not match order pay-4 (10)" });
    expect(await orders.getState("payment-pay-4")).toBeUndefined();
  });

  it("charges and applies a message published twice (same CloudEvent id) once", async () => {
    expect((await invoke("POST", "/orders", { orderId: "pay-5", amount: 20 })).status).toBe(202);
    const event = { orderId: "pay-5", amount: 20, cardToken: "tok" };
    await publish("payments", event, "p-5");
    await waitFor("payment-pay-5", () => orders.getState("payment-pay-5"));
    await publish("payments", event, "p-5"); // a publisher's retry, or daprd redelivering after a timeout
    const handled = () => orders.deliveries("/events/onPaymentRequested").filter((d) => d.body?.includes('"p-5"')).length;
    await waitFor("the second delivery of p-5", () => handled() === 2);
    const charges = gateway.deliveries("/charge").filter((d) => d.body?.includes('"pay-5"')).length;
    console.log(`[e2e] p-5 delivered ${handled()} times, gateway charged ${charges} time(s)`);
    expect(charges).toBe(1);
  });
});

describe("inventory", () => {
  it("sells exactly the stock to 100 concurrent reservations: 50 × 200, 50 × 409, no 5xx, 0 left", async () => {
    expect(await race(invoke, "sku-race", "state.sqlite")).toEqual({ 200: 50, 409: 50 });
    expect(await orders.getState("stock-sku-race")).toEqual({ available: 0 });
  });

  it("answers 404 for a sku without stock", async () => {
    const res = await invoke("POST", "/inventory/nothing/reserve", { qty: 1 });
    expect(res.status).toBe(404);
  });
});

describe("on Redis (state.redis, pubsub.redis)", () => {
  let redis: Server;
  let onRedis: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    onRedis = await startStack({
      project: projectRoot,
      profiles: ["redis"],
      prepare: (dir) => {
        setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redis.port}`);
        setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redis.port}`);
      },
    });
  });
  afterAll(async () => {
    await onRedis?.stop();
    redis?.stop();
  });

  it("keeps a single-key ETag write safe: 100 reservations against 50 give 50 × 200 and 50 × 409", async () => {
    const call: Call = (method, path, body) =>
      onRedis.dapr(`/v1.0/invoke/order-service/method${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect(await race(call, "sku-redis", "on Redis")).toEqual({ 200: 50, 409: 50 });
    expect(await onRedis.getState("stock-sku-redis")).toEqual({ available: 0 });
  });

  // Why the pipeline reads a message's applied-record before writing instead of relying on the
  // record's first-write (state.in-memory refuses a second one, in a transaction too: see the sidecar
  // contract): state.redis applies it, so on Redis only that read tells a repeated message, and two
  // deliveries of one message at the same moment can both apply (README, "Effects applied once").
  it("state.redis does not enforce first-write without an ETag, in a transaction or alone", async () => {
    const save = (key: string, value: unknown) =>
      onRedis.dapr("/v1.0/state/statestore", { method: "POST", body: JSON.stringify([{ key, value }]) });
    expect((await save("fw-record", { appliedAt: "earlier" })).status).toBe(204);
    const res = await onRedis.dapr("/v1.0/state/statestore/transaction", {
      method: "POST",
      body: JSON.stringify({
        operations: [
          { operation: "upsert", request: { key: "fw-write", value: 2 } },
          { operation: "upsert", request: { key: "fw-record", value: { appliedAt: "now" }, options: { concurrency: "first-write" } } },
        ],
      }),
    });
    expect(res.status).toBe(204);
    expect(await onRedis.getState("fw-record")).toEqual({ appliedAt: "now" });
    const single = await onRedis.dapr("/v1.0/state/statestore", {
      method: "POST",
      body: JSON.stringify([{ key: "fw-record", value: 3, options: { concurrency: "first-write" } }]),
    });
    expect(single.status).toBe(204);
    expect(await onRedis.getState("fw-record")).toBe(3);
  });

  it("applies a message published twice once (onOrderCreated's write and record)", async () => {
    const post = () =>
      onRedis.dapr("/v1.0/publish/pubsub/orders?metadata.cloudevent.id=dup-1", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId: "dup-1", amount: 3 }),
      });
    await post();
    await waitFor("processed-dup-1", () => onRedis.getState("processed-dup-1"));
    await post();
    const handled = () => onRedis.deliveries("/events/onOrderCreated").filter((d) => d.body?.includes('"dup-1"')).length;
    await waitFor("the second delivery", () => handled() === 2);
    const lines = () =>
      onRedis
        .logs()
        .split("\n")
        .filter((l) => l.includes('"messageId":"dup-1"'));
    // The recorder sees a request before the log line is written: wait for both lines.
    const log = await waitFor("both log lines", () => (lines().length === 2 ? lines() : undefined));
    expect(log.map((l) => JSON.parse(l.slice(l.indexOf("{"))).duplicate ?? false)).toEqual([false, true]);
  });
});
