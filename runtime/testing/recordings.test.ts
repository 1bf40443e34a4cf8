// Deliveries recorded from daprd 1.18.2 (e2e/recordings.test.ts), replayed through the real app
// with the shipped handlers and a fake sidecar: the fast tests run on real wire data.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readRecording } from "../observe/record.ts";
import { createFakeSidecar } from "./fake-sidecar.ts";
import { Counter } from "./fixture/handlers/Counter.ts";
import { createOrder } from "./fixture/handlers/createOrder.ts";
import { onAuditRaw } from "./fixture/handlers/onAuditRaw.ts";
import { onBlobCreated } from "./fixture/handlers/onBlobCreated.ts";
import { onBulkOrders } from "./fixture/handlers/onBulkOrders.ts";
import { onCronTick } from "./fixture/handlers/onCronTick.ts";
import { onOrderCreated } from "./fixture/handlers/onOrderCreated.ts";
import { onOrderDeadLettered } from "./fixture/handlers/onOrderDeadLettered.ts";
import { onReportJob } from "./fixture/handlers/onReportJob.ts";
import { testApp } from "./run.ts";

const dir = join(import.meta.dirname, "recordings");
const recording = (name: string) => readRecording(join(dir, `${name}.json`));
const sidecar = createFakeSidecar({ port: 3598 });
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const app = testApp(
  { createOrder, onOrderCreated, onOrderDeadLettered, onCronTick, onBlobCreated, onAuditRaw, onBulkOrders, onReportJob },
  { sidecar: sidecar.execute },
);
const replay = async (handler: string, name: string) => {
  const res = await app.send(handler, recording(name));
  return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
};

describe("recorded deliveries, replayed", () => {
  it("covers every committed recording", () => {
    expect(readdirSync(dir).sort()).toEqual([
      "actor-method-call.json",
      "actor-reminder.json",
      "binding-cron-tick.json",
      "binding-mqtt-message.json",
      "invoke-create-order.json",
      "job-report.json",
      "pubsub-bulk.json",
      "pubsub-dead-lettered.json",
      "pubsub-message.json",
      "pubsub-raw-payload.json",
      // workflow histories from daprd, replayed by handlers/OrderWorkflow.test.ts
      "workflow-order-created.json",
      "workflow-order-failed.json",
    ]);
  });

  // Actor turns read their state before handling: this app has the fake's client for inputs.
  const actors = testApp({ Counter }, { client: sidecar.client });

  it("actor-method-call: 200 with the reply, the state written under the actor", async () => {
    const res = await actors.send("Counter.add", recording("actor-method-call"));
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { n: 2 } });
    expect(sidecar.actorState("Counter", "rec-1")).toEqual({ n: 2 });
  });

  it("actor-reminder: daprd's {data, dueTime, period} runs the method the reminder names", async () => {
    const res = await actors.send("Counter.remind", recording("actor-reminder"));
    expect(res.status).toBe(200);
    expect(sidecar.actorState("Counter", "rec-2")).toEqual({ n: 3 });
  });

  it("invoke-create-order: 202, the order stored, published and its receipt written", async () => {
    expect(await replay("createOrder", "invoke-create-order")).toEqual({ status: 202, body: { orderId: "rec-1", status: "accepted" } });
    expect(sidecar.get("statestore", "order-rec-1")).toEqual({ orderId: "rec-1", amount: 5 });
    expect(sidecar.published.map((p) => p.topic)).toEqual(["orders"]);
    expect(sidecar.bindings[0]).toMatchObject({ name: "receipts", operation: "create", metadata: { fileName: "rec-1.txt" } });
  });

  it("pubsub-message: SUCCESS with the CloudEvent's id and time", async () => {
    expect(await replay("onOrderCreated", "pubsub-message")).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(sidecar.get("statestore", "processed-rec-1")).toEqual({
      orderId: "rec-1",
      amount: 5,
      eventId: "8e60bc97-063e-42a9-8e0f-6f91b805d67d",
      publishedAt: "2026-11-21T05:57:55Z",
    });
  });

  it("pubsub-raw-payload: data_base64 with application/octet-stream, decoded to the publisher's JSON", async () => {
    expect(await replay("onAuditRaw", "pubsub-raw-payload")).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(sidecar.get("statestore", "audit-login")).toEqual({ id: "23aed9f9-8ae2-4b1e-9974-aaa4703a1d15" });
  });

  it("pubsub-bulk: one status per entry, keyed by daprd's entryId", async () => {
    expect(await replay("onBulkOrders", "pubsub-bulk")).toEqual({
      status: 200,
      body: { statuses: [{ entryId: "6346836f-e7a1-4026-9c19-ff61dad2855d", status: "SUCCESS" }] },
    });
    expect(sidecar.get("statestore", "bulk-b-1")).toBe(true);
  });

  it("pubsub-dead-lettered: the original bytes (topic still 'orders'), accepted by the dead-letter handler", async () => {
    expect(await replay("onOrderDeadLettered", "pubsub-dead-lettered")).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(sidecar.get("statestore", "deadletter-f1b3ddb2-4e35-49bc-9d49-57db934d173d")).toMatchObject({
      topic: "orders",
      data: { orderId: "rec-bad", amount: "x" },
    });
  });

  it("pubsub-dead-lettered: the same bytes are a schema failure (DROP) for onOrderCreated", async () => {
    const res = await app.send("onOrderCreated", { ...recording("pubsub-dead-lettered"), path: "/events/onOrderCreated" });
    expect(await res.json()).toMatchObject({ status: "DROP", reason: expect.stringMatching(/^schema validation failed: amount/) });
  });

  it("binding-cron-tick: an empty application/json body, answered exactly 200", async () => {
    expect(await replay("onCronTick", "binding-cron-tick")).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(sidecar.get("statestore", "heartbeat")).toEqual({ at: "2026-11-21 05:57:55.956377145 +0000 UTC", timeZone: "Local" });
  });

  it("job-report: the job's data as the whole application/json body (no traceparent, no tick), answered 200", async () => {
    expect(await replay("onReportJob", "job-report")).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(sidecar.get("statestore", "job-report")).toEqual({ report: "daily" });
  });

  it("binding-mqtt-message: an S3 notification through MQTT, with the MQTT topic as metadata", async () => {
    expect(await replay("onBlobCreated", "binding-mqtt-message")).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(sidecar.get("statestore", "blob-uploads-a.txt")).toEqual({ provider: "s3", container: "uploads", key: "a.txt", size: 1 });
  });
});
