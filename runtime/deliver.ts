import type { TopicTrigger } from "./define.ts";
import type { HandlerDescriptor } from "./discover.ts";
import {
  type BulkEntry,
  parseBindingDelivery,
  parseBulkDelivery,
  parseBulkEntry,
  parseInvokeRequest,
  parseTopicDelivery,
  type WireRequest,
} from "./envelope.ts";
import { type FailureLog, messageKey } from "./failures.ts";
import { type EffectContext, type Evaluation, type Executor, evaluate, settle } from "./lifecycle.ts";
import { type DaprStatus, toBindingAnswer, toInvokeAnswer, toTopicAnswer } from "./outcome.ts";

/** The HTTP answer the runtime gives daprd (or an invoking caller). */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An answer and the evaluations behind it (one per bulk entry). */
export interface Delivered {
  answer: Answer;
  evaluations: Evaluation[];
}

/** Hooks around each handler invocation: tracing and metrics plug in here, not in the handlers. */
export interface Observer {
  /** Called before `handle`; returns the headers for effect calls and a function to call when done. */
  start(d: HandlerDescriptor, req: WireRequest, event?: { traceparent?: string; tracestate?: string; id?: string }): Observation;
}

export interface Observation {
  context: EffectContext;
  /**
   * Optional: wraps the executor for this invocation, so each effect can get its own span and its
   * own `traceparent`. Without it, every effect is executed with `context` above.
   */
  wrap?(execute: Executor): Executor;
  end(evaluation: Evaluation): void;
}

export interface DeliverOptions {
  execute: Executor;
  failures?: FailureLog;
  observer?: Observer;
  /** Path params of invoked routes. */
  params?: Record<string, string>;
}

/**
 * Passes incoming trace headers on to effect calls, so daprd's spans join the delivery's trace.
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

/**
 * One delivery, start to finish: parse, validate, handle, carry out effects, answer.
 * Shared by the Hono routes and the testing kit, so both answer exactly alike.
 */
export async function deliver(d: HandlerDescriptor, req: WireRequest, options: DeliverOptions): Promise<Delivered> {
  const { trigger } = d;
  const observer = options.observer ?? passThrough;
  if (trigger.kind === "binding") {
    const parsed = parseBindingDelivery(trigger.name, req);
    const evaluation = await run(d, req, parsed, options, observer);
    return { answer: toBindingAnswer(evaluation.verdict), evaluations: [evaluation] };
  }
  if (trigger.kind === "invoke") {
    const parsed = parseInvokeRequest(req, options.params ?? {});
    const evaluation = await run(d, req, parsed, options, observer);
    return { answer: toInvokeAnswer(evaluation.verdict, evaluation.effects, evaluation.issues), evaluations: [evaluation] };
  }
  // daprd labels bulk deliveries application/json and single ones application/cloudevents+json;
  // the body's `entries` array is what really tells them apart. Anything else is a single delivery.
  const bulk = trigger.bulk ? parseBulkDelivery(req) : undefined;
  if (bulk?.ok) return deliverBulk(d, trigger, req, bulk.event, options, observer);
  const parsed = parseTopicDelivery(trigger, req);
  const evaluation = await runTopic(d, trigger, req, parsed, options, observer);
  return { answer: toTopicAnswer(evaluation.verdict), evaluations: [evaluation] };
}

async function deliverBulk(
  d: HandlerDescriptor,
  trigger: TopicTrigger,
  req: WireRequest,
  entries: BulkEntry[],
  options: DeliverOptions,
  observer: Observer,
): Promise<Delivered> {
  const evaluations: Evaluation[] = [];
  const statuses: { entryId: string; status: DaprStatus }[] = [];
  for (const entry of entries) {
    const evaluation = await runTopic(d, trigger, req, parseBulkEntry(trigger, entry, req.headers), options, observer);
    evaluations.push(evaluation);
    statuses.push({ entryId: entry.entryId, status: evaluation.verdict.status });
  }
  return { answer: { status: 200, body: { statuses } }, evaluations };
}

type ParsedTopic = ReturnType<typeof parseTopicDelivery>;

/** A topic delivery also tracks failures per message, for attempt counts and dead-letter reasons. */
async function runTopic(
  d: HandlerDescriptor,
  trigger: TopicTrigger,
  req: WireRequest,
  parsed: ParsedTopic,
  options: DeliverOptions,
  observer: Observer,
) {
  const failures = options.failures;
  if (!parsed.ok || !failures) return run(d, req, parsed, options, observer);
  const { event } = parsed;
  const seen = messageKey(event.pubsubname, event.topic, event.id);
  const failure = failures.get(seen);
  const evaluation = await run(d, req, { ok: true, event: failure ? { ...event, failure } : event }, options, observer);
  const own = messageKey(event.pubsubname, trigger.topic, event.id);
  if (evaluation.verdict.status === "SUCCESS") {
    failures.forget(own);
    failures.forget(seen); // a dead-letter handler has now dealt with the original failure
  } else failures.fail(own, evaluation.verdict.reason ?? evaluation.verdict.status);
  return evaluation;
}

async function run<E extends { data: unknown; traceparent?: string; tracestate?: string; id?: string }>(
  d: HandlerDescriptor,
  req: WireRequest,
  parsed: { ok: true; event: E } | { ok: false; reason: string; status: number },
  options: DeliverOptions,
  observer: Observer,
): Promise<Evaluation> {
  const observation = observer.start(d, req, parsed.ok ? parsed.event : undefined);
  const evaluated = await evaluate(d.handler, parsed);
  const execute = observation.wrap ? observation.wrap(options.execute) : options.execute;
  const evaluation = await settle(evaluated, execute, observation.context);
  observation.end(evaluation);
  return evaluation;
}
