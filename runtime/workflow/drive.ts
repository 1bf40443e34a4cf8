// Longer than most (≈300 lines): the interpreter is one recursive walk over every step kind (activity, timer, event, child, all, any, continue-as-new, compensation), which share its retry and compensation state.
// The interpreter: our steps → the SDK's durable tasks, so daprd's history is the SDK's own and
// its OrchestrationExecutor replays it. Retries (durable timers between calls), event timeouts
// (an event raced against a timer), fan-out and compensation are all built here from the four
// primitives every Dapr SDK has, and so replay like any other orchestrator code. Pure: the SDK
// context is passed in (typed structurally below), nothing is imported from @dapr/dapr.
import { safeParse } from "valibot";
import { summarizeIssues } from "../kinds/verdict.ts";
import {
  ActivityError,
  type ActivityFailure,
  type CallActivity,
  type RetryPolicy,
  type Step,
  type Workflow,
  WorkflowCancelled,
  type WorkflowContext,
} from "./define.ts";

/** The parts of @dapr/dapr's `WorkflowContext` the interpreter uses. */
export interface SdkTask {
  readonly isComplete: boolean;
  readonly isFailed: boolean;
  getResult(): unknown;
  getException(): unknown;
}
export interface SdkContext {
  getWorkflowInstanceId(): string;
  getCurrentUtcDateTime(): Date;
  callActivity(name: string, input?: unknown): SdkTask;
  createTimer(fireAt: Date | number): SdkTask;
  waitForExternalEvent(name: string): SdkTask;
  callChildWorkflow(name: string, input?: unknown, instanceId?: string): SdkTask;
  whenAny(tasks: SdkTask[]): SdkTask;
  continueAsNew(input: unknown, saveEvents: boolean): void;
}

/**
 * The activity every instance calls first: it answers its input, the version of the code that
 * started the instance, and its result stays in the history, so a replay knows which code to run.
 */
export const versionActivity = "daprlet.version";
export const defaultVersion = "1";

export interface DriveHooks {
  /** Hears every step the workflow yields (on each replay too): the testing kit lists them. */
  onStep?(step: Step): void;
}

/** The SDK orchestrator (an async generator, as the SDK's executor requires) running `workflow`. */
export function orchestratorOf(name: string, workflow: Workflow, hooks: DriveHooks = {}) {
  return async function* orchestrate(sdk: SdkContext, input: unknown) {
    return yield* drive(name, sdk, workflow, input, hooks);
  };
}

type Sent = { ok: true; value: unknown } | { ok: false; error: unknown };

/** One instance's run: the SDK, the compensations owed, and its cancel event while it can still cancel. */
interface Run {
  sdk: SdkContext;
  compensations: CallActivity[];
  cancel?: { event: string; task: SdkTask; fired: boolean };
  /** Compensations are not interrupted by a cancellation. */
  shielded: number;
}

function* drive(name: string, sdk: SdkContext, workflow: Workflow, raw: unknown, hooks: DriveHooks): Generator<SdkTask, unknown, unknown> {
  const current = workflow.version ?? defaultVersion;
  const version = String(yield sdk.callActivity(versionActivity, current));
  const code = version === current ? workflow.run : workflow.versions?.[version];
  if (!code)
    throw new Error(
      `workflow ${name}: this instance was started under version "${version}", which the code no longer has: keep it in \`versions\` until no instance runs it`,
    );
  const parsed = safeParse(workflow.input, raw);
  if (!parsed.success) throw new TypeError(`workflow ${name}: input fails its schema: ${summarizeIssues(parsed.issues).join("; ")}`);
  const ctx: WorkflowContext = { instanceId: sdk.getWorkflowInstanceId(), now: () => sdk.getCurrentUtcDateTime(), version };
  const run: Run = { sdk, compensations: [], shielded: 0 };
  if (workflow.cancelEvent)
    run.cancel = { event: workflow.cancelEvent, task: sdk.waitForExternalEvent(workflow.cancelEvent), fired: false };
  const steps = code(ctx, parsed.output);
  let sent: Sent = { ok: true, value: undefined };
  for (;;) {
    let next: IteratorResult<Step, unknown>;
    try {
      const resume: Sent = sent;
      next = deterministically(
        name,
        (): IteratorResult<Step, unknown> => (resume.ok ? steps.next(resume.value) : steps.throw(resume.error)),
      );
    } catch (error) {
      // The workflow gave up (or did not catch its cancellation): undo what it did, newest first, then fail the instance.
      yield* onSdk(run, runCompensations(run, run.compensations));
      throw error;
    }
    if (next.done) {
      const output = safeParse(workflow.output, next.value);
      if (!output.success) throw new TypeError(`workflow ${name}: output fails its schema: ${summarizeIssues(output.issues).join("; ")}`);
      return output.output;
    }
    const step: Step = next.value;
    hooks.onStep?.(step);
    if (step.kind === "continueAsNew") {
      // Events raised but not yet received carry over to the new run.
      sdk.continueAsNew(step.input, true);
      return undefined;
    }
    try {
      sent = { ok: true, value: yield* onSdk(run, perform(run, step)) };
    } catch (error) {
      sent = { ok: false, error };
    }
  }
}

/**
 * What the step interpreters yield: the tasks to wait for, the first to finish sent back. Only
 * here do they become one SDK `whenAny` (with the cancel event while the instance can still be
 * cancelled): the SDK's composite tasks do not tell an enclosing one they finished, so a
 * `whenAny` is never nested in another.
 */
type Wait = Generator<SdkTask[], unknown, SdkTask>;

function* onSdk<R>(run: Run, inner: Generator<SdkTask[], R, SdkTask>): Generator<SdkTask, R, unknown> {
  let next = inner.next();
  while (!next.done) {
    const tasks = next.value;
    const cancel = run.cancel && !run.cancel.fired && !run.shielded ? run.cancel : undefined;
    const winner = (yield run.sdk.whenAny(cancel ? [...tasks, cancel.task] : tasks)) as SdkTask;
    if (cancel && winner === cancel.task) {
      cancel.fired = true;
      next = inner.throw(new WorkflowCancelled(`cancelled by event ${cancel.event}`));
    } else next = inner.next(winner);
  }
  return next.value;
}

/** The first of `tasks` to finish. */
function* race(tasks: SdkTask[]): Generator<SdkTask[], SdkTask, SdkTask> {
  return yield tasks;
}

/** One task's result (or its failure, thrown). */
function* settle(task: SdkTask): Generator<SdkTask[], unknown, SdkTask> {
  return (yield* race([task])).getResult();
}

function* perform(run: Run, step: Step): Wait {
  const { sdk } = run;
  switch (step.kind) {
    case "activity": {
      const value = yield* callWithRetry(run, step);
      if (step.compensate) run.compensations.push(step.compensate);
      return value;
    }
    case "timer":
      yield* settle(sdk.createTimer(step.seconds));
      return undefined;
    case "event": {
      const event = sdk.waitForExternalEvent(step.name);
      if (step.timeoutSeconds === undefined) return { received: true, data: yield* settle(event) };
      // No timeout argument in the SDK: race the event against a durable timer.
      const winner = yield* race([event, sdk.createTimer(step.timeoutSeconds)]);
      return winner === event ? { received: true, data: event.getResult() } : { received: false };
    }
    case "child":
      return yield* settle(sdk.callChildWorkflow(step.workflow, step.input, step.instanceId));
    case "all":
    case "any":
      return yield* parallel(
        step.steps.map((s) => perform(run, s)),
        step.kind,
      );
    case "compensate":
      return yield* runCompensations(run, run.compensations);
    case "continueAsNew":
      throw new TypeError("continueAsNew cannot run inside all() or any(): yield it on its own");
  }
}

/** One activity call, retried by its policy with a durable timer between attempts. */
function* callWithRetry(run: Run, step: CallActivity): Wait {
  const policy = step.retry;
  for (let attempt = 1; ; attempt++) {
    const call = run.sdk.callActivity(step.name, step.input);
    const winner = yield* race([call]);
    if (!winner.isFailed) return winner.getResult();
    const failure = failureOf(step.name, winner.getException(), attempt);
    const final = policy?.final ? policy.final(failure) : failure.type === "ActivityDropped";
    if (!policy || final || attempt >= policy.maxAttempts) throw new ActivityError(failure);
    yield* settle(run.sdk.createTimer(retryDelaySeconds(policy, attempt)));
  }
}

/** The wait after attempt `attempt` (1-based): exponential from `firstRetrySeconds`, capped. */
export const retryDelaySeconds = (policy: RetryPolicy, attempt: number) =>
  Math.min((policy.firstRetrySeconds ?? 1) * (policy.backoff ?? 2) ** (attempt - 1), policy.maxRetrySeconds ?? 60);

function failureOf(activity: string, error: unknown, attempts: number): ActivityFailure {
  // The SDK throws a TaskFailedError whose `details` carry the activity's error class and message.
  const details = (error as { details?: { errorType?: string; message?: string } }).details;
  const message = details?.message ?? (error instanceof Error ? error.message : String(error));
  return { activity, type: details?.errorType ?? "Error", message, attempts };
}

/** The compensations owed, newest first, each with its retry; a cancellation does not interrupt them. */
function* runCompensations(run: Run, compensations: CallActivity[]): Generator<SdkTask[], string[], SdkTask> {
  const ran: string[] = [];
  run.shielded++;
  try {
    for (let step = compensations.pop(); step; step = compensations.pop()) {
      yield* callWithRetry(run, step);
      ran.push(step.name);
    }
  } finally {
    run.shielded--;
  }
  return ran;
}

/**
 * Runs several step interpreters at once: each waits on its own task; the first task to finish
 * (as daprd's history says, so replays agree) moves its interpreter on.
 */
function* parallel(branches: Wait[], mode: "all" | "any"): Wait {
  const results: unknown[] = new Array(branches.length);
  const done: boolean[] = branches.map(() => false);
  const waiting: SdkTask[][] = branches.map(() => []);
  const advance = (i: number, winner?: SdkTask) => {
    const next = winner ? branches[i].next(winner) : branches[i].next();
    if (next.done) {
      done[i] = true;
      results[i] = next.value;
      waiting[i] = [];
    } else waiting[i] = next.value;
  };
  branches.forEach((_, i) => {
    advance(i);
  });
  for (;;) {
    if (mode === "any") {
      const index = done.indexOf(true);
      if (index >= 0) return { index, value: results[index] };
    } else if (done.every(Boolean)) return results;
    // Every branch's tasks in one wait; the winner moves on the branch that waits on it.
    const winner = yield* race(waiting.flat());
    advance(
      waiting.findIndex((tasks) => tasks.includes(winner)),
      winner,
    );
  }
}

/** Thrown when workflow code reads the clock, random numbers or the network itself. */
export class NondeterministicCall extends Error {
  override name = "NondeterministicCall";
}

/**
 * Runs a stretch of workflow code (synchronous: between two yields) with the clock, random
 * numbers, timers and fetch refused, so code that would replay differently fails at once, in the
 * testing kit as on daprd, naming what to use instead. Restored before anything else runs.
 */
export function deterministically<T>(name: string, run: () => T): T {
  const g = globalThis as typeof globalThis & { Date: DateConstructor };
  const saved = {
    Date: g.Date,
    random: Math.random,
    fetch: g.fetch,
    setTimeout: g.setTimeout,
    uuid: g.crypto?.randomUUID,
    perf: performance.now,
  };
  const refuse = (what: string, instead: string) => () => {
    throw new NondeterministicCall(`workflow ${name} called ${what}, which differs on replay: ${instead}`);
  };
  const clock = refuse("the clock", "use ctx.now()");
  const RealDate = saved.Date;
  g.Date = class extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) clock();
      super(...(args as [string]));
    }
    static override now = clock;
  } as unknown as DateConstructor;
  Math.random = refuse("Math.random()", "pass random values in the input or compute them in an activity");
  g.fetch = refuse("fetch()", "do I/O in an activity") as typeof fetch;
  g.setTimeout = refuse("setTimeout()", "yield sleep(seconds)") as unknown as typeof setTimeout;
  if (g.crypto) g.crypto.randomUUID = refuse("crypto.randomUUID()", "derive ids from ctx.instanceId") as typeof crypto.randomUUID;
  performance.now = clock;
  try {
    return run();
  } finally {
    g.Date = saved.Date;
    Math.random = saved.random;
    g.fetch = saved.fetch;
    g.setTimeout = saved.setTimeout;
    if (g.crypto && saved.uuid) g.crypto.randomUUID = saved.uuid;
    performance.now = saved.perf;
  }
}
