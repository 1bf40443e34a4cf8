// Records what the pinned daprd really sends for each kind of delivery, and checks the committed
// recordings (replayed by the unit tests) still have that shape. DAPRLET_UPDATE_RECORDINGS=1
// rewrites them.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Recording } from "../runtime/observe/record.ts";
import { type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { type Server, startMosquitto, startPlacement, startScheduler } from "./servers.ts";

const recordingsDir = join(import.meta.dirname, "../runtime/testing/recordings");
let stack: Stack;
let broker: Server;
let scheduler: Server & { address: string };
let placement: Server & { address: string };
beforeAll(async () => {
  [broker, scheduler, placement] = await Promise.all([startMosquitto(), startScheduler(), startPlacement()]);
  stack = await startStack({
    profiles: ["embedded", "mqtt"],
    // The fixture's job (onReportJob, @every 1s) is scheduled by the app at start.
    schedulerAddress: scheduler.address,
    placementAddress: placement.address,
    prepare: (dir) => {
      setMetadata(dir, "common/cron.yaml", "schedule", "@every 1s");
      setMetadata(dir, "mqtt/blob-events.yaml", "url", `tcp://127.0.0.1:${broker.port}`);
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  broker?.stop();
  scheduler?.stop();
  placement?.stop();
});

const post = (path: string, body: unknown, contentType = "application/json") =>
  stack.dapr(path, { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) });

/** Each kind of delivery: how to cause it, and the path daprd delivers it to. */
const cases: { name: string; path: string; cause: () => Promise<unknown> }[] = [
  {
    name: "invoke-create-order",
    path: "/orders",
    cause: () => post("/v1.0/invoke/order-service/method/orders", { orderId: "rec-1", amount: 5 }),
  },
  { name: "pubsub-message", path: "/events/onOrderCreated", cause: async () => undefined /* published by createOrder above */ },
  {
    name: "pubsub-raw-payload",
    path: "/events/onAuditRaw",
    cause: () => post("/v1.0/publish/pubsub/audit?metadata.rawPayload=true", { action: "login" }),
  },
  { name: "pubsub-bulk", path: "/events/onBulkOrders", cause: () => post("/v1.0/publish/pubsub/bulk-orders", { orderId: "b-1" }) },
  { name: "binding-cron-tick", path: "/cron", cause: async () => undefined },
  {
    name: "binding-mqtt-message",
    path: "/blob-events",
    cause: () =>
      post("/v1.0/bindings/blob-events", {
        operation: "create",
        data: { Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: "uploads" }, object: { key: "a.txt", size: 1 } } }] },
      }),
  },
  {
    name: "actor-method-call",
    path: "/actors/Counter/rec-1/method/add",
    cause: () =>
      stack.dapr("/v1.0/actors/Counter/rec-1/method/add", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: '{"by":2}',
      }),
  },
  {
    name: "actor-reminder",
    path: "/actors/Counter/rec-2/method/remind/tick",
    cause: () =>
      stack.dapr("/v1.0/actors/Counter/rec-2/method/later", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: '{"by":3}',
      }),
  },
  // Scheduled by the runtime at start; the body is the job's data and nothing else.
  { name: "job-report", path: "/job/report", cause: async () => undefined },
  {
    name: "pubsub-dead-lettered",
    path: "/events/onOrderDeadLettered",
    cause: () => post("/v1.0/publish/pubsub/orders", { orderId: "rec-bad", amount: "x" }),
  },
];

// Values that change on every run; the shape (which headers, which body fields) must not.
const shapeOf = (r: Recording) => ({
  method: r.method,
  path: r.path,
  headers: Object.keys(r.headers)
    .filter((h) => h !== "content-length")
    .sort(),
  body: r.body ? bodyKeys(r.body) : r.bodyBase64 ? "binary" : "empty",
});
const bodyKeys = (body: string) => {
  try {
    const json = JSON.parse(body) as unknown;
    return typeof json === "object" && json !== null && !Array.isArray(json) ? Object.keys(json).sort() : typeof json;
  } catch {
    return "text";
  }
};

describe("deliveries recorded from the pinned daprd", () => {
  it.each(cases)("$name matches the committed recording's shape", async ({ name, path, cause }) => {
    await cause();
    const [recorded] = await waitFor(
      `a delivery to ${path}`,
      () => (stack.deliveries(path).length ? stack.deliveries(path) : undefined),
      15_000,
    );
    const file = join(recordingsDir, `${name}.json`);
    if (process.env.DAPRLET_UPDATE_RECORDINGS) writeFileSync(file, `${JSON.stringify(recorded, null, 2)}\n`);
    const committed = JSON.parse(readFileSync(file, "utf8")) as Recording;
    expect(shapeOf(recorded)).toEqual(shapeOf(committed));
  });
});
