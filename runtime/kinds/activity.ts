import type { Reply } from "./reply.ts";
import type { TriggerKind } from "./trigger.ts";
import { readJson } from "./wire.ts";

export interface ActivityTrigger<N extends string = string> {
  kind: "activity";
  /** The name workflows call it by (`callActivity(name, input)`). */
  name: N;
}

/**
 * A workflow activity: daprd hands it to the app's workflow worker (a gRPC stream, no route), and
 * the worker runs it through the same pipeline as every other trigger. Its output is the body of
 * its `reply` effect; its other effects run before the activity completes. DROP fails it for good
 * (`ActivityDropped`), RETRY fails it for its call's retry policy (`ActivityFailed`).
 * @example activity("reserveInventory")
 */
export function activity<const N extends string>(name: N): ActivityTrigger<N> {
  return { kind: "activity", name };
}

export interface ActivityEvent<D> {
  data: D;
  /** The workflow instance that called it. */
  instanceId: string;
  /** The call's task id in the instance's history: the same on every redelivery of this call. */
  taskId: number;
  /** `<instanceId>-<taskId>`: the call's identity, which keys its applied-record. */
  id: string;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    activity: ActivityEvent<D>;
  }
}

/** Headers the worker puts on the request it builds for the pipeline. */
export const activityHeaders = { instanceId: "dapr-workflow-instance-id", taskId: "dapr-workflow-task-id" } as const;

export const activityKind: TriggerKind<ActivityTrigger> = {
  kind: "activity",
  route: (t) => `activity/${t.name}`,
  // No HTTP route: the worker hands work items to the pipeline, so no route can overlap it.
  serves: () => [],
  describe: (t) => `activity ${t.name}`,
  // Reached through the workflow worker, never over HTTP.
  mount: () => {},
  workItem: true,
  parse(_t, req) {
    const instanceId = req.headers[activityHeaders.instanceId] ?? "";
    const taskId = Number(req.headers[activityHeaders.taskId] ?? 0);
    const base = { instanceId, taskId, id: `${instanceId}-${taskId}` };
    if (req.body.length === 0) return { bulk: false, messages: [{ ok: true, event: { data: undefined, ...base } }] };
    const json = readJson(req.body);
    if (!json.ok) return { bulk: false, messages: [{ ok: false, reason: json.reason, status: 400 }] };
    return { bulk: false, messages: [{ ok: true, event: { data: json.value, ...base } }] };
  },
  /** 200 with the output; 422 (final) or 500 (retryable) with the reason: the worker turns these into the activity's result. */
  answer(_t, { results }) {
    const { verdict, effects } = results[0].outcome;
    if (verdict.status === "SUCCESS") return { status: 200, body: effects.find((e): e is Reply => e.kind === "reply")?.body };
    return { status: verdict.status === "DROP" ? 422 : 500, body: { error: verdict.reason ?? verdict.status } };
  },
  span: (t, _route, _req, event) => {
    const e = event as Partial<ActivityEvent<unknown>> | undefined;
    return {
      name: `activity ${t.name}`,
      kind: "consumer",
      attributes: {
        "dapr.workflow.activity": t.name,
        "dapr.workflow.instance_id": e?.instanceId ?? "",
        "dapr.workflow.task_id": e?.taskId ?? 0,
      },
    };
  },
  answered: (_t, answer) => ({ "dapr.workflow.activity.status": answer.status === 200 ? "completed" : "failed" }),
  claims: (t) => [{ key: `activity ${t.name}`, what: `activity ${t.name}` }],
  needs: () => [],
  track: () => undefined,
  // A redelivered work item (the app died before completing it) carries the same instance and task id: applied once.
  guarded: true,
};
