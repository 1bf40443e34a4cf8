import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { SamplingDecision } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { exporterNames, otlpTracesUrl, tracingFromEnv } from "./otel-env.ts";
import { samplerFromEnv } from "./otel-sdk.ts";

// A real receiver on a loopback port: the exporters' own HTTP clients are what is under test.
const received: { path: string; body: unknown }[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    received.push({ path: req.url ?? "", body: JSON.parse(body) });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
let base = "";
beforeAll(async () => {
  await new Promise<void>((ready) => receiver.listen(0, "127.0.0.1", ready));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterEach(() => {
  received.length = 0;
});
afterAll(() => receiver.close());

describe("exporterNames", () => {
  it("reads OTEL_TRACES_EXPORTER, lists included, none excluded", () => {
    expect(exporterNames({ OTEL_TRACES_EXPORTER: "zipkin" })).toEqual(["zipkin"]);
    expect(exporterNames({ OTEL_TRACES_EXPORTER: "otlp, Console" })).toEqual(["otlp", "console"]);
    expect(exporterNames({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toEqual([]);
  });

  it("infers the exporter from the endpoint set, and exports nothing when none is", () => {
    expect(exporterNames({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })).toEqual(["otlp"]);
    expect(exporterNames({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" })).toEqual(["otlp"]);
    expect(exporterNames({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: "http://z:9411/api/v2/spans" })).toEqual(["zipkin"]);
    expect(exporterNames({})).toEqual([]);
    expect(exporterNames({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" })).toEqual([]);
  });
});

describe("otlpTracesUrl", () => {
  it("takes the per-signal endpoint as is, and appends /v1/traces to the base one", () => {
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/custom" })).toBe("http://c:4318/custom");
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" })).toBe("http://c:4318/v1/traces");
    expect(otlpTracesUrl({})).toBe("http://localhost:4318/v1/traces");
  });
});

describe("samplerFromEnv", () => {
  const decide = (env: Record<string, string>, flags: number | undefined) => {
    const parent =
      flags === undefined
        ? ROOT_CONTEXT
        : trace.setSpanContext(ROOT_CONTEXT, {
            traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
            spanId: "00f067aa0ba902b7",
            traceFlags: flags,
            isRemote: true,
          });
    return samplerFromEnv(env).shouldSample(parent, "4bf92f3577b34da6a3ce929d0e0e4736", "x", SpanKind.SERVER, {}, []).decision;
  };

  it("defaults to parentbased_always_on: follows daprd's sampled flag, samples new roots", () => {
    expect(decide({}, 1)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide({}, 0)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({}, undefined)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it("supports the standard names and the ratio argument", () => {
    expect(decide({ OTEL_TRACES_SAMPLER: "always_on" }, 0)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide({ OTEL_TRACES_SAMPLER: "always_off" }, 1)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: "parentbased_always_off" }, undefined)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" }, undefined)).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(decide({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" }, 1)).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1" }, 0)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});

describe("tracingFromEnv", () => {
  it("is off (undefined) with no exporter configured", async () => {
    expect(await tracingFromEnv({}, "order-service")).toBeUndefined();
    expect(await tracingFromEnv({ OTEL_TRACES_EXPORTER: "none" }, "order-service")).toBeUndefined();
  });

  it("exports to Zipkin under the app id, flushed on shutdown", async () => {
    const tracing = await tracingFromEnv({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${base}/api/v2/spans` }, "order-service");
    expect(tracing?.exporters).toEqual([`zipkin ${base}/api/v2/spans`]);
    tracing?.tracer.startSpan("process orders", { kind: SpanKind.CONSUMER }).end();
    expect(received).toEqual([]); // batched, not sent per span
    await tracing?.shutdown();
    expect(received).toMatchObject([
      { path: "/api/v2/spans", body: [{ name: "process orders", kind: "CONSUMER", localEndpoint: { serviceName: "order-service" } }] },
    ]);
  });

  it("exports OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_ENDPOINT, named OTEL_SERVICE_NAME when set", async () => {
    const env = { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_SERVICE_NAME: "orders-api" };
    const tracing = await tracingFromEnv(env, "order-service");
    tracing?.tracer.startSpan("POST /orders").end();
    await tracing?.forceFlush();
    const body = received[0]?.body as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: { name: string }[] }[];
      }[];
    };
    expect(received[0]?.path).toBe("/v1/traces");
    expect(body.resourceSpans[0].resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "orders-api" } });
    expect(body.resourceSpans[0].scopeSpans[0].spans.map((s) => s.name)).toEqual(["POST /orders"]);
    await tracing?.shutdown();
  });
});
