import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { describeHandler } from "../descriptor.ts";
import { defineHandler, drop, type Handler, invoke, saveState, topic } from "../index.ts";
import { createApp } from "../serve/app.ts";
import { cloudEvent } from "../testing/index.ts";
import { batchedStdout, createDeliveryLog, deliveryLine, deliveryLogFromEnv } from "./log.ts";
import type { Observer } from "./observer.ts";
import { createTracingObserver } from "./tracing.ts";

const onPayment = defineHandler({
  trigger: topic("pubsub", "payments", { deadLetterTopic: "payments-dead" }),
  schema: v.object({ orderId: v.string(), card: v.string() }),
  handle: ({ data }) => {
    if (data.orderId === "boom") throw new Error("ledger unavailable");
    if (data.orderId === "long") throw new Error("x".repeat(2000));
    if (data.orderId === "stale") return drop("order already settled");
    return [saveState("statestore", `paid-${data.orderId}`, data)];
  },
});

function appWithLog(observer?: Observer) {
  const lines: Record<string, unknown>[] = [];
  const handlers = { onPayment } as Record<string, Handler>;
  const app = createApp({
    handlers: Object.entries(handlers).map(([name, h]) => describeHandler(name, h, name)),
    execute: async () => {},
    observer,
    watchers: [createDeliveryLog((line) => lines.push(JSON.parse(line)))],
  });
  const send = (data: { orderId: string; card: string }, o: Parameters<typeof cloudEvent>[2] = {}) => {
    const d = cloudEvent(onPayment, data, o);
    return app.request("/events/onPayment", { method: "POST", headers: { ...d.headers, "dapr-api-token": "t0ken" }, body: d.body });
  };
  return { lines, send };
}

const daprd = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("the delivery log", () => {
  it("writes one JSON line per delivery with handler, trigger, outcome, duration, ids and attempt, but no payload or header", async () => {
    const { lines, send } = appWithLog();
    await send({ orderId: "o-1", card: "4111111111111111" }, { id: "m-1", traceparent: daprd });
    expect(lines).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: "info",
        msg: "delivery",
        handler: "onPayment",
        trigger: "topic pubsub/payments",
        messageId: "m-1",
        outcome: "SUCCESS",
        durationMs: expect.any(Number),
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        attempt: 1,
      },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/4111|o-1|t0ken/);
  });

  it("gives RETRY and DROP their reason, and counts attempts of the same message", async () => {
    const { lines, send } = appWithLog();
    await send({ orderId: "boom", card: "c" }, { id: "m-2" });
    await send({ orderId: "boom", card: "c" }, { id: "m-2" });
    await send({ orderId: "stale", card: "c" }, { id: "m-3" });
    expect(lines.map(({ level, outcome, reason, attempt }) => ({ level, outcome, reason, attempt }))).toEqual([
      { level: "warn", outcome: "RETRY", reason: "handler threw: Error: ledger unavailable", attempt: 1 },
      { level: "warn", outcome: "RETRY", reason: "handler threw: Error: ledger unavailable", attempt: 2 },
      { level: "warn", outcome: "DROP", reason: "order already settled", attempt: 1 },
    ]);
  });

  it("names an invoked route's request by its span when there is no message id", () => {
    const line = deliveryLine({
      handler: describeHandler(
        "getOrder",
        defineHandler({ trigger: invoke("GET", "/orders/:id"), schema: v.undefined(), handle: () => [] }),
      ),
      outcome: { verdict: { status: "SUCCESS" }, effects: [] },
      answer: { status: 204 },
      durationMs: 1,
      at: Date.now(),
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    expect(line).toMatchObject({ requestId: "00f067aa0ba902b7" });
    expect(line).not.toHaveProperty("messageId");
  });

  it("writes a SUCCESS (built as text, the fast path) exactly as deliveryLine describes it", () => {
    const handler = describeHandler("onOdd", defineHandler({ trigger: topic("pubsub", 'we"ird'), schema: v.unknown(), handle: () => [] }));
    for (const extra of [{}, { attempt: 2, duplicate: true, conflicts: 3 }]) {
      const report = {
        handler,
        outcome: { verdict: { status: "SUCCESS" as const }, effects: [], ...extra },
        answer: { status: 200 },
        durationMs: 1.23456,
        at: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        messageId: 'id "1"',
      };
      const lines: string[] = [];
      createDeliveryLog((line) => lines.push(line)).delivered?.(report);
      expect(JSON.parse(lines[0])).toEqual(deliveryLine(report));
      expect(JSON.parse(lines[0]).time).toBe("2026-01-02T03:04:05.678Z");
    }
  });

  it("caps a long reason", async () => {
    const { lines, send } = appWithLog();
    await send({ orderId: "long", card: "c" });
    expect(String(lines[0].reason)).toHaveLength(501);
  });

  it("names the handler span's ids when tracing is on, so a log line leads to its span", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const { lines, send } = appWithLog(createTracingObserver(provider.getTracer("test")));
    await send({ orderId: "o-4", card: "c" }, { traceparent: daprd });
    const span = exporter.getFinishedSpans().find((s) => s.name === "process payments")!;
    expect(lines[0]).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(lines[0].spanId).not.toBe("00f067aa0ba902b7");
  });

  it("is off with DAPRLET_LOG=off", () => {
    expect(deliveryLogFromEnv({ DAPRLET_LOG: "off" })).toBeUndefined();
    expect(deliveryLogFromEnv({})).toBeDefined();
  });
});

describe("batchedStdout", () => {
  it("writes the lines of one turn of the event loop in order, with one write", async () => {
    const writes: string[] = [];
    const write = batchedStdout({ write: (text: string) => writes.push(text) });
    write("a");
    write("b");
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    write("c");
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(["a\nb\n", "c\n"]);
  });
});
