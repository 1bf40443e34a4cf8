import { daprdPath } from "./daprd-path.ts";
import type { Input, InputKind, InputRead, Later } from "./input.ts";
import { resolveLater } from "./input.ts";
import { workflowSpan } from "./start-workflow.ts";
import { readJson } from "./wire.ts";

/** An instance as daprd reports it; undefined when there is no such instance. */
export interface WorkflowStatus {
  instanceId: string;
  workflow: string;
  /** RUNNING, COMPLETED, FAILED, TERMINATED, SUSPENDED, PENDING, … */
  status: string;
  createdAt?: string;
  lastUpdatedAt?: string;
  input?: unknown;
  /** The instance's output, parsed (daprd's `properties["dapr.workflow.output"]`). */
  output?: unknown;
  /** daprd's `properties`, as sent. */
  properties: Record<string, string>;
}

interface StatusParams {
  instanceId: string;
}

/**
 * Reads an instance's status and output before `handle` runs (undefined: no such instance).
 * @example inputs: ({ params }) => ({ order: workflowStatus(params.id) })
 */
export const workflowStatus = (
  instanceId: Later<string>,
  options: { after?: readonly string[] } = {},
): Input<WorkflowStatus | undefined, StatusParams, "workflowStatus"> => ({
  kind: "workflowStatus",
  params: (earlier) => ({ instanceId: resolveLater(instanceId, earlier) }),
  ...(options.after ? { after: options.after } : {}),
});

const parsed = (text: string | undefined) => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

export const workflowStatusInputKind: InputKind<StatusParams, "workflowStatus"> = {
  kind: "workflowStatus",
  api: "workflows.get",
  describe: (p) => `workflowStatus ${p.instanceId}`,
  // answerAny: an unknown instance is an answer (no instance), not an outage.
  call: (p) => ({
    api: "workflows.get",
    method: "GET",
    path: daprdPath("workflows", "dapr", { instanceId: p.instanceId }),
    answerAny: true,
  }),
  read(p, res): InputRead {
    const answer = readJson(res.body);
    const body = (answer.ok ? answer.value : undefined) as
      | {
          instanceID?: string;
          workflowName?: string;
          runtimeStatus?: string;
          createdAt?: string;
          lastUpdatedAt?: string;
          properties?: Record<string, string>;
          errorCode?: string;
        }
      | undefined;
    // daprd 1.18.2 answers an unknown instance 404 ERR_INSTANCE_ID_NOT_FOUND (pinned in handlers/checkout.e2e.test.ts).
    if (res.status === 404 && body?.errorCode === "ERR_INSTANCE_ID_NOT_FOUND") return { ok: true, value: undefined };
    if (res.status >= 300 || !body?.runtimeStatus)
      return { ok: false, fault: "unavailable", reason: `workflow ${p.instanceId}: daprd answered ${res.status}` };
    const properties = body.properties ?? {};
    return {
      ok: true,
      value: {
        instanceId: body.instanceID ?? p.instanceId,
        workflow: body.workflowName ?? "",
        status: body.runtimeStatus,
        createdAt: body.createdAt,
        lastUpdatedAt: body.lastUpdatedAt,
        input: parsed(properties["dapr.workflow.input"]),
        output: parsed(properties["dapr.workflow.output"]),
        properties,
      } satisfies WorkflowStatus,
    };
  },
  example: { instanceId: "order-1" },
  span: (p) => workflowSpan("get", p.instanceId),
};
