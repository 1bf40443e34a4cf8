// The workflow worker: dials daprd's gRPC API (TaskHubSidecarService.GetWorkItems, through
// @dapr/dapr's WorkflowRuntime), runs orchestrators through the interpreter (drive.ts) and each
// activity through the same delivery pipeline as every other trigger. Loaded by wiring.ts only
// when the project has workflows or activities: @dapr/dapr is imported here, lazily, and nowhere
// else on the app's path.
import type { HandlerResult } from "../define.ts";
import type { HandlerDescriptor } from "../descriptor.ts";
import { activityHeaders } from "../kinds/activity.ts";
import { isEffect } from "../kinds/effects.ts";
import type { SidecarClient } from "../kinds/input.ts";
import { saveState } from "../kinds/save-state.ts";
import { stateInputKind, storedValue } from "../kinds/state-input.ts";
import type { WireRequest } from "../kinds/wire.ts";
import { defaultIdempotency } from "../serve/idempotency.ts";
import { type DeliverOptions, deliver } from "../serve/pipeline.ts";
import { ActivityDropped, ActivityFailed, type Workflow } from "./define.ts";
import { orchestratorOf, versionActivity } from "./drive.ts";

export interface WorkerOptions {
  workflows: { name: string; workflow: Workflow }[];
  /** Handlers with an activity trigger, each made by `withRecordedOutput`. */
  activities: HandlerDescriptor[];
  /** What the app's routes deliver with (executor, client, observer, watchers). */
  deliver: DeliverOptions & { client: SidecarClient };
  /** daprd's gRPC API; `dapr run` passes DAPR_GRPC_PORT. */
  daprHost?: string;
  daprGrpcPort?: string;
  apiToken?: string;
}

export interface WorkflowWorker {
  /** Stops taking work items and waits (at most `timeoutMs`) for those in flight. */
  stop(timeoutMs: number): Promise<void>;
}

const utf8 = new TextEncoder();

/** Registers every workflow and activity, waits for daprd, then opens the work-item stream. */
export async function startWorkflowWorker(options: WorkerOptions): Promise<WorkflowWorker> {
  const mod = await import("@dapr/dapr/workflow/runtime/WorkflowRuntime.js");
  // A CommonJS module: Node hands its `exports` over as the default, whose own `default` is the class.
  const WorkflowRuntime = mod.default.default;
  const runtime = new WorkflowRuntime({
    daprHost: options.daprHost ?? "127.0.0.1",
    daprPort: options.daprGrpcPort ?? process.env.DAPR_GRPC_PORT ?? "50001",
    ...(options.apiToken ? { daprApiToken: options.apiToken } : {}),
  });
  for (const { name, workflow } of options.workflows) runtime.registerWorkflowWithName(name, orchestratorOf(name, workflow) as never);
  runtime.registerActivityWithName(versionActivity, (_ctx: unknown, version: unknown) => version as never);
  const inner = (runtime as unknown as { worker: SdkWorker }).worker;
  const traces = keepTraceContexts(inner);
  for (const d of options.activities) {
    if (d.trigger.kind !== "activity") continue;
    const run = activityRunner(d, options.deliver);
    runtime.registerActivityWithName(d.trigger.name, (ctx, input: unknown) => {
      const instanceId = ctx.getWorkflowInstanceId();
      return run(instanceId, ctx.getWorkflowActivityId(), input, traces.get(instanceId)) as never;
    });
  }
  // The SDK gives up for good when its first connection fails (TaskHubGrpcWorker rethrows the
  // first error and only logs it): start it once daprd answers, and start it again if it died.
  await waitForSidecar(options.deliver.client);
  await runtime.start();
  let stopped = false;
  const watchdog = setInterval(() => {
    if (!stopped && !inner._isRunning) {
      console.warn("[daprlet] workflows: the work-item stream to daprd ended; opening it again");
      inner.start().catch(() => {});
    }
  }, 2_000);
  watchdog.unref();
  return {
    stop: (timeoutMs) => {
      stopped = true;
      clearInterval(watchdog);
      return Promise.race([runtime.stop().catch(() => {}), new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
    },
  };
}

/** The SDK's TaskHubGrpcWorker, as far as this module reaches into it. */
interface SdkWorker {
  _isRunning: boolean;
  start(): Promise<void>;
  _executeOrchestrator(req: SdkOrchestratorRequest, stub: unknown): Promise<void>;
}
interface SdkEvent {
  getExecutionstarted(): unknown;
  serializeBinary(): Uint8Array;
}
interface SdkOrchestratorRequest {
  getInstanceid(): string;
  getPasteventsList(): SdkEvent[];
  getNeweventsList(): SdkEvent[];
}

const traceparentIn = /00-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}/;
const tracesKept = 10_000;
/**
 * The trace context each instance was started with, by instance id: daprd 1.18 keeps the
 * starter's `traceparent` in the ExecutionStarted event (`parentTraceContext`), which the SDK's
 * 3.18 proto does not know but keeps as an unknown field, so its bytes still hold it. daprd sends
 * none with an activity work item, so activities take their instance's: their spans and their
 * effects' daprd spans join the trace of the request that started the workflow.
 */
function keepTraceContexts(inner: SdkWorker): Map<string, string> {
  const traces = new Map<string, string>();
  const execute = inner._executeOrchestrator.bind(inner);
  inner._executeOrchestrator = (req, stub) => {
    const started = [...req.getPasteventsList(), ...req.getNeweventsList()].find((e) => e.getExecutionstarted());
    const found = started && traceparentIn.exec(Buffer.from(started.serializeBinary()).toString("latin1"));
    if (found) {
      traces.delete(req.getInstanceid());
      traces.set(req.getInstanceid(), found[0]);
      if (traces.size > tracesKept) traces.delete(traces.keys().next().value as string);
    }
    return execute(req, stub);
  };
  return traces;
}

async function waitForSidecar(client: SidecarClient) {
  for (let i = 0; ; i++) {
    const answered = await client({ api: "state.get", method: "GET", path: "/healthz/outbound", answerAny: true }, { headers: {} }).catch(
      () => undefined,
    );
    if (answered && answered.status < 300) return;
    if (i % 50 === 49) console.warn("[daprlet] workflows: still waiting for daprd to answer /v1.0/healthz/outbound");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * An activity handler whose output (its `reply` body) is written with its effects, under the
 * call's applied-record (one state transaction), so a call daprd redelivers after a crash, which
 * the record stops from applying twice, still completes with the same output. Made once per
 * handler at boot: the app's metrics and the worker share this descriptor.
 */
export function withRecordedOutput(d: HandlerDescriptor): HandlerDescriptor {
  if (d.handler.idempotency === false) return d;
  const { store, ttlSeconds } = { ...defaultIdempotency, ...(d.handler.idempotency || {}) };
  return {
    ...d,
    handler: {
      ...d.handler,
      async handle(event, inputs) {
        const returned = (await d.handler.handle(event, inputs)) as HandlerResult;
        const effects = (Array.isArray(returned) ? returned : returned === undefined ? [] : [returned]).filter(isEffect);
        const reply = effects.find((e) => e.kind === "reply");
        if (!reply) return returned;
        return [
          ...effects,
          saveState(store, outputKey(d, event.id), { output: reply.body }, { metadata: { ttlInSeconds: String(ttlSeconds) } }),
        ];
      },
    },
  };
}

const outputKey = (d: HandlerDescriptor, id: string) => `daprlet-activity-${d.name}-${id}`;

/** One activity call → one delivery of `d` (made by `withRecordedOutput`) through the pipeline. */
export function activityRunner(d: HandlerDescriptor, options: DeliverOptions & { client?: SidecarClient }) {
  const store = (d.handler.idempotency || undefined)?.store ?? defaultIdempotency.store;
  return async (instanceId: string, taskId: number, input: unknown, traceparent?: string) => {
    const req: WireRequest = {
      method: "POST",
      path: d.route,
      headers: {
        "content-type": "application/json",
        [activityHeaders.instanceId]: instanceId,
        [activityHeaders.taskId]: String(taskId),
        ...(traceparent ? { traceparent } : {}),
      },
      body: input === undefined ? new Uint8Array() : utf8.encode(JSON.stringify(input)),
    };
    const { answer, outcomes } = await deliver(d, req, options);
    if (answer.status === 200 && outcomes[0]?.duplicate && options.client)
      return recordedOutput(options.client, store, outputKey(d, `${instanceId}-${taskId}`));
    if (answer.status === 200) return answer.body;
    const reason = (answer.body as { error?: string } | undefined)?.error ?? `status ${answer.status}`;
    throw answer.status === 422 ? new ActivityDropped(reason) : new ActivityFailed(reason);
  };
}

async function recordedOutput(client: SidecarClient, store: string, key: string) {
  const res = await client(stateInputKind.call({ store, key }), { headers: {} });
  const stored = res.body.length ? storedValue(res.body, undefined) : undefined;
  return stored?.ok ? (stored.value as { output?: unknown }).output : undefined;
}
