// One delivery, top to bottom: parse → validate → load inputs → handle → execute → decide → answer.
// Shared by the Hono routes and the testing kit, so both answer exactly alike.
import { safeParse, safeParseAsync } from "valibot";
import type { AnyHandler } from "../define.ts";
import type { HandlerDescriptor } from "../descriptor.ts";
import { UnsafeValue } from "../kinds/daprd-path.ts";
import type { DeleteState } from "../kinds/delete-state.ts";
import { type Effect, type Executor, effectKindOf, isEffect, unsafeEffect } from "../kinds/effects.ts";
import type { Inputs, SidecarClient } from "../kinds/input.ts";
import type { Outcome } from "../kinds/outcome.ts";
import type { Publish } from "../kinds/publish.ts";
import type { SaveState } from "../kinds/save-state.ts";
import { transaction } from "../kinds/transaction.ts";
import type { BaseEvent, Message, Parsed, TriggerKind } from "../kinds/trigger.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import { errorText, type Issues } from "../kinds/verdict.ts";
import type { Answer, WireRequest } from "../kinds/wire.ts";
import { type Observation, type Observer, passThrough, type Watcher } from "../observe/observer.ts";
import { idsOf } from "../observe/trace-ids.ts";
import { decide, type Facts } from "./decide.ts";
import { type FailureLog, type FailureRecords, type FailureStoreOptions, failureRecords, type ReadRecord } from "./failures.ts";
import { type AppliedRecord, doneOp, type Guard, guardOf, readRecord, recordOp } from "./idempotency.ts";
import { type Loaded, loadInputs } from "./inputs.ts";
import { SidecarError } from "./sidecar.ts";

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
      at: Date.now(),
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
  let duplicate = false;
  let conflicts = 0;
  const ids = message.ok ? kind.track(d.trigger, message.event) : undefined;
  const { client } = options;
  const records = topicRecords(options);
  const none: ReadRecord = { found: false };
  // The records of this message: `seen` (the original topic: what a dead-letter handler reports)
  // and, for a dead-letter delivery, `own` (this subscription's), read in parallel. Only a dead
  // letter reads the state store, where the replica that gave up wrote why: a message's own
  // retries come from its daprd to this same process, whose memory counts them, so an ordinary
  // delivery costs no sidecar call here (failures are still written, for whoever dead-letters).
  const deadLetter = ids !== undefined && ids.own !== ids.seen;
  let seenRecord = none;
  let ownRecord: ReadRecord | undefined;
  if (deadLetter) {
    [seenRecord, ownRecord] = await Promise.all([
      records.read(ids.seen, observation.context.headers),
      records.read(ids.own, observation.context.headers, true),
    ]);
  } else if (ids) {
    const read = records.read(ids.seen, observation.context.headers, true);
    seenRecord = pending(read) ? await read : read;
  }
  const own = ownRecord ?? seenRecord;
  const guard = message.ok ? guardOf(d, messageIdOf(message.event), client) : undefined;

  if (!message.ok) facts.refused = message;
  else {
    // validate (with what earlier attempts at this message left behind, for the handler to see)
    const failure = seenRecord.record;
    const checked = validate(d.handler, failure ? ({ ...message.event, failure } as BaseEvent) : message.event);
    const validated = pending(checked) ? await checked : checked;
    if (validated.ok) event = validated.event;
    else facts.issues = issues = validated.issues;
  }

  let inputs: Inputs | undefined;
  try {
    inputs = event && d.handler.inputs ? d.handler.inputs(event as never) : undefined;
  } catch (thrown) {
    facts.thrown = thrown; // `inputs(event)` is the handler's code too
    event = undefined;
  }
  // A message applied before is not handled again. Checked before inputs are loaded, so a
  // redelivery does not call other apps again; without inputs, once `handle` (pure) returned effects.
  const applied = async () => (guard && client ? ((await readRecord(guard, client, observation)) ?? false) : false);
  try {
    if (event && inputs) {
      const record = await applied();
      if (record) {
        duplicate = true;
        facts.effects = [];
        facts.failed = await finishRecord(record, guard, observation, options);
        event = undefined; // handled before: skip the rest
      }
    }
  } catch (error) {
    facts.input = { fault: "unavailable", reason: `applied-record of ${guard?.key}: ${errorText(error)}` };
    event = undefined;
  }

  // load inputs → handle → execute, again while a concurrent write changed what was read.
  for (let attempt = 1; event; attempt++) {
    // load inputs
    let values: Record<string, unknown> = {};
    if (inputs) {
      let loaded: Loaded;
      try {
        loaded = await loadInputs(inputs, client, observation);
      } catch (error) {
        if (!(error instanceof UnsafeValue)) throw error;
        facts.unsafe = { reason: error.message };
        break;
      }
      if (!loaded.ok) {
        facts.input = loaded;
        break;
      }
      values = loaded.values;
    }
    // handle
    try {
      const handled = d.handler.handle(event as never, values) as unknown;
      const returned = pending(handled) ? await handled : handled;
      const effects = toEffects(returned);
      if (effects) facts.effects = effects;
      else facts.thrown = new TypeError(`handle returned ${JSON.stringify(returned)}: return an effect, a list of effects, or nothing`);
    } catch (thrown) {
      facts.thrown = thrown;
    }
    if (!facts.effects) break;
    const calls = facts.effects.filter((e) => effectKindOf(e).sidecar);
    if (!calls.length) break; // nothing to carry out
    const unsafe = unsafeEffect(calls);
    if (unsafe) {
      facts.unsafe = { reason: unsafe };
      break;
    }
    // execute: state writes first, one transaction per store (with the applied-record), then the rest.
    // A message the handler retries or drops is not "applied": its redelivery must be handled again.
    const applies = !facts.effects.some((e) => e.kind === "retry" || e.kind === "drop");
    // A message applied before is found by its record, read before anything is written (with
    // inputs, it was read before they were loaded). Not left to the record's first-write in the
    // delivery's transaction: state.redis does not enforce first-write without an ETag (pinned in
    // handlers/payments.e2e.test.ts), and writes to other stores would land first.
    if (guard && !inputs) {
      const record = await applied().catch(() => false as const);
      if (record) {
        duplicate = true;
        facts.failed = await finishRecord(record, guard, observation, options);
        break;
      }
    }
    const failed = await execute(plan(calls, applies ? guard : undefined), observation, options.execute);
    if (failed && isConflict(failed.error)) {
      conflicts = attempt;
      if (attempt < conflictAttempts) {
        // Someone else wrote what this delivery read: read again and decide again.
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
        facts.effects = undefined;
        continue;
      }
      facts.conflict = { attempts: attempt, reason: errorText(failed.error) };
      break;
    }
    facts.failed = failed;
    break;
  }

  // decide
  const verdict = decide(facts);
  const attempt = ids && ids.own === ids.seen ? (own.record?.attempts ?? 0) + 1 : undefined;
  if (ids) {
    // Written before the answer: daprd dead-letters (or retries) only once it has it.
    if (verdict.status === "SUCCESS") {
      const forgot = records.forget(ids.own, own, observation.context.headers);
      if (pending(forgot)) await forgot;
      // a dead-letter handler has now dealt with the original failure
      if (ids.seen !== ids.own) await records.forget(ids.seen, seenRecord, observation.context.headers);
    } else await records.fail(ids.own, verdict.reason ?? verdict.status, own, observation.context.headers);
  }
  // Built field by field: only what is known is set (a spread per field was a measurable cost per delivery).
  const outcome: Outcome = { verdict, effects: facts.effects ? [...facts.effects] : [] };
  if (issues) outcome.issues = issues;
  if (event) outcome.event = event;
  if (facts.failed) outcome.failedEffect = facts.failed.effect;
  if (attempt) outcome.attempt = attempt;
  if (duplicate) outcome.duplicate = duplicate;
  if (conflicts) outcome.conflicts = conflicts;
  const correlationId = idsOf(observation.context.headers.traceparent)?.traceId;
  if (correlationId) outcome.correlationId = correlationId;
  return outcome;
}

/** How often a delivery whose writes met a concurrent change is read, handled and written again. */
const conflictAttempts = Number(process.env.DAPRLET_CONFLICT_ATTEMPTS ?? 10);

/**
 * Whether a step went asynchronous. Only then is it awaited: the common delivery (a synchronous
 * schema and `handle`, no failure record to fetch) then costs no turn of the microtask queue per step.
 */
const pending = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> => typeof (value as { then?: unknown } | null)?.then === "function";

/** Nothing remembered: a lone `deliver` without a log (as `runHandler` calls it) sees every message fresh. */
const forgetful: FailureRecords = {
  read: () => ({ found: false }),
  fail: async (_, reason) => ({ reason, attempts: 1 }),
  forget: () => {},
};

/** The failure records a delivery uses: the app's, or made from the options. */
function topicRecords(options: DeliverOptions): FailureRecords {
  if (options.failureRecords) return options.failureRecords;
  return options.failures ? failureRecords(options.failures, options.client, options.failureStore) : forgetful;
}

/** daprd's answers to a write that met a concurrent change: 409 for one key, 500 "etag mismatch" inside a transaction. */
const isConflict = (error: unknown) =>
  error instanceof SidecarError &&
  (error.status === 409 || (error.status === 500 && error.errorCode === "ERR_STATE_TRANSACTION" && /etag mismatch/i.test(error.message)));

/**
 * The order effects run in: every state write of the delivery first, grouped into one transaction
 * per store (a single write stays a plain save, which every store supports), with the applied-record
 * in its store's group; then publishes, bindings and calls in the order returned. With a guard,
 * those last wait in the record and run once it is committed; publishes get deterministic
 * CloudEvent ids (message id + position) so downstream handlers can deduplicate a resend.
 */
function plan(calls: Effect[], guard: Guard | undefined): Effect[] {
  const writes = new Map<string, (SaveState | DeleteState)[]>();
  const rest: Effect[] = [];
  const add = (op: SaveState | DeleteState) => writes.set(op.store, [...(writes.get(op.store) ?? []), op]);
  calls.forEach((effect, index) => {
    if (effect.kind === "saveState" || effect.kind === "deleteState") add(effect);
    else if (effect.kind === "transaction") for (const op of effect.operations) add({ ...op, store: effect.store });
    else rest.push(guard && effect.kind === "publish" ? withId(effect, `${guard.messageId}-${index}`) : effect);
  });
  if (guard) add(recordOp(guard, rest));
  const steps: Effect[] = [...writes].map(([store, ops]) => (ops.length === 1 ? ops[0] : transaction(store, ops)));
  if (guard && rest.length) return [...steps, ...rest, doneOp(guard)];
  return [...steps, ...rest];
}

const withId = (effect: Publish, id: string): Publish =>
  effect.metadata?.["cloudevent.id"] ? effect : { ...effect, metadata: { ...effect.metadata, "cloudevent.id": id } };

/** A redelivered message whose record is pending: carry out what it still owes, then mark it done. */
async function finishRecord(record: AppliedRecord, guard: Guard | undefined, observation: Observation, options: DeliverOptions) {
  if (!guard || !record.pending?.length) return undefined;
  return execute([...record.pending, doneOp(guard)], observation, options.execute);
}

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

async function execute(effects: readonly Effect[], observation: Observation, executor: Executor): Promise<Facts["failed"]> {
  for (const [index, effect] of effects.entries()) {
    const sidecar = effectKindOf(effect).sidecar;
    if (!sidecar) continue;
    try {
      if (observation.child) {
        const shape = sidecar.span(effect);
        const attributes = { ...shape.attributes, "daprlet.effect.kind": effect.kind, "daprlet.effect.index": index };
        await observation.child({ ...shape, attributes }, (headers) => executor(effect, { headers }));
      } else await executor(effect, observation.context);
    } catch (error) {
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
