// One trace from the order request through daprd to every handler: a Zipkin receiver started
// here collects the spans of BOTH daprd (its Configuration points at OTEL_EXPORTER_ZIPKIN_ENDPOINT)
// and the runtime (OTEL_TRACES_EXPORTER=zipkin), and the test checks who is whose parent.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRoot, freePort, projectRoot, type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { renderTraceSvg } from "./trace-svg.ts";
import { originOf, renderTree } from "./trace-tree.ts";
import { startZipkinReceiver, type ZipkinReceiver, type ZipkinSpan } from "./zipkin-receiver.ts";

const handlers = {
  // RETRY on the first attempt (an explicit verdict with a reason), SUCCESS on the redelivery.
  onShaky: `import * as v from "valibot";
import { defineHandler, retry, saveState, topic } from "daprlet";
export const onShaky = defineHandler({
  trigger: topic("pubsub", "shaky", { deadLetterTopic: "orders-dead" }),
  schema: v.object({ n: v.number() }),
  handle: ({ data, id, failure }) => (failure ? [saveState("statestore", "shaky-" + id, data)] : [retry("warming up")]),
});
`,
  // Two inputs read in parallel before handle: a key with its ETag, and a secret.
  getPrice: `import * as v from "valibot";
import { defineHandler, invoke, reply, secret, state } from "daprlet";
export const getPrice = defineHandler({
  trigger: invoke("GET", "/prices/:sku"),
  schema: v.undefined(),
  inputs: ({ params }) => ({ price: state("statestore", "price-" + params.sku), key: secret("secretstore", "payment-gateway-key") }),
  handle: ({ params }, { price, key }) => reply(200, { sku: params.sku, price: price.value ?? null, keys: Object.keys(key) }),
});
`,
};

let receiver: ZipkinReceiver;
let stack: Stack;
beforeAll(async () => {
  receiver = await startZipkinReceiver();
  stack = await startStack({
    handlers,
    prepare: (dir) => setMetadata(dir, "common/cron.yaml", "schedule", "@every 1s"),
    // The standard variables, nothing daprlet-specific; a short batch delay so spans arrive while the test waits.
    env: { OTEL_TRACES_EXPORTER: "zipkin", OTEL_EXPORTER_ZIPKIN_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "200" },
  });
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

const tag = (s: ZipkinSpan, key: string) => s.tags?.[key];
const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const handlerSpan = (handler: string, outcome: string) => (s: ZipkinSpan) =>
  tag(s, "daprlet.handler") === handler && tag(s, "daprlet.outcome") === outcome;

/** The one span matching, with a message listing what there is when there is not exactly one. */
function only(spans: ZipkinSpan[], what: string, match: (s: ZipkinSpan) => boolean): ZipkinSpan {
  const found = spans.filter(match);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length} in:\n${renderTree(spans)}`);
  return found[0];
}
const childOf = (spans: ZipkinSpan[], parent: ZipkinSpan, name: string | RegExp, origin: "app" | "daprd") =>
  only(
    spans,
    `${origin} span "${name}" under "${parent.name}"`,
    (s) => s.parentId === parent.id && (typeof name === "string" ? s.name === name : name.test(s.name)) && originOf(s) === origin,
  );

/**
 * The order's trace, parent by parent; throws naming the first link that is missing:
 * daprd invocation → createOrder → each effect → daprd's call → (publish) daprd's delivery →
 * onOrderCreated → its state write → daprd's state call.
 */
function orderTrace(spans: ZipkinSpan[], create: ZipkinSpan) {
  const invocation = only(spans, "daprd span that invoked createOrder", (s) => s.id === create.parentId && originOf(s) === "daprd");
  // Each effect is a CLIENT span of createOrder, and daprd's span for that call is its child.
  const effects = ["saveState statestore", "publish orders", "invokeBinding receipts create"].map((name) =>
    childOf(spans, create, name, "app"),
  );
  const [, daprdPublish] = ["/v1.0/state/statestore", "/v1.0/publish/pubsub/orders", "/v1.0/bindings/receipts"].map((name, i) =>
    childOf(spans, effects[i], name, "daprd"),
  );
  // daprd delivers the event under its publish span, and onOrderCreated continues that delivery.
  const delivery = childOf(spans, daprdPublish, "pubsub/orders", "daprd");
  const consumer = childOf(spans, delivery, "process orders", "app");
  // A topic handler first looks for this message's applied-record, then writes its state and the
  // record in one transaction: each a CLIENT span with daprd's call beneath it.
  childOf(
    spans,
    childOf(spans, consumer, "getState statestore", "app"),
    /^\/v1\.0\/state\/statestore\/daprlet-applied-onordercreated-/,
    "daprd",
  );
  childOf(spans, childOf(spans, consumer, "transaction statestore", "app"), "/v1.0/state/statestore/transaction", "daprd");
  return { spans, invocation, effects, consumer };
}

describe("one trace from the order request through daprd to every handler", () => {
  it("links createOrder, its effects, daprd's state/publish/binding spans, the delivery and onOrderCreated", async () => {
    const res = await stack.dapr("/v1.0/invoke/order-service/method/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "trace-1", amount: 42 }),
    });
    expect(res.status).toBe(202);

    const create = await waitFor("createOrder's span", () => receiver.spans.find(handlerSpan("createOrder", "SUCCESS")));
    // Spans arrive in batches from two processes: retry the structural check until it holds (or time out naming what is missing).
    const { spans, ...trace } = await waitFor("the whole order trace", () => orderTrace(inTrace(create.traceId), create));
    console.log(`order trace ${create.traceId} (${spans.length} spans):\n${renderTree(spans)}`);
    if (process.env.DAPRLET_TRACE_SVG) writeFileSync(process.env.DAPRLET_TRACE_SVG, renderTraceSvg(spans));

    // daprd's service-invocation span is the root (the client sent no context) and calls createOrder.
    expect(trace.invocation.name).toBe("calllocal/order-service/orders"); // daprd names it CallLocal/…; its Zipkin exporter lower-cases span names
    expect(trace.invocation.parentId).toBeUndefined();
    expect(create).toMatchObject({
      name: "POST /orders",
      kind: "SERVER",
      tags: { "http.route": "/orders", "http.response.status_code": "202" },
    });
    for (const effect of trace.effects) expect(effect.kind).toBe("CLIENT");
    expect(trace.consumer).toMatchObject({
      kind: "CONSUMER",
      tags: {
        "daprlet.handler": "onOrderCreated",
        "daprlet.outcome": "SUCCESS",
        "messaging.system": "dapr",
        "messaging.destination.name": "orders",
        "dapr.pubsub.name": "pubsub",
      },
    });
    expect(tag(trace.consumer, "messaging.message.id")).toMatch(/\S/);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([create.traceId]));
  });

  it("puts each input's read under the handler's span, with daprd's call beneath it", async () => {
    const res = await stack.dapr("/v1.0/invoke/order-service/method/prices/sku-9");
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 200,
      body: { sku: "sku-9", price: null, keys: ["payment-gateway-key"] },
    });
    const handler = await waitFor("getPrice's span", () => receiver.spans.find(handlerSpan("getPrice", "SUCCESS")));
    const reads = await waitFor("both reads and daprd's calls under them", () => {
      const spans = inTrace(handler.traceId);
      const state = childOf(spans, handler, "getState statestore", "app");
      const secret = childOf(spans, handler, "getSecret secretstore", "app");
      childOf(spans, state, /^\/v1\.0\/state\/statestore\/price-sku-9/, "daprd");
      childOf(spans, secret, /^\/v1\.0\/secrets\/secretstore\/payment-gateway-key/, "daprd");
      return { state, secret };
    });
    expect(reads.state).toMatchObject({ kind: "CLIENT", tags: { "daprlet.input.name": "price", "daprlet.input.kind": "state" } });
    expect(reads.secret).toMatchObject({ kind: "CLIENT", tags: { "daprlet.input.name": "key", "daprlet.input.kind": "secret" } });
  });

  it("shows a RETRY with its reason, then the redelivery's SUCCESS, in the publisher's trace", async () => {
    const published = await stack.dapr("/v1.0/publish/pubsub/shaky?metadata.cloudevent.id=shaky-1", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ n: 1 }),
    });
    expect(published.status).toBe(204);
    const retried = await waitFor("onShaky's RETRY span", () => receiver.spans.find(handlerSpan("onShaky", "RETRY")));
    const succeeded = await waitFor("onShaky's SUCCESS span", () => receiver.spans.find(handlerSpan("onShaky", "SUCCESS")));
    console.log(`retry trace ${retried.traceId}:\n${renderTree(inTrace(retried.traceId))}`);

    expect(retried.tags).toMatchObject({
      "daprlet.reason": "warming up",
      "daprlet.attempt": "1",
      "otel.status_code": "ERROR",
      error: "RETRY: warming up",
      "messaging.message.id": "shaky-1",
    });
    expect(succeeded.tags).toMatchObject({ "daprlet.attempt": "2", "otel.status_code": "OK" });
    expect(succeeded.traceId).toBe(retried.traceId);
    for (const attempt of [retried, succeeded]) {
      const parent = only(inTrace(attempt.traceId), "delivery span", (s) => s.id === attempt.parentId);
      expect({ name: parent.name, origin: originOf(parent) }).toEqual({ name: "pubsub/shaky", origin: "daprd" });
    }
    // The log line of the RETRY names the same span.
    const line = stack
      .logs()
      .split("\n")
      .map((l) => l.replace(/^\[app\] /, ""))
      .find((l) => l.includes('"handler":"onShaky"') && l.includes('"outcome":"RETRY"'));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ reason: "warming up", attempt: 1, traceId: retried.traceId, spanId: retried.id });
  });

  it("shows a DROP with valibot's reason for an invalid order", async () => {
    const published = await stack.dapr("/v1.0/publish/pubsub/orders?metadata.cloudevent.id=invalid-trace-1", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "bad", amount: "lots" }),
    });
    expect(published.status).toBe(204);
    const dropped = await waitFor("onOrderCreated's DROP span", () => receiver.spans.find(handlerSpan("onOrderCreated", "DROP")));
    const deadLettered = await waitFor("the dead-letter handler's span", () =>
      receiver.spans.find((s) => handlerSpan("onOrderDeadLettered", "SUCCESS")(s) && s.traceId === dropped.traceId),
    );
    console.log(`drop trace ${dropped.traceId}:\n${renderTree(inTrace(dropped.traceId))}`);
    expect(tag(dropped, "daprlet.reason")).toMatch(/^schema validation failed: amount:/);
    expect(tag(dropped, "error")).toMatch(/^DROP: schema validation failed/);
    expect(tag(dropped, "messaging.message.id")).toBe("invalid-trace-1");
    // daprd republishes the dead letter within the same trace, as a sibling of the failed delivery.
    const spans = inTrace(dropped.traceId);
    const failedDelivery = only(spans, "failed delivery", (s) => s.id === dropped.parentId);
    const deadLetterDelivery = only(spans, "dead-letter delivery", (s) => s.id === deadLettered.parentId);
    expect(deadLetterDelivery.name).toBe("pubsub/orders-dead");
    expect(deadLetterDelivery.parentId).toBe(failedDelivery.parentId);
  });

  it("gives an input binding (cron) a SERVER span under daprd's binding span", async () => {
    const tick = await waitFor("onCronTick's span", () => receiver.spans.find(handlerSpan("onCronTick", "SUCCESS")), 15_000);
    expect(tick).toMatchObject({ name: "POST /cron", kind: "SERVER", tags: { "dapr.binding.name": "cron" } });
    const parent = await waitFor("daprd's binding span", () => receiver.spans.find((s) => s.id === tick.parentId));
    expect(originOf(parent)).toBe("daprd");
    console.log(`cron trace ${tick.traceId}:\n${renderTree(inTrace(tick.traceId))}`);
  });
});

describe("OTLP/HTTP, the production path: both processes configured by OTEL_EXPORTER_OTLP_* alone", () => {
  it("sends the app's spans (JSON) and daprd's (protobuf) to one collector, in one trace", async () => {
    // A stand-in collector: keeps each POST /v1/traces body with its content type.
    const bodies: { type: string; body: Buffer }[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.url === "/v1/traces") bodies.push({ type: String(req.headers["content-type"]), body: Buffer.concat(chunks) });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((ready) => collector.listen(0, "127.0.0.1", ready));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // daprd reads these itself when its Configuration names no otel endpoint (SetTracingSpecFromEnv).
    const otlp = await startStack({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_INSECURE: "true",
        OTEL_BSP_SCHEDULE_DELAY: "200",
      },
    });
    try {
      const res = await otlp.dapr("/v1.0/invoke/order-service/method/orders", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId: "otlp-1", amount: 1 }),
      });
      expect(res.status).toBe(202);
      type OtlpJson = { resourceSpans: { scopeSpans: { spans: { name: string; traceId: string }[] }[] }[] };
      const appSpans = () =>
        bodies
          .filter((b) => b.type.startsWith("application/json"))
          .flatMap((b) => (JSON.parse(b.body.toString()) as OtlpJson).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
      const create = await waitFor("the app's createOrder span over OTLP/JSON", () => appSpans().find((s) => s.name === "POST /orders"));
      // Protobuf carries the trace id as 16 raw bytes and span names as UTF-8: enough to find daprd's spans of this trace.
      const traceId = Buffer.from(create.traceId, "hex");
      // daprd batches its exports, so the spans of one trace may arrive in several bodies.
      const daprdBodies = () => bodies.filter((b) => b.type === "application/x-protobuf" && b.body.includes(traceId));
      await waitFor("daprd's spans of the same trace over OTLP/protobuf, invocation and publish", () =>
        ["CallLocal/order-service/orders", "/v1.0/publish/pubsub/orders"].every((name) => daprdBodies().some((b) => b.body.includes(name))),
      );
    } finally {
      await otlp.stop();
      collector.close();
    }
  });
});

describe("the runtime process (runtime/main.js) on its own", () => {
  it("exports buffered spans on SIGTERM, and serves the metrics of what it handled", async () => {
    const zipkin = await startZipkinReceiver();
    const [appPort, noSidecar] = await Promise.all([freePort(), freePort()]);
    // A batch delay longer than the test: only the shutdown flush can deliver the span.
    const app = spawn(`${projectRoot}/node_modules/.bin/node`, ["runtime/main.js"], {
      cwd: projectRoot,
      env: {
        ...process.env,
        APP_PORT: String(appPort),
        DAPR_HTTP_PORT: String(noSidecar),
        DAPRLET_ROOT: fixtureRoot,
        DAPRLET_LOG: "off",
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkin.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "600000",
      },
    });
    try {
      const app$ = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${appPort}${path}`, init);
      await waitFor("the app to listen", async () => (await app$("/healthz")).ok);
      // A cron tick whose state write finds no sidecar: RETRY, answered 500.
      const tick = await app$("/cron", { method: "POST", headers: { "content-type": "application/json", readtimeutc: "now" } });
      expect(tick.status).toBe(500);
      const metrics = await (await app$("/metrics")).text();
      expect(metrics).toContain('daprlet_deliveries_total{handler="onCronTick",trigger="binding",outcome="RETRY"} 1');
      expect(metrics).toContain('daprlet_effect_failures_total{handler="onCronTick",kind="saveState"} 1');
      expect(zipkin.spans).toEqual([]);

      const exited = new Promise<number | null>((done) => app.once("exit", done));
      app.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(zipkin.spans.map((s) => [s.name, s.tags?.["daprlet.outcome"] ?? s.tags?.["error.type"]])).toEqual(
        expect.arrayContaining([
          ["POST /cron", "RETRY"],
          ["saveState statestore", "SidecarError"],
        ]),
      );
    } finally {
      if (app.exitCode === null) app.kill("SIGKILL");
      await zipkin.stop();
    }
  });
});
