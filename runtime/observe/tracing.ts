import { type Attributes, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { SpanShape } from "../kinds/span.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import { errorText } from "../kinds/verdict.ts";
import { parentContext, traceHeaders } from "./context.ts";
import type { Observer } from "./observer.ts";

const kinds = { server: SpanKind.SERVER, consumer: SpanKind.CONSUMER, client: SpanKind.CLIENT } as const;
const open = (tracer: Tracer, shape: SpanShape, parent: Parameters<Tracer["startSpan"]>[2], extra: Attributes = {}) =>
  tracer.startSpan(shape.name, { kind: kinds[shape.kind], attributes: { ...extra, ...shape.attributes } }, parent);

/**
 * One span per handler invocation, continuing the delivery's trace, and one CLIENT child span per
 * sidecar effect whose context goes to daprd in `traceparent`, so daprd's state, publish and
 * binding spans nest under it. Handlers contain no tracing code: this wraps them from outside.
 * Names and attributes come from each trigger and effect kind's module.
 * @example createApp({ handlers, execute, observer: createTracingObserver(provider.getTracer("daprlet")) })
 */
export function createTracingObserver(tracer: Tracer): Observer {
  return {
    start(d, req, message) {
      const event = message.ok ? (message.event as { traceparent?: string; tracestate?: string }) : undefined;
      const parent = parentContext(req, event);
      const kind = triggerKindOf(d.trigger);
      const common = { "daprlet.handler": d.name, "daprlet.trigger": d.trigger.kind, "code.function.name": d.name };
      const span = open(tracer, kind.span(d.trigger, d.route, req, message.ok ? message.event : undefined), parent, common);
      const context = trace.setSpan(parent, span);
      return {
        context: { headers: traceHeaders(context) },
        async child(shape, run) {
          const client = open(tracer, shape, context);
          try {
            return await run(traceHeaders(trace.setSpan(context, client)));
          } catch (error) {
            fail(client, error);
            throw error;
          } finally {
            client.end();
          }
        },
        end(outcome, answer) {
          const { verdict } = outcome;
          span.setAttributes({
            "daprlet.outcome": verdict.status,
            ...(verdict.reason ? { "daprlet.reason": verdict.reason } : {}),
            ...(verdict.cause && verdict.status !== "SUCCESS" ? { "daprlet.cause": verdict.cause } : {}),
            ...(outcome.attempt ? { "daprlet.attempt": outcome.attempt } : {}),
            ...(outcome.duplicate ? { "daprlet.duplicate": true } : {}),
            ...(outcome.conflicts ? { "daprlet.conflicts": outcome.conflicts } : {}),
            ...kind.answered(d.trigger, answer),
          });
          // RETRY and DROP are failures to process the message, whoever decided them.
          if (verdict.status === "SUCCESS") span.setStatus({ code: SpanStatusCode.OK });
          else span.setStatus({ code: SpanStatusCode.ERROR, message: `${verdict.status}: ${verdict.reason ?? ""}`.trim() });
          span.end();
        },
      };
    },
  };
}

function fail(span: Span, error: unknown) {
  const status = (error as { status?: unknown }).status;
  span.setAttributes({
    "error.type": error instanceof Error ? error.name : "Error",
    ...(typeof status === "number" && status > 0 ? { "http.response.status_code": status } : {}),
  });
  span.recordException(error instanceof Error ? error : errorText(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(error) });
}
