// Longer than most (≈410 lines): the offline kit builds daprd-shaped histories for every step kind and replays them through one executor; history building and running stay together.
// The workflow testing kit: runs a workflow offline through the SDK's own OrchestrationExecutor
// (the engine the worker uses against daprd), fed with histories built here the way daprd builds
// them. Activities and events are scripted; time is virtual: a timer moves the clock to its
// fire time at once, so a 30-minute timeout costs nothing. The same executor replays recorded
// histories, and fails on non-determinism.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Handler } from "../define.ts";
import { describeHandler } from "../descriptor.ts";
import type { SidecarClient } from "../kinds/input.ts";
import { createSidecarExecutor } from "../serve/sidecar.ts";
import type { Step, Workflow } from "../workflow/define.ts";
import { type DriveHooks, orchestratorOf, versionActivity } from "../workflow/drive.ts";
import { activityRunner, withRecordedOutput } from "../workflow/worker.ts";

const require = createRequire(import.meta.url);
// Deep imports: @dapr/dapr has no `exports` map, and the executor is not part of its public API
// (pinned by the lock; the replay tests fail loudly if it moves).
const sdk = "@dapr/dapr/workflow";
const { OrchestrationExecutor } = require(
  `${sdk}/internal/durabletask/worker/orchestration-executor.js`,
) as typeof import("@dapr/dapr/workflow/internal/durabletask/worker/orchestration-executor.js");
const { Registry } = require(
  `${sdk}/internal/durabletask/worker/registry.js`,
) as typeof import("@dapr/dapr/workflow/internal/durabletask/worker/registry.js");
const ph = require(
  `${sdk}/internal/durabletask/utils/pb-helper.util.js`,
) as typeof import("@dapr/dapr/workflow/internal/durabletask/utils/pb-helper.util.js");
const pb = require(
  `${sdk}/internal/durabletask/proto/orchestrator_service_pb.js`,
) as typeof import("@dapr/dapr/workflow/internal/durabletask/proto/orchestrator_service_pb.js");
const { default: SdkWorkflowContext } = require(
  `${sdk}/runtime/WorkflowContext.js`,
) as typeof import("@dapr/dapr/workflow/runtime/WorkflowContext.js");

export type HistoryEvent = InstanceType<typeof pb.HistoryEvent>;
type Action = InstanceType<typeof pb.OrchestratorAction>;

/** One scripted activity: return its output, or throw (`ActivityDropped` for a final failure). */
export type ActivityScript = (input: unknown, call: { attempt: number; instanceId: string; taskId: number }) => unknown;

export interface WorkflowScript {
  instanceId?: string;
  /** The virtual clock's start. Default 2026-01-01T00:00:00Z. */
  startAt?: Date;
  /** By activity name. An activity without a script fails the run with a message naming it. */
  activities?: Record<string, ActivityScript>;
  /** Raised at `afterSeconds` of virtual time (default 0: at once, buffered until waited for). */
  events?: { name: string; data?: unknown; afterSeconds?: number }[];
  /** Child workflows, by name, run in the kit with the same script. */
  children?: Record<string, Workflow>;
  /** Stop after this many orchestrator turns (a workflow that loops for ever). Default 1,000. */
  maxTurns?: number;
}

export interface WorkflowRun {
  /** RUNNING: it waits for something the script never provides (an event, an activity that never answers). */
  status: "COMPLETED" | "FAILED" | "RUNNING";
  output?: unknown;
  failure?: { type: string; message: string };
  /** The steps the workflow yielded, in order (each run's, for continue-as-new). */
  steps: Step[];
  /** Every activity call the engine made, retries included, with the virtual time it was made at. */
  calls: { name: string; input: unknown; attempt: number; atSeconds: number }[];
  /** Virtual seconds from start to the end of the run. */
  elapsedSeconds: number;
  /** The last run's history, as daprd would hold it: replay it with `replayHistory`. */
  history: HistoryEvent[];
}

const statusName = (status: number) => ph.getOrchestrationStatusStr(status);
const quiet = { info() {}, debug() {}, warn() {}, error() {} };

/** The SDK's executor over one workflow, with the interpreter's hooks and without its log lines. */
function executorFor(name: string, workflow: Workflow, hooks: DriveHooks, children: Record<string, Workflow> = {}) {
  const registry = new Registry();
  const register = (n: string, w: Workflow, h: DriveHooks) => {
    const orchestrate = orchestratorOf(n, w, h);
    // The same wrapping as WorkflowRuntime.registerWorkflowWithName: our interpreter sees the public context.
    registry.addNamedOrchestrator(n, (ctx, input) => orchestrate(new SdkWorkflowContext(ctx), input) as never);
  };
  register(name, workflow, hooks);
  for (const [n, w] of Object.entries(children)) if (n !== name) register(n, w, {});
  const executor = new OrchestrationExecutor(registry);
  Object.assign(executor, { logger: quiet });
  return executor;
}

/**
 * Runs a workflow to its end (or until it waits for something the script does not provide),
 * offline, in virtual time.
 * @example const run = await runWorkflow("OrderWorkflow", OrderWorkflow, order, { activities: { validateUser: () => ({ ok: true }) } })
 */
export async function runWorkflow(name: string, workflow: Workflow, input: unknown, script: WorkflowScript = {}): Promise<WorkflowRun> {
  const instanceId = script.instanceId ?? "test-instance";
  const start = script.startAt ?? new Date("2026-01-01T00:00:00Z");
  const attempts = new Map<string, number>();
  const calls: WorkflowRun["calls"] = [];
  const events = (script.events ?? []).map((e) => ({ ...e, at: start.getTime() + (e.afterSeconds ?? 0) * 1000, sent: false }));
  const finishedSteps: Step[] = [];
  let steps: Step[] = [];
  const executor = () => executorFor(name, workflow, { onStep: (s) => steps.push(s) }, script.children);

  let clock = start.getTime();
  let history: HistoryEvent[] = [];
  let inputs: HistoryEvent[] = [ph.newExecutionStartedEvent(name, instanceId, JSON.stringify(input))];
  const ready: HistoryEvent[] = [];
  let timers: { id: number; fireAt: number }[] = [];
  const ended = (run: Omit<WorkflowRun, "steps" | "calls" | "elapsedSeconds" | "history">): WorkflowRun => ({
    ...run,
    steps: [...finishedSteps, ...steps],
    calls,
    elapsedSeconds: (clock - start.getTime()) / 1000,
    history,
  });

  for (let turn = 0; turn < (script.maxTurns ?? 1000); turn++) {
    const turnEvents = [ph.newOrchestratorStartedEvent(new Date(clock)), ...inputs];
    steps = [];
    const { actions } = await executor().execute(instanceId, history, turnEvents);
    history = [...history, ...turnEvents];
    for (const action of actions as Action[]) {
      const id = action.getId();
      const task = action.getScheduletask();
      const timer = action.getCreatetimer();
      const child = action.getCreatesuborchestration();
      const done = action.getCompleteorchestration();
      if (task) {
        const taskInput = task.getInput()?.getValue();
        history.push(stamped(ph.newTaskScheduledEvent(id, task.getName(), taskInput), clock));
        ready.push(stamped(await runActivity(task.getName(), taskInput, id), clock));
      } else if (timer) {
        const fireAt = timer.getFireat()?.toDate() ?? new Date(clock);
        history.push(stamped(ph.newTimerCreatedEvent(id, fireAt), clock));
        timers.push({ id, fireAt: fireAt.getTime() });
      } else if (child) {
        const childName = child.getName();
        const childInput = child.getInput()?.getValue();
        history.push(stamped(ph.newSubOrchestrationCreatedEvent(id, childName, child.getInstanceid(), childInput), clock));
        ready.push(stamped(await runChild(childName, child.getInstanceid(), childInput, id), clock));
      } else if (done) {
        const status = done.getOrchestrationstatus();
        history.push(stamped(completedEvent(id, done), clock));
        const result = done.getResult()?.getValue();
        if (status === pb.OrchestrationStatus.ORCHESTRATION_STATUS_CONTINUED_AS_NEW) {
          // A new run: fresh history, the new input, the events it carried over.
          finishedSteps.push(...steps);
          steps = [];
          history = [];
          timers = [];
          ready.length = 0;
          inputs = [ph.newExecutionStartedEvent(name, instanceId, result), ...done.getCarryovereventsList()];
          break;
        }
        const failure = done.getFailuredetails();
        return ended({
          status: statusName(status) === "COMPLETED" ? "COMPLETED" : "FAILED",
          ...(result ? { output: JSON.parse(result) } : {}),
          ...(failure ? { failure: { type: failure.getErrortype(), message: failure.getErrormessage() } } : {}),
        });
      }
    }
    if (history.length === 0) continue; // continued as new
    // The next turn: what is ready now, else the clock jumps to the next timer or event.
    const next = Math.min(...timers.map((t) => t.fireAt), ...events.filter((e) => !e.sent).map((e) => e.at));
    if (!ready.length) {
      if (!Number.isFinite(next)) return ended({ status: "RUNNING" });
      clock = Math.max(clock, next);
    }
    inputs = ready.splice(0);
    for (const e of events.filter((e) => !e.sent && e.at <= clock)) {
      e.sent = true;
      inputs.push(stamped(ph.newEventRaisedEvent(e.name, e.data === undefined ? undefined : JSON.stringify(e.data)), clock));
    }
    for (const t of timers.filter((t) => t.fireAt <= clock)) inputs.push(stamped(ph.newTimerFiredEvent(t.id, new Date(t.fireAt)), clock));
    timers = timers.filter((t) => t.fireAt > clock);
  }
  throw new Error(`workflow ${name} ran ${script.maxTurns ?? 1000} turns without ending: does it loop for ever?`);

  async function runActivity(activity: string, encoded: string | undefined, taskId: number): Promise<HistoryEvent> {
    const value = encoded ? JSON.parse(encoded) : undefined;
    if (activity === versionActivity) return ph.newTaskCompletedEvent(taskId, encoded);
    const attempt = (attempts.get(activity) ?? 0) + 1;
    attempts.set(activity, attempt);
    calls.push({ name: activity, input: value, attempt, atSeconds: (clock - start.getTime()) / 1000 });
    const run = script.activities?.[activity];
    try {
      if (!run) throw new Error(`no script for activity ${activity}: add activities.${activity} to the script`);
      const output = await run(value, { attempt, instanceId, taskId });
      return ph.newTaskCompletedEvent(taskId, output === undefined ? undefined : JSON.stringify(output));
    } catch (error) {
      return ph.newTaskFailedEvent(taskId, error instanceof Error ? error : new Error(String(error)));
    }
  }

  async function runChild(childName: string, childId: string, encoded: string | undefined, taskId: number): Promise<HistoryEvent> {
    const child = script.children?.[childName];
    if (!child)
      return ph.newSubOrchestrationFailedEvent(
        taskId,
        new Error(`no child workflow ${childName}: add children.${childName} to the script`),
      );
    const run = await runWorkflow(childName, child, encoded ? JSON.parse(encoded) : undefined, {
      ...script,
      instanceId: childId,
      startAt: new Date(clock),
    });
    if (run.status === "COMPLETED")
      return ph.newSubOrchestrationCompletedEvent(taskId, run.output === undefined ? undefined : JSON.stringify(run.output));
    return ph.newSubOrchestrationFailedEvent(taskId, new Error(run.failure?.message ?? `child ${childName} is ${run.status}`));
  }
}

const stamped = (event: HistoryEvent, at: number) => {
  event.getTimestamp()?.fromDate(new Date(at));
  return event;
};

function completedEvent(id: number, done: NonNullable<ReturnType<Action["getCompleteorchestration"]>>): HistoryEvent {
  const completed = new pb.ExecutionCompletedEvent();
  completed.setOrchestrationstatus(done.getOrchestrationstatus());
  completed.setResult(done.getResult());
  completed.setFailuredetails(done.getFailuredetails());
  const event = new pb.HistoryEvent();
  event.setEventid(id);
  event.setTimestamp(ph.newTimestamp(new Date()));
  event.setExecutioncompleted(completed);
  return event;
}

/** A history as a file keeps it: each event's protobuf bytes (base64), with a readable line beside it. */
export interface Recording {
  workflow: string;
  instanceId: string;
  /** Where it came from: "daprd 1.18.2" or "runWorkflow". */
  source: string;
  events: { type: string; summary: string; base64: string }[];
}

const typeNames = Object.fromEntries(Object.entries(pb.HistoryEvent.EventtypeCase).map(([k, v]) => [v, k.toLowerCase()]));

/** One line per event: `taskscheduled #2 reserveInventory`. */
export function describeEvent(event: HistoryEvent): string {
  const type = typeNames[event.getEventtypeCase()] ?? `type-${event.getEventtypeCase()}`;
  const name =
    event.getTaskscheduled()?.getName() ??
    event.getExecutionstarted()?.getName() ??
    event.getEventraised()?.getName() ??
    event.getSuborchestrationinstancecreated()?.getName() ??
    "";
  const ref =
    event.getTaskcompleted()?.getTaskscheduledid() ??
    event.getTaskfailed()?.getTaskscheduledid() ??
    event.getTimerfired()?.getTimerid() ??
    event.getSuborchestrationinstancecompleted()?.getTaskscheduledid();
  const status = event.getExecutioncompleted()
    ? ph.getOrchestrationStatusStr(event.getExecutioncompleted()?.getOrchestrationstatus() ?? 0)
    : "";
  return [type, event.getEventid() >= 0 ? `#${event.getEventid()}` : "", ref !== undefined ? `→#${ref}` : "", name, status]
    .filter(Boolean)
    .join(" ");
}

export function toRecording(workflow: string, instanceId: string, source: string, events: HistoryEvent[]): Recording {
  return {
    workflow,
    instanceId,
    source,
    events: events.map((e) => ({
      type: typeNames[e.getEventtypeCase()] ?? String(e.getEventtypeCase()),
      summary: describeEvent(e),
      base64: Buffer.from(e.serializeBinary()).toString("base64"),
    })),
  };
}

export const eventsOf = (recording: Recording): HistoryEvent[] =>
  recording.events.map((e) => pb.HistoryEvent.deserializeBinary(Buffer.from(e.base64, "base64")));

export const readWorkflowRecording = (path: string): Recording => JSON.parse(readFileSync(path, "utf8")) as Recording;

const EventCase = pb.HistoryEvent.EventtypeCase;
/** Events the orchestrator's own actions wrote, as opposed to what it was told. */
const produced = new Set<number>([
  EventCase.TASKSCHEDULED,
  EventCase.TIMERCREATED,
  EventCase.SUBORCHESTRATIONINSTANCECREATED,
  EventCase.EXECUTIONCOMPLETED,
  EventCase.EVENTSENT,
]);

/**
 * Replays a history against the current code and throws when the code would not make the same
 * decisions: a different activity, timer or child at some step (the SDK's NonDeterminismError), or
 * a different last turn (actions, completion status or output).
 */
export async function replayHistory(
  name: string,
  workflow: Workflow,
  history: HistoryEvent[] | Recording,
  children: Record<string, Workflow> = {},
) {
  const events = Array.isArray(history) ? history : eventsOf(history);
  const instanceId =
    events
      .find((e) => e.getExecutionstarted())
      ?.getExecutionstarted()
      ?.getOrchestrationinstance()
      ?.getInstanceid() || "replay";
  const last = events.findLastIndex((e) => e.getOrchestratorstarted());
  if (last < 0) throw new Error("replayHistory: the history has no orchestratorStarted event: is it a workflow history?");
  const older = events.slice(0, last);
  const told = events.slice(last).filter((e) => !produced.has(e.getEventtypeCase()));
  const wrote = events.slice(last).filter((e) => produced.has(e.getEventtypeCase()));
  const { actions } = await executorFor(name, workflow, {}, children).execute(instanceId, older, told);
  const expected = wrote.map(describeEvent);
  const got = (actions as Action[]).map(describeAction);
  const failed = (actions as Action[]).map((a) => a.getCompleteorchestration()?.getFailuredetails()).find(Boolean);
  const same = expected.length === got.length && expected.every((e, i) => e === got[i]);
  const completedWith = wrote.map((e) => e.getExecutioncompleted()?.getResult()?.getValue()).find((r) => r !== undefined);
  const nowWith = (actions as Action[]).map((a) => a.getCompleteorchestration()?.getResult()?.getValue()).find((r) => r !== undefined);
  if (!same || completedWith !== nowWith)
    throw new Error(
      `workflow ${name} does not replay its history${failed ? ` (${failed.getErrortype()}: ${failed.getErrormessage()})` : ""}:\n` +
        `  the history's last turn: ${expected.join("; ") || "nothing"}${completedWith ? ` → ${completedWith}` : ""}\n` +
        `  the code now:            ${got.join("; ") || "nothing"}${nowWith ? ` → ${nowWith}` : ""}\n` +
        "  keep the old code as a named version (`versions`) while instances started under it run",
    );
}

/** An action in the words of the event it writes, so the two compare. */
function describeAction(action: Action): string {
  const id = `#${action.getId()}`;
  const task = action.getScheduletask();
  if (task) return `taskscheduled ${id} ${task.getName()}`;
  if (action.getCreatetimer()) return `timercreated ${id}`;
  const child = action.getCreatesuborchestration();
  if (child) return `suborchestrationinstancecreated ${id} ${child.getName()}`;
  const done = action.getCompleteorchestration();
  if (done) return `executioncompleted ${id} ${ph.getOrchestrationStatusStr(done.getOrchestrationstatus())}`;
  return `action ${id}`;
}

/**
 * Runs an activity handler as the workflow worker does: through the pipeline, its effects carried
 * out through `client` (a fake sidecar's) before it completes. Resolves with its output; rejects
 * with `ActivityDropped` (DROP) or `ActivityFailed` (RETRY). The same `instanceId` and `taskId`
 * again is daprd redelivering that call: its applied-record stops it from applying twice.
 */
export function runActivity(handler: Handler, input: unknown, o: { client?: SidecarClient; instanceId?: string; taskId?: number } = {}) {
  const run = activityRunner(withRecordedOutput(describeHandler("activity", handler)), {
    client: o.client,
    execute: o.client ? createSidecarExecutor(o.client) : async () => {},
  });
  return run(o.instanceId ?? "test-instance", o.taskId ?? 2, input);
}

/**
 * An instance's history, read from daprd 1.18's `TaskHubSidecarService/GetInstanceHistory` (gRPC).
 * The SDK's proto lacks that method (js-sdk's fork predates it), so the request and the response
 * are framed here: `{ string instanceId = 1 }` → `{ repeated HistoryEvent events = 1 }`.
 */
export async function fetchHistory(grpcAddress: string, instanceId: string, apiToken?: string): Promise<HistoryEvent[]> {
  const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const client = new grpc.Client(grpcAddress, grpc.credentials.createInsecure());
  const id = Buffer.from(instanceId);
  const request = Buffer.concat([Buffer.from([0x0a]), varint(id.length), id]);
  const metadata = new grpc.Metadata();
  if (apiToken) metadata.set("dapr-api-token", apiToken);
  try {
    const bytes = await new Promise<Buffer>((done, fail) =>
      client.makeUnaryRequest(
        "/TaskHubSidecarService/GetInstanceHistory",
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        metadata,
        (error, value) => (error || !value ? fail(error ?? new Error("no answer")) : done(value)),
      ),
    );
    const events: HistoryEvent[] = [];
    for (let at = 0; at < bytes.length; ) {
      const [key, afterKey] = readVarint(bytes, at);
      const [length, start] = readVarint(bytes, afterKey);
      if (key === 0x0a) events.push(pb.HistoryEvent.deserializeBinary(bytes.subarray(start, start + length)));
      at = start + length;
    }
    return events;
  } finally {
    client.close();
  }
}

const varint = (n: number) => {
  const out: number[] = [];
  for (let v = n; ; v >>>= 7) {
    if (v < 0x80) {
      out.push(v);
      return Buffer.from(out);
    }
    out.push((v & 0x7f) | 0x80);
  }
};
function readVarint(bytes: Buffer, at: number): [number, number] {
  let value = 0;
  for (let shift = 0, i = at; ; shift += 7, i++) {
    value += (bytes[i] & 0x7f) * 2 ** shift;
    if (bytes[i] < 0x80) return [value, i + 1];
  }
}
