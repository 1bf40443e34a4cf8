// The shipped handlers on production-like backends, one profile each (components/<profile>/), with
// no code change: only the component YAML differs. Each profile starts its servers here (installed
// by `npm run setup`, see e2e/backends.ts), runs the order scenario end to end and the payment flow
// (order-service + the payment-gateway example app), prints its duration and stops its servers.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, type Postgres, startAzurite, startKafka, startMoto, startPostgres, startRabbitMQ } from "../e2e/backends.ts";
import { projectRoot, type Stack, type StackOptions, setMetadata, startStack, waitFor } from "../e2e/harness.ts";

let gateway: Stack;
beforeAll(async () => {
  gateway = await startStack({ project: join(projectRoot, "examples/payment-gateway"), resources: ["components"] });
});
afterAll(async () => {
  await gateway?.stop();
});

/** A profile's servers and its order-service stack, stopped after its tests; its time is printed. */
function profile(name: string, start: (keep: <T extends Backend>(server: Promise<T>) => Promise<T>) => Promise<StackOptions>) {
  const state: { stack?: Stack; servers: Backend[]; started: number } = { servers: [], started: 0 };
  // Every server that started is stopped, even when another one failed to.
  const keep = async <T extends Backend>(server: Promise<T>) => {
    const started = await server;
    state.servers.push(started);
    return started;
  };
  beforeAll(async () => {
    state.started = Date.now();
    const options = await start(keep);
    state.stack = await startStack({ project: projectRoot, ...options });
    console.log(`[e2e] ${name}: servers and daprd up in ${((Date.now() - state.started) / 1000).toFixed(1)} s`);
  });
  afterAll(async () => {
    await state.stack?.stop();
    await Promise.all(state.servers.map((s) => s.stop()));
    if (state.started) console.log(`[e2e] ${name}: ${((Date.now() - state.started) / 1000).toFixed(1)} s in all`);
  });
  return () => state.stack!;
}

async function components(stack: Stack) {
  const body = (await (await stack.dapr("/v1.0/metadata")).json()) as { components: { name: string; type: string }[] };
  return Object.fromEntries(body.components.map((c) => [c.name, c.type]));
}

const invoke = (stack: Stack, method: string, path: string, body?: unknown) =>
  stack.dapr(`/v1.0/invoke/order-service/method${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** POST /orders → stored, published, processed by onOrderCreated; returns the receipt's text as the receipts binding reads it. */
async function orderScenario(stack: Stack, orderId: string, readReceipt: (name: string) => Promise<string>) {
  const res = await invoke(stack, "POST", "/orders", { orderId, amount: 42 });
  expect({ status: res.status, body: await res.json() }).toEqual({ status: 202, body: { orderId, status: "accepted" } });
  expect(await stack.getState(`order-${orderId}`)).toEqual({ orderId, amount: 42 });
  expect(await waitFor("onOrderCreated", () => stack.getState(`processed-${orderId}`))).toMatchObject({ orderId, amount: 42 });
  expect(await readReceipt(`${orderId}.txt`)).toBe(`Receipt for ${orderId}\namount: 42\n`);
}

/** A receipt read back through the receipts binding's `get`, named by the metadata field its component uses (S3 `key`, Azure `blobName`). */
const bindingReceipt = (stack: Stack, field: "key" | "blobName") => async (name: string) => {
  const res = await stack.dapr("/v1.0/bindings/receipts", {
    method: "POST",
    body: JSON.stringify({ operation: "get", metadata: { [field]: name } }),
  });
  expect(res.status).toBe(200);
  return res.text();
};

const fileReceipt = (stack: Stack) => async (name: string) => readFileSync(join(stack.dir, ".data/receipts", name), "utf8");

const publish = (stack: Stack, topic: string, data: unknown, id: string) =>
  stack.dapr(`/v1.0/publish/pubsub/${topic}?metadata.cloudevent.id=${id}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(data),
  });

/**
 * The payment flow through this profile's broker and store: an approval (the gateway app called by
 * app id, payment and order written in one transaction), a payment that overtakes its order (RETRY,
 * redelivered by the broker under resiliency/), and a wrong amount dead-lettered with its reason.
 */
function paymentFlow(stack: () => Stack, tag: string) {
  it("runs the payment flow: approved through the gateway, payment and order updated together", async () => {
    const orderId = `pay-${tag}-1`;
    expect((await invoke(stack(), "POST", "/orders", { orderId, amount: 100 })).status).toBe(202);
    expect((await publish(stack(), "payments", { orderId, amount: 100, cardToken: "tok" }, `p-${tag}-1`)).status).toBe(204);
    const payment = await waitFor(`payment-${orderId}`, () => stack().getState(`payment-${orderId}`));
    expect(payment).toEqual({ orderId, amount: 100, status: "approved", reference: `ch-${orderId}` });
    expect(await stack().getState(`order-${orderId}`)).toEqual({ orderId, amount: 100, status: "approved" });
  });

  it("retries a payment that overtook its order, and dead-letters one with the wrong amount", async () => {
    const early = `pay-${tag}-2`;
    expect((await publish(stack(), "payments", { orderId: early, amount: 7, cardToken: "tok" }, `p-${tag}-2`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 300));
    expect((await invoke(stack(), "POST", "/orders", { orderId: early, amount: 7 })).status).toBe(202);
    expect(await waitFor(`payment-${early}`, () => stack().getState(`payment-${early}`), 15_000)).toMatchObject({ status: "approved" });
    // Delivered at least twice: RETRY while the order was missing, then the redelivery that charged it.
    expect(
      stack()
        .deliveries("/events/onPaymentRequested")
        .filter((d) => d.body?.includes(`"p-${tag}-2"`)).length,
    ).toBeGreaterThan(1);

    const wrong = `pay-${tag}-3`;
    expect((await invoke(stack(), "POST", "/orders", { orderId: wrong, amount: 10 })).status).toBe(202);
    await publish(stack(), "payments", { orderId: wrong, amount: 11, cardToken: "tok" }, `p-${tag}-3`);
    const dead = await waitFor("the dead letter", () => stack().getState(`deadletter-p-${tag}-3`), 15_000);
    expect(dead).toMatchObject({ topic: "payments", reason: `amount 11 does not match order ${wrong} (10)` });
    expect(await stack().getState(`payment-${wrong}`)).toBeUndefined();
  });
}

describe("postgres-kafka profile (state.postgresql v2, pubsub.kafka, configuration.postgresql)", () => {
  let pg: Postgres;
  const stack = profile("postgres-kafka", async (keep) => {
    const [postgres, kafka] = await Promise.all([keep(startPostgres()), keep(startKafka())]);
    pg = postgres;
    return {
      profiles: ["postgres-kafka"],
      // The configuration store follows the state store's connectionString (e2e/harness.ts).
      prepare: (dir) => {
        setMetadata(dir, "postgres-kafka/statestore.yaml", "connectionString", postgres.connectionString);
        setMetadata(dir, "postgres-kafka/pubsub.yaml", "brokers", kafka.brokers);
      },
    };
  });

  it("runs the order scenario: the order in Postgres, its event through Kafka, processed, the receipt written", async () => {
    expect(await components(stack())).toMatchObject({
      statestore: "state.postgresql",
      pubsub: "pubsub.kafka",
      configstore: "configuration.postgresql",
    });
    await orderScenario(stack(), "order-pk-1", fileReceipt(stack()));
    // The rows are Postgres's own, under daprd's key scheme (app id || key).
    const rows = pg.sql("select key from state where key like 'order-service||%order-pk-1' order by key");
    expect(rows.trim().split("\n")).toEqual(["order-service||order-order-pk-1", "order-service||processed-order-pk-1"]);
  });

  paymentFlow(stack, "pk");

  it("keeps a single-key ETag write safe on Postgres: 100 reservations against 50 give 50 × 200 and 50 × 409", async () => {
    expect((await invoke(stack(), "PUT", "/inventory/sku-pg", { available: 50 })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 100 }, () => invoke(stack(), "POST", "/inventory/sku-pg/reserve", { qty: 1 })));
    const counts: Record<number, number> = {};
    for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
    expect(counts).toEqual({ 200: 50, 409: 50 });
    expect(await stack().getState("stock-sku-pg")).toEqual({ available: 0 });
  });
});

describe("rabbitmq profile (pubsub.rabbitmq, state in SQLite)", () => {
  const stack = profile("rabbitmq", async (keep) => {
    const rabbit = await keep(startRabbitMQ());
    return {
      profiles: ["embedded", "rabbitmq"],
      prepare: (dir) => setMetadata(dir, "rabbitmq/pubsub.yaml", "connectionString", rabbit.url),
    };
  });

  it("runs the order scenario with its event through RabbitMQ", async () => {
    expect(await components(stack())).toMatchObject({ statestore: "state.sqlite", pubsub: "pubsub.rabbitmq" });
    await orderScenario(stack(), "order-rmq-1", fileReceipt(stack()));
  });

  paymentFlow(stack, "rmq");
});

describe("aws profile (bindings.aws.s3 → S3 notification → SQS → bindings.aws.sqs, on moto)", () => {
  const bucket = "daprlet-receipts";
  const stack = profile("aws", async (keep) => {
    const moto = await keep(startMoto());
    // As in production: the queue, the bucket and its ObjectCreated notification exist before daprd
    // starts (the SQS binding spins on a missing queue).
    moto.s3ToSqs(bucket, "daprlet-blob-events");
    return {
      profiles: ["embedded", "aws"],
      prepare: (dir) => {
        setMetadata(dir, "aws/receipts.yaml", "endpoint", moto.endpoint);
        setMetadata(dir, "aws/blob-events.yaml", "endpoint", moto.endpoint);
      },
    };
  });

  it("writes the receipt to S3, whose ObjectCreated notification reaches onBlobCreated through SQS", async () => {
    expect(await components(stack())).toMatchObject({ receipts: "bindings.aws.s3", "blob-events": "bindings.aws.sqs" });
    const readReceipt = bindingReceipt(stack(), "key");
    await orderScenario(stack(), "order-aws-1", readReceipt);
    const blob = await waitFor("onBlobCreated to store the S3 notification", () => stack().getState(`blob-${bucket}-order-aws-1.txt`));
    expect(blob).toMatchObject({
      provider: "s3",
      container: bucket,
      key: "order-aws-1.txt",
      size: "Receipt for order-aws-1\namount: 42\n".length,
    });
    expect(blob).toHaveProperty("time");
  });

  paymentFlow(stack, "aws");
});

describe("azure profile (bindings.azure.blobstorage, Event Grid's event through bindings.azure.storagequeues, on Azurite)", () => {
  const stack = profile("azure", async (keep) => {
    const azurite = await keep(startAzurite());
    return {
      profiles: ["embedded", "azure"],
      prepare: (dir) => {
        setMetadata(dir, "azure/receipts.yaml", "endpoint", `http://127.0.0.1:${azurite.ports.blob}`);
        setMetadata(dir, "azure/blob-events.yaml", "queueEndpoint", `http://127.0.0.1:${azurite.ports.queue}`);
      },
    };
  });

  it("writes the receipt to Blob Storage, and onBlobCreated reads its BlobCreated event from the storage queue", async () => {
    expect(await components(stack())).toMatchObject({
      receipts: "bindings.azure.blobstorage",
      "blob-events": "bindings.azure.storagequeues",
    });
    const readReceipt = bindingReceipt(stack(), "blobName");
    await orderScenario(stack(), "order-az-1", readReceipt);
    const text = await readReceipt("order-az-1.txt");
    // Azurite has no Event Grid: enqueue the event Event Grid sends for this blob (its recorded
    // Event Grid schema), base64-encoded by the binding's output side as Event Grid encodes it.
    const event = {
      topic:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/daprlet/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
      subject: "/blobServices/default/containers/receipts/blobs/order-az-1.txt",
      eventType: "Microsoft.Storage.BlobCreated",
      id: "6d79dbfb-0000-0000-0000-000000000001",
      eventTime: "2026-11-21T12:00:00.0000000Z",
      data: {
        api: "PutBlob",
        requestId: "6d79dbfb-0000-0000-0000-000000000002",
        eTag: "0x8D4BCC2E4835CD0",
        contentType: "application/octet-stream",
        contentLength: Buffer.byteLength(text),
        blobType: "BlockBlob",
        url: "http://127.0.0.1/devstoreaccount1/receipts/order-az-1.txt",
        sequencer: "00000000000004420000000000028963",
        storageDiagnostics: { batchId: "b68529f3-68cd-4744-baa4-3c0498ec19f0" },
      },
      dataVersion: "",
      metadataVersion: "1",
    };
    const sent = await stack().dapr("/v1.0/bindings/blob-events", {
      method: "POST",
      body: JSON.stringify({ operation: "create", data: event }),
    });
    expect(sent.status).toBeLessThan(300);
    const blob = await waitFor("onBlobCreated to store the BlobCreated event", () => stack().getState("blob-receipts-order-az-1.txt"));
    expect(blob).toEqual({
      provider: "azure",
      container: "receipts",
      key: "order-az-1.txt",
      size: Buffer.byteLength(text),
      contentType: "application/octet-stream",
      time: event.eventTime,
    });
  });

  paymentFlow(stack, "az");
});
