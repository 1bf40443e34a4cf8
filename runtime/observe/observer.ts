import type { HandlerDescriptor } from "../descriptor.ts";
import type { CallContext } from "../kinds/effect.ts";
import type { Outcome } from "../kinds/outcome.ts";
import type { SpanShape } from "../kinds/span.ts";
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
  /**
   * Optional: runs one sidecar call (an input read, an effect) in a child span, handing it the
   * child's trace headers. Without it, calls carry `context.headers`.
   */
  child?<T>(shape: SpanShape, run: (headers: Record<string, string>) => Promise<T>): Promise<T>;
  /** The final outcome and the answer daprd (or the caller) got: observers never recompute them. */
  end(outcome: Outcome, answer: Answer): void;
}

/** What a metrics, log or recording watcher learns. */
export interface DeliveryReport {
  handler: HandlerDescriptor;
  outcome: Outcome;
  answer: Answer;
  durationMs: number;
  /** When it ended (`Date.now()`), taken once for every watcher. */
  at: number;
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
 * Passes incoming trace headers on to sidecar calls, so daprd's spans join the delivery's trace;
 * a request without `traceparent` (a direct call, a caller without tracing) gets one minted here,
 * so everything it leads to is still one trace. The default, and what runs when tracing is off.
 */
export const passThrough: Observer = {
  start: (_d, req) => ({
    context: { headers: traceHeadersOf(req.headers) },
    end() {},
  }),
};

const validParent = /^00-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const hex = (bytes: number) => {
  let out = "";
  for (let i = 0; i < bytes; i++) out += ((Math.random() * 256) | 0).toString(16).padStart(2, "0");
  return out;
};
/** `traceparent` (and `tracestate`) as received, or a new sampled root when there is none. */
export function traceHeadersOf(headers: Record<string, string>): Record<string, string> {
  const parent = headers.traceparent;
  if (!parent || !validParent.test(parent)) return { traceparent: `00-${hex(16)}-${hex(8)}-01` };
  return headers.tracestate ? { traceparent: parent, tracestate: headers.tracestate } : { traceparent: parent };
}
