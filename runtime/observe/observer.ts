import type { HandlerDescriptor } from "../descriptor.ts";
import type { CallContext } from "../kinds/effect.ts";
import type { Executor } from "../kinds/effects.ts";
import type { Outcome } from "../kinds/outcome.ts";
import type { Message } from "../kinds/trigger.ts";
import type { Answer, WireRequest } from "../kinds/wire.ts";

/** Hooks around each message a handler processes: tracing plugs in here, not in the handlers. */
export interface Observer {
  /** Called before validation; returns the context for sidecar calls and what to call when done. */
  start(d: HandlerDescriptor, req: WireRequest, message: Message): Observation;
}

export interface Observation {
  /** Headers for this message's sidecar calls (trace context). */
  context: CallContext;
  /** Optional: wraps the executor for this message, so each effect can get its own span and `traceparent`. */
  wrap?(execute: Executor): Executor;
  /** The final outcome and the answer daprd (or the caller) got: observers never recompute them. */
  end(outcome: Outcome, answer: Answer): void;
}

/** What a metrics, log or recording watcher learns. */
export interface DeliveryReport {
  handler: HandlerDescriptor;
  outcome: Outcome;
  answer: Answer;
  durationMs: number;
  /** The `traceparent` sidecar calls carried: the handler span's with tracing on, else daprd's. */
  traceparent?: string;
  /** The message's id (CloudEvent id for pub/sub), when it has one. */
  messageId?: string;
}

/** Something that only listens: metrics, the delivery log, the recorder. */
export interface Watcher {
  /** A request as it arrived, before anything else (record/replay). */
  received?(d: HandlerDescriptor, req: WireRequest): void;
  /** How one message ended, after the answer was made. */
  delivered?(report: DeliveryReport): void;
}

/**
 * Passes incoming trace headers on to sidecar calls, so daprd's spans join the delivery's trace.
 * The default, and what runs when tracing is off: no span, no allocation beyond the headers.
 */
export const passThrough: Observer = {
  start: (_d, req) => ({
    context: {
      headers: Object.fromEntries((["traceparent", "tracestate"] as const).flatMap((h) => (req.headers[h] ? [[h, req.headers[h]]] : []))),
    },
    end() {},
  }),
};
