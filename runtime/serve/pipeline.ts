// Longer than most (≈450 lines): the one delivery pipeline, its stage calls and the helpers each stage uses, kept in one file so a delivery reads top to bottom.
// One delivery, top to bottom: parse → validate → load inputs → handle → execute → decide → answer.
// Shared by the Hono routes and the testing kit, so both answer exactly alike.
import { safeParse, safeParseAsync } from "valibot";
import type { AnyHandler } from "../define.ts";
import type { HandlerDescriptor } from "../descriptor.ts";
import { UnsafeValue } from "../kinds/daprd-path.ts";
import type { DeleteState } from "../kinds/delete-state.ts";
import type { StateWrite } from "../kinds/effect.ts";
import { type Effect, type Executor, effectKindOf, isEffect, unsafeEffect } from "../kinds/effects.ts";
import type { Inputs, SidecarClient } from "../kinds/input.ts";
import type { Outcome } from "../kinds/outcome.ts";
import type { Publish } from "../kinds/publish.ts";
import type { SaveState } from "../kinds/save-state.ts";
import type { Transaction } from "../kinds/transaction.ts";
import type { BaseEvent, Message, Parsed, TriggerKind } from "../kinds/trigger.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import { errorText, type Issues } from "../kinds/verdict.ts";
import type { Answer, WireRequest } from "../kinds/wire.ts";
import { type Observation, type Observer, passThrough, type Watcher } from "../observe/observer.ts";
import { idsOf } from "../observe/trace-ids.ts";
import { type Deadline, DeadlinePassed, defaultDeadlineMs, startDeadline } from "./deadline.ts";
import { decide, type Facts } from "./decide.ts";
import type { FailureLog, FailureRecords, FailureStoreOptions } from "./failures.ts";
import { type Applied, type AppliedOnceOptions, type Guarantees, guarantees, recordsOf } from "./guarantees.ts";
import { type AppliedRecord, doneOp, type Guard, recordOp } from "./idempotency.ts";
import { type Loaded, loadInputs } from "./inputs.ts";
import { SidecarError, traced } from "./sidecar.ts";

export interface DeliverOptions {
  /** Carries out effects. */
  execute: Executor;
  /** Reads inputs and applied-records; without one, handlers with inputs fail their reads and idempotency is off. */
  client?: SidecarClient;
  /** Attempt counts and failure reasons per message (topic handlers), in this process. */
  failures?: FailureLog;
  /**
   * Where those records are shared with other replicas when there is a `client` (default: the
   * `statestore` state store, records kept a day); `false` keeps them in `failures` only.
   */
  failureStore?: FailureStoreOptions | false;
  /** Made from `failures`, `client` and `failureStore` when not given (the app makes one for all its routes). */
  failureRecords?: FailureRecords;
  observer?: Observer;
  watchers?: readonly Watcher[];
  /** How long inputs, `handle` and effects may take in all (default DAPRLET_DEADLINE_MS, 25 s): then RETRY, and no further effect starts. */
  deadlineMs?: number;
  /** The lock store for concurrent deliveries of one message, where the record's store has no atomic transactions. */
  appliedOnce?: AppliedOnceOptions;
  /** Path params of invoked routes. */
  params?: Record<string, string>;
}

/** The answer and the outcome of each message behind it (bulk: one per entry), with the messages as parsed. */
export interface Delivered {
  answer: Answer;
  outcomes: Outcome[];
  messages: Message[];
  bulk: boolean;
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

  // One deadline for the request (a bulk delivery's entries share it: daprd's timeout is per request).
  const deadline = startDeadline(options.deadlineMs ?? defaultDeadlineMs());
  const results: { message: Message; outcome: Outcome; observation: Observation; started: number }[] = [];
  for (const message of parsed.messages) {
    const started = performance.now();
    const observation = observer.start(d, req, message);
    const outcome = await processMessage(d, kind, message, observation, options, deadline);
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
      at: Date.now(),
      traceparent: observation.context.headers.traceparent,
      messageId: message.ok ? messageIdOf(message.event) : undefined,
    });
  }
  return { answer, outcomes: results.map((r) => r.outcome), messages: parsed.messages, bulk: parsed.bulk };
}

async function processMessage(
  d: HandlerDescriptor,
  kind: TriggerKind<HandlerDescriptor["trigger"]>,
  message: Message,
  observation: Observation,
  options: DeliverOptions,
  deadline: Deadline,
): Promise<Outcome> {
  const facts: Facts = {};
  const messageId = message.ok ? messageIdOf(message.event) : undefined;
  // guarantees (guarded kinds: pub/sub): what earlier attempts left behind, and applied-once.
  const kept = await guarantees(d, kind, message, observation, options, recordsOf(options), messageId);
  const run: Run = { d, observation, options, facts, deadline, kept };
  try {
    // parse: a message that could not be read is refused.
    if (!message.ok) facts.refused = message;
    // validate, with what earlier attempts at this message left behind, for the handler to see.
    else await validateStage(run, message.event);
    // declare inputs: `inputs(event)` is the handler's code too.
    const inputs = run.event && d.handler.inputs ? user(run, "inputs(event)", () => d.handler.inputs?.(run.event as never)) : undefined;
    // applied before? With inputs, known before they are loaded, so a redelivery calls no other app again.
    if (run.event && inputs && !(await appliedStage(run))) run.event = undefined;
    // load inputs → handle → execute, again while a concurrent write changed what was read.
    if (run.event) await untilNoConflict(run, inputs ?? undefined);
  } catch (error) {
    if (!(error instanceof DeadlinePassed)) throw error;
    facts.deadline = { ms: deadline.ms, stage: error.stage };
  }

  // decide
  const verdict = decide(facts);
  // guarantees after the verdict: the failure record written or forgotten, the message's lock released.
  const attempt = await kept.after(verdict);
  // Built field by field: only what is known is set (a spread per field was a measurable cost per delivery).
  const outcome: Outcome = { verdict, effects: facts.effects ? [...facts.effects] : [] };
  if (facts.issues) outcome.issues = facts.issues;
  if (run.event) outcome.event = run.event;
  if (facts.failed) outcome.failedEffect = facts.failed.effect;
  if (attempt) outcome.attempt = attempt;
  if (run.duplicate) outcome.duplicate = true;
  if (run.conflicts) outcome.conflicts = run.conflicts;
  const correlationId = idsOf(observation.context.headers.traceparent)?.traceId;
  if (correlationId) outcome.correlationId = correlationId;
  return outcome;
}

/** One message on its way through the stages: what they share, and what they found. */
interface Run {
  d: HandlerDescriptor;
  observation: Observation;
  options: DeliverOptions;
  facts: Facts;
  deadline: Deadline;
  kept: Guarantees;
  /** The validated event, until a stage ends the run early. */
  event?: BaseEvent;
  /** What the applied-record check found: the message is fresh, and how its record is written. */
  fresh?: FreshRecord;
  duplicate?: boolean;
  conflicts?: number;
}

/** Runs one of the handler's own functions: whatever it throws (`undefined` included) is the `threw` fact, and the run ends. */
function user<T>(run: Run, where: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (thrown) {
    run.facts.threw = { thrown, where };
    run.event = undefined;
    return undefined;
  }
}

async function validateStage(run: Run, event: BaseEvent) {
  const failure = run.kept.failure;
  const checked = validate(run.d.handler, failure ? ({ ...event, failure } as BaseEvent) : event);
  const validated = pending(checked) ? await checked : checked;
  if (validated.ok) run.event = validated.event;
  else run.facts.issues = validated.issues;
}

/**
 * Whether the message is still to be applied. A message applied before is a duplicate (it only
 * finishes what its record still owes); one another delivery is applying is RETRY; a record that
 * cannot be read fails closed (RETRY), never "not applied".
 */
async function appliedStage(run: Run, again = false): Promise<boolean> {
  const { facts, kept } = run;
  let applied: Applied;
  try {
    applied = await kept.applied(run.deadline.at, again);
    run.deadline.check("the applied-record check");
  } catch (error) {
    run.deadline.check("the applied-record check");
    facts.input = { fault: "unavailable", reason: `applied-record of ${kept.guard?.key}: ${errorText(error)}` };
    return false;
  }
  if (applied.state === "busy") {
    facts.busy = { reason: applied.reason };
    return false;
  }
  if (applied.state === "applied") {
    run.duplicate = true;
    facts.effects = [];
    facts.failed = await finishRecord(applied.record, run);
    return false;
  }
  run.fresh = applied;
  return true;
}

/** load inputs → handle → execute, read and handled again (up to `conflictAttempts`) while its writes meet a concurrent change. */
async function untilNoConflict(run: Run, inputs: Inputs | undefined) {
  const { facts } = run;
  for (let attempt = 1; ; attempt++) {
    const result = await attemptOnce(run, inputs);
    if (result !== "conflict") return;
    run.conflicts = attempt;
    if (attempt >= conflictAttempts) {
      facts.conflict = { attempts: attempt, reason: errorText(facts.failed?.error) };
      facts.failed = undefined;
      return;
    }
    // Someone else wrote what this delivery read: read again and decide again (a concurrent
    // delivery of this same message may be that someone: its record says so).
    facts.failed = undefined;
    facts.effects = undefined;
    await run.deadline.race(new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt)), "a conflict's back-off");
    if (run.fresh && !(await appliedStage(run, true))) return;
  }
}

async function attemptOnce(run: Run, inputs: Inputs | undefined): Promise<"done" | "conflict"> {
  const { d, facts, deadline, observation, options } = run;
  // load inputs
  let values: Record<string, unknown> = {};
  if (inputs) {
    let loaded: Loaded;
    try {
      loaded = await loadInputs(inputs, options.client, observation, deadline.at);
    } catch (error) {
      // A value that would steer daprd's path (`..`, an empty segment): bad data, never retried.
      if (!(error instanceof UnsafeValue)) throw error;
      facts.unsafe = { reason: error.message };
      return "done";
    }
    deadline.check("inputs"); // a read cut off by the deadline is the deadline's fact
    if (!loaded.ok) {
      if (loaded.fault === "threw") facts.threw = { thrown: loaded.thrown, where: loaded.where };
      else facts.input = { fault: loaded.fault, reason: loaded.reason };
      return "done";
    }
    values = loaded.values;
  }
  // handle: a promise that never settles ends at the deadline.
  let returned: unknown;
  try {
    const handled = d.handler.handle(run.event as never, values) as unknown;
    returned = pending(handled) ? await deadline.race(handled, "handle") : handled;
  } catch (thrown) {
    if (thrown instanceof DeadlinePassed) throw thrown;
    facts.threw = { thrown, where: "handle" };
    return "done";
  }
  const effects = toEffects(returned);
  if (!effects) {
    facts.threw = {
      thrown: new TypeError(`handle returned ${safeText(returned)}: return an effect, a list of effects, or nothing`),
      where: "handle",
    };
    return "done";
  }
  // The answer is made of the effects: one that cannot be serialized is found before any effect runs.
  const unserializable = effects.find((e) => e.kind === "reply" && !serializable(e.body, e.headers));
  if (unserializable) {
    facts.threw = { thrown: new TypeError("reply body cannot be serialized as JSON (a BigInt or a cycle?)"), where: "reply" };
    return "done";
  }
  facts.effects = effects;
  const calls = effects.filter((e) => effectKindOf(e).sidecar);
  if (!calls.length) return "done"; // nothing to carry out
  // Every call's daprd path is built and checked before the first runs, so a refused value writes nothing.
  const unsafe = unsafeEffect(calls);
  if (unsafe) {
    facts.unsafe = { reason: unsafe };
    return "done";
  }
  // A message the handler retries or drops is not "applied": its redelivery must be handled again.
  const applies = !effects.some((e) => e.kind === "retry" || e.kind === "drop");
  // Without inputs, the record is read once `handle` (pure) returned effects, before anything is
  // written. Not left to the record's first-write in the delivery's transaction: state.redis does
  // not enforce first-write without an ETag (pinned in handlers/payments.e2e.test.ts), and writes
  // to other stores would land first.
  if (run.kept.guard && !inputs && !run.fresh && !(await appliedStage(run))) return "done";
  // execute: state writes first, one transaction per store (with the applied-record), then the rest.
  const failed = await execute(plan(calls, applies ? run.kept.guard : undefined, run.fresh), run);
  facts.failed = failed;
  return failed && isConflict(failed) ? "conflict" : "done";
}

/** How often a delivery whose writes met a concurrent change is read, handled and written again. */
const conflictAttempts = Number(process.env.DAPRLET_CONFLICT_ATTEMPTS ?? 10);

/**
 * Whether a step went asynchronous. Only then is it awaited: the common delivery (a synchronous
 * schema and `handle`, no failure record to fetch) then costs no turn of the microtask queue per step.
 */
const pending = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> => typeof (value as { then?: unknown } | null)?.then === "function";

/**
 * daprd's answers to a state write that met a concurrent change: 409 `ERR_STATE_SAVE` /
 * `ERR_STATE_DELETE` for one key, 500 `ERR_STATE_TRANSACTION` with the store's mismatch text inside
 * a transaction ("possible etag mismatch"; state.redis: "failed to set key"). Anything else, such
 * as a called app's own 409, is that app's answer, not a reason to handle the message again.
 */
export function isConflict(failed: NonNullable<Facts["failed"]>): boolean {
  const { effect, error } = failed;
  if (!effectKindOf(effect).writes || !(error instanceof SidecarError)) return false;
  if (error.status === 409) return error.errorCode === "ERR_STATE_SAVE" || error.errorCode === "ERR_STATE_DELETE";
  return (
    error.status === 500 && error.errorCode === "ERR_STATE_TRANSACTION" && /etag mismatch|failed to (set|delete) key/i.test(error.message)
  );
}

/**
 * The order effects run in: every state write of the delivery first, grouped into one transaction
 * per store (a single write stays a plain save, which every store supports), then publishes,
 * bindings and calls in the order returned. With a guard, the applied-record goes with the writes:
 * in the transaction of its store, written last, where transactions are atomic; after every write
 * succeeded where they are not (state.redis applies the other ops of a transaction whose ETag
 * failed, so a record inside it could outlive writes that never landed). Publishes and calls wait
 * in the record and run once it is committed; publishes get deterministic CloudEvent ids (message
 * id + position) so downstream handlers can deduplicate a resend.
 */
function plan(calls: Effect[], guard: Guard | undefined, fresh: FreshRecord | undefined): Effect[] {
  const writes = new Map<string, StateWrite[]>();
  const rest: Effect[] = [];
  const add = (store: string, ops: readonly StateWrite[]) => writes.set(store, [...(writes.get(store) ?? []), ...ops]);
  calls.forEach((effect, index) => {
    const stateWrites = effectKindOf(effect).writes?.(effect);
    if (stateWrites) add(stateWrites.store, stateWrites.ops);
    else rest.push(guard && effect.kind === "publish" ? withId(effect, `${guard.messageId}-${index}`) : effect);
  });
  const step = (store: string, ops: StateWrite[]): Effect =>
    ops.length === 1
      ? (ops[0] as Effect)
      : ({ kind: "transaction", store, operations: ops as (SaveState | DeleteState)[] } satisfies Transaction);
  if (!guard) return [...[...writes].map(([store, ops]) => step(store, ops)), ...rest];
  const record = recordOp(guard, rest, fresh?.etag);
  const atomic = fresh?.atomic ?? true;
  const joined = atomic ? writes.get(guard.store) : undefined;
  if (joined) writes.delete(guard.store); // its store's group goes last, with the record
  const steps = [...writes].map(([store, ops]) => step(store, ops));
  steps.push(joined ? step(guard.store, [...joined, record]) : record);
  return rest.length ? [...steps, ...rest, doneOp(guard)] : steps;
}

type FreshRecord = Extract<Applied, { state: "fresh" }>;

const withId = (effect: Publish, id: string): Publish =>
  effect.metadata?.["cloudevent.id"] ? effect : { ...effect, metadata: { ...effect.metadata, "cloudevent.id": id } };

/** A redelivered message whose record is pending: carry out what it still owes, then mark it done. */
async function finishRecord(record: AppliedRecord, run: Run) {
  const { guard } = run.kept;
  if (!guard || !record.pending?.length) return undefined;
  return execute([...record.pending, doneOp(guard)], run);
}

const serializable = (body: unknown, headers: unknown) => {
  try {
    JSON.stringify(body);
    JSON.stringify(headers);
    return true;
  } catch {
    return false;
  }
};

const safeText = (value: unknown) => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return "a value that cannot be serialized";
  }
};

type Validated = { ok: true; event: BaseEvent } | { ok: false; issues: Issues };

function validate(handler: AnyHandler, event: BaseEvent): Validated | Promise<Validated> {
  const schema = handler.schema;
  if (!schema) return { ok: true, event };
  if (schema.async) return validateAsync(schema, event);
  // A synchronous schema is checked synchronously: no promise per delivery for the common case.
  try {
    return validated(event, safeParse(schema, event.data));
  } catch (thrown) {
    return schemaThrew(thrown);
  }
}

async function validateAsync(schema: NonNullable<AnyHandler["schema"]>, event: BaseEvent): Promise<Validated> {
  try {
    return validated(event, await safeParseAsync(schema, event.data));
  } catch (thrown) {
    return schemaThrew(thrown);
  }
}

const validated = (event: BaseEvent, result: { success: boolean; output: unknown; issues?: unknown }): Validated =>
  result.success ? { ok: true, event: { ...event, data: result.output } } : { ok: false, issues: result.issues as Issues };

// A transform that throws is still bad input, not a reason to redeliver the same bytes.
const schemaThrew = (thrown: unknown): Validated => ({
  ok: false,
  issues: [{ message: `schema threw: ${errorText(thrown)}` } as Issues[number]],
});

function toEffects(returned: unknown): Effect[] | undefined {
  if (returned === undefined || returned === null) return [];
  const list = Array.isArray(returned) ? returned : [returned];
  return list.every(isEffect) ? list : undefined;
}

/** Carries out the effects in order; the first that fails stops the rest, and none starts once the deadline passed. */
async function execute(effects: readonly Effect[], run: Run): Promise<Facts["failed"]> {
  const { observation, deadline, options } = run;
  for (const [index, effect] of effects.entries()) {
    const sidecar = effectKindOf(effect).sidecar;
    if (!sidecar) continue;
    deadline.check("effects");
    try {
      // The call is given no longer than the deadline (the sidecar client bounds its timeout by it).
      if (observation.child) {
        const shape = sidecar.span(effect);
        const attributes = { ...shape.attributes, "daprlet.effect.kind": effect.kind, "daprlet.effect.index": index };
        await traced(observation, { ...shape, attributes }, deadline.at, (context) => options.execute(effect, context));
      } else await options.execute(effect, { headers: observation.context.headers, deadlineAt: deadline.at });
    } catch (error) {
      deadline.check("effects"); // an effect cut off by the deadline is the deadline's fact
      return { effect, index, of: effects.length, error };
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
