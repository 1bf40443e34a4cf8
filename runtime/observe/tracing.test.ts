import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Handler } from "../define.ts";
import { describeHandler } from "../descriptor.ts";
import { createApp } from "../serve/app.ts";
import { Counter } from "../testing/fixture/handlers/Counter.ts";
import { createOrder } from "../testing/fixture/handlers/createOrder.ts";
import { onCronTick } from "../testing/fixture/handlers/onCronTick.ts";
import { onOrderCreated } from "../testing/fixture/handlers/onOrderCreated.ts";
import { actorCall, bindingRequest, cloudEvent, createFakeSidecar, type Delivery, invokeRequest } from "../testing/index.ts";
import { createTracingObserver } from "./tracing.ts";

const sidecar = createFakeSidecar({ port: 3571 });
/** What daprd would see on each call: path and the trace headers. */
const calls: { path: string; traceparent: string | null }[] = [];
const server = setupServer(
  http.all("http://127.0.0.1:3571/*", ({ request }) => {
    calls.push({ path: new URL(request.url).pathname, traceparent: request.headers.get("traceparent") });
    return undefined; // fall through to the fake sidecar
  }),
  ...sidecar.handlers,
);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => {
  sidecar.reset();
  calls.length = 0;
  exporter.reset();
});
afterAll(() => server.close());

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const handlers = { createOrder, onOrderCreated, onCronTick } as Record<string, Handler>;
const app = createApp({
  handlers: Object.entries(handlers).map(([name, h]) => describeHandler(name, h, `handlers/${name}.ts`)),
  execute: sidecar.execute,
  observer: createTracingObserver(provider.getTracer("test")),
});
const send = (path: string, d: Delivery) => app.request(d.path ?? path, { method: d.method, headers: d.headers, body: d.body });

const daprdSpan = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
const daprdHeader = `00-${daprdSpan.traceId}-${daprdSpan.spanId}-01`;
const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().find((s) => s.name === name) as ReadableSpan;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe("an invoked route (createOrder) with tracing on", () => {
  it("is a SERVER span under daprd's span, with one CLIENT child per effect whose context daprd receives", async () => {
    const res = await send(
      "/orders",
      invokeRequest(createOrder, { body: { orderId: "o-1", amount: 5 }, headers: { traceparent: daprdHeader } }),
    );
    expect(res.status).toBe(202);

    const handler = named("POST /orders");
    expect(handler.kind).toBe(SpanKind.SERVER);
    expect(handler.spanContext().traceId).toBe(daprdSpan.traceId);
    expect(parentOf(handler)).toBe(daprdSpan.spanId);
    expect(handler.attributes).toMatchObject({
      "daprlet.handler": "createOrder",
      "http.request.method": "POST",
      "http.route": "/orders",
      "http.response.status_code": 202,
      "daprlet.outcome": "SUCCESS",
    });
    expect(handler.status.code).toBe(SpanStatusCode.OK);

    const effects = ["saveState statestore", "publish orders", "invokeBinding receipts create"].map(named);
    for (const effect of effects) {
      expect(effect.kind).toBe(SpanKind.CLIENT);
      expect(parentOf(effect)).toBe(handler.spanContext().spanId);
    }
    expect(effects[1].attributes).toMatchObject({ "messaging.destination.name": "orders", "dapr.pubsub.name": "pubsub" });
    // Each call to daprd carries its own CLIENT span, so daprd's state/publish/binding spans nest under it.
    expect(calls).toEqual([
      { path: "/v1.0/state/statestore", traceparent: `00-${daprdSpan.traceId}-${effects[0].spanContext().spanId}-01` },
      { path: "/v1.0/publish/pubsub/orders", traceparent: `00-${daprdSpan.traceId}-${effects[1].spanContext().spanId}-01` },
      { path: "/v1.0/bindings/receipts", traceparent: `00-${daprdSpan.traceId}-${effects[2].spanContext().spanId}-01` },
    ]);
  });

  it("starts a new root when the request carries no context, and still propagates it to daprd", async () => {
    await send("/orders", invokeRequest(createOrder, { body: { orderId: "o-2", amount: 5 } }));
    const handler = named("POST /orders");
    expect(handler.parentSpanContext).toBeUndefined();
    expect(handler.spanContext().traceId).not.toBe(daprdSpan.traceId);
    expect(calls.every((c) => c.traceparent?.startsWith(`00-${handler.spanContext().traceId}-`))).toBe(true);
  });

  it("marks a failed effect and the handler span with the RETRY and its reason; later effects never run", async () => {
    sidecar.fail({ operation: "publish", status: 500 });
    const res = await send(
      "/orders",
      invokeRequest(createOrder, { body: { orderId: "o-3", amount: 5 }, headers: { traceparent: daprdHeader } }),
    );
    expect(res.status).toBe(502);
    const publish = named("publish orders");
    expect(publish.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringContaining("sidecar answered 500") });
    expect(publish.attributes).toMatchObject({ "error.type": "SidecarError", "http.response.status_code": 500 });
    expect(publish.events.map((e) => e.name)).toEqual(["exception"]);
    const handler = named("POST /orders");
    expect(handler.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: expect.stringMatching(/^RETRY: effect 2 of 3 \(publish pubsub\/orders\)/),
    });
    expect(handler.attributes).toMatchObject({ "daprlet.outcome": "RETRY", "daprlet.cause": "effect", "http.response.status_code": 502 });
    expect(spans().map((s) => s.name)).not.toContain("invokeBinding receipts create");
  });

  it("records a schema failure as DROP with valibot's reason", async () => {
    await send("/orders", invokeRequest(createOrder, { body: { orderId: "o-4", amount: "lots" } as never }));
    expect(named("POST /orders").attributes).toMatchObject({
      "daprlet.outcome": "DROP",
      "daprlet.reason": expect.stringMatching(/^schema validation failed: amount:/),
      "http.response.status_code": 400,
    });
  });
});

describe("a pub/sub delivery (onOrderCreated)", () => {
  it("is a CONSUMER span under daprd's delivery span (the headers), with messaging attributes", async () => {
    await send(
      "/events/onOrderCreated",
      cloudEvent(onOrderCreated, { orderId: "o-5", amount: 1 }, { id: "evt-5", traceparent: daprdHeader }),
    );
    const handler = named("process orders");
    expect(handler.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(handler)).toBe(daprdSpan.spanId);
    expect(handler.attributes).toMatchObject({
      "messaging.system": "dapr",
      "messaging.destination.name": "orders",
      "messaging.message.id": "evt-5",
      "dapr.pubsub.name": "pubsub",
      "daprlet.outcome": "SUCCESS",
      "daprlet.attempt": 1,
    });
    expect(parentOf(named("saveState statestore"))).toBe(handler.spanContext().spanId);
  });

  it("continues the CloudEvent's traceparent when the delivery has no trace headers", async () => {
    const publisher = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const delivery = cloudEvent(onOrderCreated, { orderId: "o-6", amount: 1 }, { traceparent: publisher });
    delete delivery.headers.traceparent;
    await send("/events/onOrderCreated", delivery);
    const handler = named("process orders");
    expect(handler.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(parentOf(handler)).toBe("b7ad6b7169203331");
  });

  it("honours daprd's decision not to sample: no span exported, the unsampled context still reaches daprd", async () => {
    const unsampled = `00-${daprdSpan.traceId}-${daprdSpan.spanId}-00`;
    await send("/events/onOrderCreated", cloudEvent(onOrderCreated, { orderId: "o-7", amount: 1 }, { traceparent: unsampled }));
    expect(spans()).toEqual([]);
    expect(calls[0].traceparent).toMatch(new RegExp(`^00-${daprdSpan.traceId}-[0-9a-f]{16}-00$`));
  });
});

describe("an input binding (onCronTick)", () => {
  it("is a SERVER span named after the route, with the binding's name", async () => {
    await send("/cron", bindingRequest(onCronTick));
    const handler = named("POST /cron");
    expect(handler.kind).toBe(SpanKind.SERVER);
    expect(handler.attributes).toMatchObject({ "dapr.binding.name": "cron", "http.route": "/cron", "daprlet.outcome": "SUCCESS" });
  });
});

describe("an actor call (the fixture's Counter) with tracing on", () => {
  const actors = createApp({
    handlers: Counter.handlers("Counter").map((h) => describeHandler(h.name, h.handler, "handlers/Counter.ts")),
    execute: sidecar.execute,
    client: sidecar.client,
    observer: createTracingObserver(provider.getTracer("test")),
  });

  it("is a SERVER span under the caller's trace naming type, id and method, with its state read and write as children", async () => {
    const call = actorCall("Counter", "c-7", "add", { by: 1 });
    const res = await actors.request(call.path as string, {
      method: call.method,
      headers: { ...call.headers, traceparent: daprdHeader },
      body: call.body,
    });
    expect(res.status).toBe(200);
    const span = named("actor Counter.add");
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(daprdSpan.traceId);
    expect(parentOf(span)).toBe(daprdSpan.spanId);
    expect(span.attributes).toMatchObject({ "dapr.actor.type": "Counter", "dapr.actor.id": "c-7", "dapr.actor.method": "add" });
    const children = spans().filter((s) => parentOf(s) === span.spanContext().spanId);
    expect(children.map((s) => s.name).sort()).toEqual(["getActorState Counter", "saveActorState Counter"]);
  });
});
