import { type Span, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { Observer } from "../deliver.ts";
import { errorText } from "../outcome.ts";
import { attemptOf, effectSpan, handlerSpan, outcomeAttributes } from "./attributes.ts";
import { parentContext, traceHeaders } from "./context.ts";

/**
 * One span per handler invocation, continuing the delivery's trace, and one CLIENT child span per
 * sidecar effect whose context goes to daprd in `traceparent`, so daprd's state, publish and
 * binding spans nest under it. Handlers contain no tracing code: this wraps them from outside.
 * @example createApp({ handlers, execute, observer: createTracingObserver(provider.getTracer("daprlet")) })
 */
export function createTracingObserver(tracer: Tracer): Observer {
  return {
    start(d, req, event) {
      const parent = parentContext(req, event);
      const start = handlerSpan(d, req, event?.id || undefined);
      const span = tracer.startSpan(start.name, { kind: start.kind, attributes: start.attributes }, parent);
      const context = trace.setSpan(parent, span);
      let index = 0;
      return {
        context: { headers: traceHeaders(context) },
        wrap: (execute) => async (effect) => {
          const child = effectSpan(effect, index++);
          const clientSpan = tracer.startSpan(child.name, { kind: child.kind, attributes: child.attributes }, context);
          try {
            await execute(effect, { headers: traceHeaders(trace.setSpan(context, clientSpan)) });
          } catch (error) {
            fail(clientSpan, error);
            throw error;
          } finally {
            clientSpan.end();
          }
        },
        end(evaluation) {
          const { verdict } = evaluation;
          span.setAttributes(outcomeAttributes(d, evaluation, attemptOf(d, evaluation)));
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
