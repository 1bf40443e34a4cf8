import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { idsOf, parentContext, traceHeaders } from "./context.ts";

const daprd = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const publisher = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const spanOf = (headers: Record<string, string>, event?: { traceparent?: string; tracestate?: string }) =>
  trace.getSpanContext(parentContext({ headers }, event));

describe("parentContext", () => {
  it("continues the headers' context (daprd's delivery span), ahead of the CloudEvent's", () => {
    expect(spanOf({ traceparent: daprd, tracestate: "dapr=1" }, { traceparent: publisher })).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
      isRemote: true,
    });
    expect(spanOf({ traceparent: daprd, tracestate: "dapr=1" })?.traceState?.get("dapr")).toBe("1");
  });

  it("falls back to the CloudEvent's traceparent and tracestate when the headers carry none", () => {
    const span = spanOf({}, { traceparent: publisher, tracestate: "vendor=x" });
    expect(span).toMatchObject({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" });
    expect(span?.traceState?.get("vendor")).toBe("x");
  });

  it("falls back to the CloudEvent when the header is malformed, and accepts the empty tracestate daprd sends", () => {
    expect(spanOf({ traceparent: "garbage" }, { traceparent: publisher, tracestate: "" })?.spanId).toBe("b7ad6b7169203331");
  });

  it("starts a new root when neither carries a valid context", () => {
    expect(parentContext({ headers: {} })).toBe(ROOT_CONTEXT);
    expect(parentContext({ headers: { traceparent: "00-00000000000000000000000000000000-0000000000000000-01" } }, {})).toBe(ROOT_CONTEXT);
  });
});

describe("traceHeaders", () => {
  it("writes the context's span as traceparent, keeping tracestate", () => {
    const context = parentContext({ headers: { traceparent: daprd, tracestate: "dapr=1" } });
    expect(traceHeaders(context)).toEqual({ traceparent: daprd, tracestate: "dapr=1" });
    expect(traceHeaders(ROOT_CONTEXT)).toEqual({});
  });
});

describe("idsOf", () => {
  it("reads trace and span ids for log lines, and nothing from malformed input", () => {
    expect(idsOf(daprd)).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
    expect(idsOf(` ${daprd}\n`)).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
    expect(idsOf("00-xyz-01")).toBeUndefined();
    expect(idsOf(undefined)).toBeUndefined();
    // the right length, but not lower-case hex, or a dash out of place
    expect(idsOf(daprd.toUpperCase())).toBeUndefined();
    expect(idsOf(daprd.replace("36-00f0", "3-600f0"))).toBeUndefined();
    expect(idsOf(daprd.replace("4bf9", "4bg9"))).toBeUndefined();
  });
});
