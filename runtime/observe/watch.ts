import type { Observer } from "../deliver.ts";
import type { HandlerDescriptor } from "../discover.ts";
import type { Evaluation } from "../lifecycle.ts";

/** What a metrics or log watcher learns about one handler invocation once it is over. */
export interface DeliveryReport {
  handler: HandlerDescriptor;
  /** The verdict, the effects, and the effect that failed (`failedEffect`), if one did. */
  evaluation: Evaluation;
  durationMs: number;
  /** The `traceparent` effect calls carried: the handler span's with tracing on, else daprd's. */
  traceparent?: string;
}

/** Something that only needs to hear how deliveries ended: metrics, logs. */
export interface Watcher {
  delivered(report: DeliveryReport): void;
}

/**
 * Adds watchers around an observer (the pass-through one, or tracing): times each invocation and
 * reports after the observer's own `end`. It keeps the observer's `wrap`, and adds no wrapper of
 * its own: this runs on every delivery, tracing or not.
 */
export function watchDeliveries(observer: Observer, watchers: readonly Watcher[]): Observer {
  if (watchers.length === 0) return observer;
  return {
    start(d, req, event) {
      const started = performance.now();
      const observation = observer.start(d, req, event);
      return {
        context: observation.context,
        wrap: observation.wrap?.bind(observation),
        end(evaluation) {
          observation.end(evaluation);
          const report = {
            handler: d,
            evaluation,
            durationMs: performance.now() - started,
            traceparent: observation.context.headers.traceparent,
          };
          for (const watcher of watchers) {
            try {
              watcher.delivered(report);
            } catch {
              // Observability must never change what daprd is told: the effects have already run.
            }
          }
        },
      };
    },
  };
}
