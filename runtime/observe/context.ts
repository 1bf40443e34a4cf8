// W3C trace context in and out of a delivery, without touching OpenTelemetry's global state:
// the runtime passes contexts explicitly, so nothing depends on a registered propagator.
import { type Context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { WireRequest } from "../kinds/wire.ts";

export { idsOf } from "./trace-ids.ts";

const w3c = new W3CTraceContextPropagator();

/** The trace fields a parsed event may carry (a CloudEvent's `traceparent`/`tracestate`). */
export interface TraceFields {
  traceparent?: string;
  tracestate?: string;
}

const extract = (carrier: TraceFields) => w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
const hasParent = (context: Context) => trace.getSpanContext(context) !== undefined;

/**
 * The context a handler span continues. The headers come first: for pub/sub they belong to
 * daprd's `pubsub/<topic>` delivery span, itself a child of the publisher's context. The
 * CloudEvent's own `traceparent` (the publisher's) is the fallback when a delivery came without
 * headers (a non-Dapr producer, a replayed recording). Neither: a new root.
 */
export function parentContext(req: Pick<WireRequest, "headers">, event?: TraceFields): Context {
  const fromHeaders = extract({ traceparent: req.headers.traceparent, tracestate: req.headers.tracestate });
  if (hasParent(fromHeaders)) return fromHeaders;
  if (event?.traceparent) {
    const fromEvent = extract({ traceparent: event.traceparent, tracestate: event.tracestate || undefined });
    if (hasParent(fromEvent)) return fromEvent;
  }
  return ROOT_CONTEXT;
}

/** `traceparent` (and `tracestate`) for a call to daprd, so its span becomes a child of the context's span. */
export function traceHeaders(context: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  w3c.inject(context, headers, defaultTextMapSetter);
  return headers;
}
