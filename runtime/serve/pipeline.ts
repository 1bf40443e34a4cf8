// One delivery, top to bottom: parse → validate → load inputs → handle → execute → decide → answer.
// Shared by the Hono routes and the testing kit, so both answer exactly alike.
import { safeParseAsync } from "valibot";
import type { AnyHandler } from "../define.ts";
import type { HandlerDescriptor } from "../descriptor.ts";
import { type Effect, type Executor, effectKindOf, isEffect } from "../kinds/effects.ts";
import type { Outcome } from "../kinds/outcome.ts";
import type { BaseEvent, Message, Parsed, TriggerKind } from "../kinds/trigger.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import { errorText, type Issues } from "../kinds/verdict.ts";
import type { Answer, WireRequest } from "../kinds/wire.ts";
import { type Observation, type Observer, passThrough, type Watcher } from "../observe/observer.ts";
import { decide, type Facts } from "./decide.ts";
import type { FailureLog } from "./failures.ts";

export interface DeliverOptions {
  execute: Executor;
  /** Attempt counts and failure reasons per message (topic handlers). */
  failures?: FailureLog;
  observer?: Observer;
  watchers?: readonly Watcher[];
  /** Path params of invoked routes. */
  params?: Record<string, string>;
}

/** The answer and the outcome of each message behind it (bulk: one per entry). */
export interface Delivered {
  answer: Answer;
  outcomes: Outcome[];
}

export async function deliver(d: HandlerDescriptor, req: WireRequest, options: DeliverOptions): Promise<Delivered> {
  const kind = triggerKindOf(d.trigger);
  const observer = options.observer ?? passThrough;
  const watchers = options.watchers ?? [];
  for (const w of watchers) w.received?.(d, req);

  // parse: an oversize body is a message that could not be read, like malformed JSON.
  const parsed: Parsed = req.oversize
    ? { bulk: false, messages: [{ ok: false, reason: req.oversize, status: 413 }] }
    : kind.parse(d.trigger, req, options.params ?? {});

  const results: { message: Message; outcome: Outcome; observation: Observation; started: number }[] = [];
  for (const message of parsed.messages) {
    const started = performance.now();
    const observation = observer.start(d, req, message);
    const outcome = await processMessage(d, kind, message, observation, options);
    results.push({ message, outcome, observation, started });
  }

  // answer: the trigger kind turns the outcomes into what daprd (or the caller) expects.
  const answer = kind.answer(d.trigger, { bulk: parsed.bulk, results });
  for (const { message, outcome, observation, started } of results) {
    observation.end(outcome, answer);
    report(watchers, {
      handler: d,
      outcome,
      answer,
      durationMs: performance.now() - started,
      traceparent: observation.context.headers.traceparent,
      messageId: message.ok ? messageIdOf(message.event) : undefined,
    });
  }
  return { answer, outcomes: results.map((r) => r.outcome) };
}

async function processMessage(
  d: HandlerDescriptor,
  kind: TriggerKind<HandlerDescriptor["trigger"]>,
  message: Message,
  observation: Observation,
  options: DeliverOptions,
): Promise<Outcome> {
  const facts: Facts = {};
  let event: BaseEvent | undefined;
  let issues: Issues | undefined;
  const ids = message.ok ? kind.track(d.trigger, message.event) : undefined;
  const failures = options.failures;

  if (!message.ok) facts.refused = message;
  else {
    // validate (with what earlier attempts at this message left behind, for the handler to see)
    const failure = failures?.get(ids?.seen);
    const validated = await validate(d.handler, failure ? ({ ...message.event, failure } as BaseEvent) : message.event);
    if (validated.ok) event = validated.event;
    else facts.issues = issues = validated.issues;
  }

  // load inputs: the stage where declared reads will be resolved; nothing to load yet.

  // handle
  if (event) {
    try {
      const returned = await d.handler.handle(event);
      const effects = toEffects(returned);
      if (effects) facts.effects = effects;
      else facts.thrown = new TypeError(`handle returned ${JSON.stringify(returned)}: return an effect, a list of effects, or nothing`);
    } catch (thrown) {
      facts.thrown = thrown;
    }
  }

  // execute: sidecar effects in order; the first failure stops the rest.
  if (facts.effects) facts.failed = await execute(facts.effects, observation, options.execute);

  // decide
  const verdict = decide(facts);
  const attempt = ids && ids.own === ids.seen ? (failures?.get(ids.own)?.attempts ?? 0) + 1 : undefined;
  if (ids && failures) {
    if (verdict.status === "SUCCESS") {
      failures.forget(ids.own);
      failures.forget(ids.seen); // a dead-letter handler has now dealt with the original failure
    } else failures.fail(ids.own, verdict.reason ?? verdict.status);
  }
  return {
    verdict,
    effects: [...(facts.effects ?? [])],
    ...(issues ? { issues } : {}),
    ...(event ? { event } : {}),
    ...(facts.failed ? { failedEffect: facts.failed.effect } : {}),
    ...(attempt ? { attempt } : {}),
  };
}

type Validated = { ok: true; event: BaseEvent } | { ok: false; issues: Issues };

async function validate(handler: AnyHandler, event: BaseEvent): Promise<Validated> {
  if (!handler.schema) return { ok: true, event };
  try {
    const result = await safeParseAsync(handler.schema, event.data);
    return result.success ? { ok: true, event: { ...event, data: result.output } } : { ok: false, issues: result.issues };
  } catch (thrown) {
    // A transform that throws is still bad input, not a reason to redeliver the same bytes.
    return { ok: false, issues: [{ message: `schema threw: ${errorText(thrown)}` } as Issues[number]] };
  }
}

function toEffects(returned: unknown): Effect[] | undefined {
  if (returned === undefined || returned === null) return [];
  const list = Array.isArray(returned) ? returned : [returned];
  return list.every(isEffect) ? list : undefined;
}

async function execute(effects: readonly Effect[], observation: Observation, executor: Executor): Promise<Facts["failed"]> {
  const calls = effects.filter((e) => effectKindOf(e).sidecar);
  const run = observation.wrap ? observation.wrap(executor) : executor;
  for (const [index, effect] of calls.entries()) {
    try {
      await run(effect, observation.context);
    } catch (error) {
      return { effect, index, of: calls.length, error };
    }
  }
  return undefined;
}

const messageIdOf = (event: BaseEvent) => {
  const id = (event as { id?: unknown }).id;
  return typeof id === "string" && id ? id : undefined;
};

function report(watchers: readonly Watcher[], r: Parameters<NonNullable<Watcher["delivered"]>>[0]) {
  for (const w of watchers) {
    try {
      w.delivered?.(r);
    } catch {
      // Observability must never change what daprd is told: the answer is already made.
    }
  }
}
