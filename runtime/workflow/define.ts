// Workflows as data: an orchestrator is a generator that yields steps (plain objects with a
// `kind`), and the runtime turns each step into durable work on daprd (workflow/drive.ts).
// Nothing here imports @dapr/dapr: a handler file that defines a workflow loads no SDK.
import type { GenericSchema, InferInput, InferOutput } from "valibot";

/** How an activity call is retried: on durable timers, so a retry survives restarts. */
export interface RetryPolicy {
  /** Attempts in all, the first included (dapr/dapr#9139 counts the same way). */
  maxAttempts: number;
  /** The wait before the first retry, in seconds. Default 1. */
  firstRetrySeconds?: number;
  /** Each wait is the previous one times this. Default 2. */
  backoff?: number;
  /** No wait is longer than this, in seconds. Default 60. */
  maxRetrySeconds?: number;
  /**
   * Which failures are final (not retried). Default: the activity's own DROP (bad input, an
   * explicit `drop`): the same input would fail again.
   */
  final?(failure: ActivityFailure): boolean;
}

/** Why an activity call failed, as its retry policy and the workflow's `catch` see it. */
export interface ActivityFailure {
  activity: string;
  /** `ActivityDropped` (the handler's DROP: final by default), `ActivityFailed` (RETRY), or the thrown error's class. */
  type: string;
  message: string;
  /** Attempts made, this one included. */
  attempts: number;
}

/** Thrown into the workflow when an activity call failed for good (after its retries). */
export class ActivityError extends Error {
  override name = "ActivityError";
  readonly failure: ActivityFailure;
  constructor(failure: ActivityFailure) {
    super(`activity ${failure.activity} failed after ${failure.attempts} attempt(s): ${failure.message}`);
    this.failure = failure;
  }
}

/** An activity's DROP (bad input, an explicit `drop`): final, the same input fails again. Its class name travels in daprd's failure details. */
export class ActivityDropped extends Error {
  override name = "ActivityDropped";
}
/** An activity's RETRY (a failed effect or read, a throw): retried by the call's policy. */
export class ActivityFailed extends Error {
  override name = "ActivityFailed";
}

/** Thrown into the workflow at its current step when its `cancelEvent` is raised; uncaught, the instance compensates and fails. */
export class WorkflowCancelled extends Error {
  override name = "WorkflowCancelled";
}

export interface CallActivity {
  kind: "activity";
  name: string;
  input?: unknown;
  retry?: RetryPolicy;
  /** Run (in reverse order of completion) by `compensate()` or when the workflow fails, if this call succeeded. */
  compensate?: CallActivity;
}
export interface Sleep {
  kind: "timer";
  seconds: number;
}
export interface WaitForEvent {
  kind: "event";
  name: string;
  /** Give up after this long: the step then yields `{ received: false }`. */
  timeoutSeconds?: number;
}
export interface CallChild {
  kind: "child";
  workflow: string;
  input?: unknown;
  instanceId?: string;
}
export interface All {
  kind: "all";
  steps: Step[];
}
export interface Any {
  kind: "any";
  steps: Step[];
}
export interface ContinueAsNew {
  kind: "continueAsNew";
  input: unknown;
}
export interface Compensate {
  kind: "compensate";
}

/** What a workflow yields. */
export type Step = CallActivity | Sleep | WaitForEvent | CallChild | All | Any | ContinueAsNew | Compensate;

/** An external event, or the timeout that came first. */
export type EventResult<T> = { received: true; data: T } | { received: false };

/**
 * A step that can be delegated to with `yield*`, which types its result:
 * `const user = yield* callActivity<User>("validateUser", input)`. Plain `yield step` works too
 * (the result is then `unknown`). The iterator lives on the prototype, so `toEqual` sees only data.
 */
export type Yieldable<S extends Step, R> = S & { [Symbol.iterator](): Generator<Step, R, unknown> };

const yieldable = {
  *[Symbol.iterator](this: Step): Generator<Step, unknown, unknown> {
    return yield this;
  },
};
const stepOf = <S extends Step, R>(data: S): Yieldable<S, R> => Object.assign(Object.create(yieldable), data);

/** @example yield* callActivity<{ ok: boolean }>("validateUser", { userId }, { retry: { maxAttempts: 3 } }) */
export const callActivity = <R = unknown>(
  name: string,
  input?: unknown,
  options: { retry?: RetryPolicy; compensate?: CallActivity } = {},
): Yieldable<CallActivity, R> =>
  stepOf({
    kind: "activity",
    name,
    ...(input === undefined ? {} : { input }),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.compensate ? { compensate: plain(options.compensate) } : {}),
  });

/** A durable timer: `seconds` of workflow time (virtual in the testing kit). */
export const sleep = (seconds: number): Yieldable<Sleep, undefined> => stepOf({ kind: "timer", seconds });

/** @example const paid = yield* waitForEvent<Payment>("payment-approved", { timeoutSeconds: 60 }); if (!paid.received) … */
export const waitForEvent = <T = unknown>(
  name: string,
  options: { timeoutSeconds?: number } = {},
): Yieldable<WaitForEvent, EventResult<T>> =>
  stepOf({ kind: "event", name, ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }) });

/** A child workflow; its instance id defaults to `<parent>:<sequence>` (the SDK's). */
export const callChild = <R = unknown>(workflow: string, input?: unknown, options: { instanceId?: string } = {}): Yieldable<CallChild, R> =>
  stepOf({ kind: "child", workflow, ...(input === undefined ? {} : { input }), ...options });

type ResultOf<S> = S extends { [Symbol.iterator](): Generator<Step, infer R, unknown> } ? R : unknown;

/** Fan out and gather: every step runs at once (each with its own retries); the results come in order. */
export const all = <const S extends readonly Step[]>(steps: S): Yieldable<All, { -readonly [K in keyof S]: ResultOf<S[K]> }> =>
  stepOf({ kind: "all", steps: steps.map(plain) });

/** The first of several steps to finish: its position and result (the others are left to run out). */
export const any = <const S extends readonly Step[]>(steps: S): Yieldable<Any, { index: number; value: ResultOf<S[number]> }> =>
  stepOf({ kind: "any", steps: steps.map(plain) });

/** Ends this run and starts the workflow again with `input` (history starts over; events received so far are kept). */
export const continueAsNew = (input: unknown): Yieldable<ContinueAsNew, never> => stepOf({ kind: "continueAsNew", input });

/** Runs the compensations of every successful call so far, newest first (each with its own retry); yields their names. */
export const compensate = (): Yieldable<Compensate, string[]> => stepOf({ kind: "compensate" });

// Steps nested in another step are kept as plain data (no iterator), so they print and compare cleanly.
const plain = <S extends Step>(step: S): S => ({ ...step });

/** What the orchestrator sees besides its input. Deterministic: the same on every replay. */
export interface WorkflowContext {
  instanceId: string;
  /** The workflow's clock: the time of the current turn, from daprd's history (never `Date.now()`). */
  now(): Date;
  /** The version this instance runs (see `versions`). */
  version: string;
}

/**
 * What `run` returns. Annotate `run` with it when it returns literals (`*run(ctx, order): Steps<Outcome>`):
 * TypeScript widens a generator's return literals (`"created"` to `string`) otherwise.
 */
export type Steps<O> = Generator<Step, O, unknown>;

// Written as a method's type: parameters are then checked bivariantly, so any concrete workflow is a `Workflow`.
export type Orchestrator<I, O> = { run(ctx: WorkflowContext, input: I): Steps<O> }["run"];

export interface Workflow<IS extends GenericSchema = GenericSchema, OS extends GenericSchema = GenericSchema> {
  kind: "workflow";
  /** Validates the input daprd starts the instance with; a failure fails the instance at once. */
  input: IS;
  /** Validates what `run` returns; a failure fails the instance. */
  output: OS;
  /** The current code: new instances run it. */
  run(ctx: WorkflowContext, input: InferOutput<IS>): Steps<InferInput<OS>>;
  /** The name of the current code (default "1"), recorded in each new instance's history. */
  version?: string;
  /**
   * An external event that cancels an instance: `WorkflowCancelled` is thrown into it at the step
   * it waits on (catch it to compensate and return an output); uncaught, the instance runs its
   * compensations and fails. Compensations already running are not interrupted.
   */
  cancelEvent?: string;
  /** Earlier code still needed by instances started under it, by version name. */
  versions?: Record<string, Orchestrator<InferOutput<IS>, InferInput<OS>>>;
}

/**
 * Returns its argument; it exists for the types (input and output inferred from the schemas).
 * @example export const OrderWorkflow = defineWorkflow({ input: Order, output: Outcome, *run(ctx, order) { … } })
 */
export function defineWorkflow<IS extends GenericSchema, OS extends GenericSchema>(
  workflow: Omit<Workflow<IS, OS>, "kind">,
): Workflow<IS, OS> {
  return { kind: "workflow", ...workflow };
}

export const isWorkflow = (value: unknown): value is Workflow =>
  typeof value === "object" &&
  value !== null &&
  (value as { kind?: unknown }).kind === "workflow" &&
  typeof (value as Workflow).run === "function";
