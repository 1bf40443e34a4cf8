import { checkedValue, daprdPath, query } from "./daprd-path.ts";
import { type EffectKind, json } from "./effect.ts";

export interface StartWorkflow {
  kind: "startWorkflow";
  workflow: string;
  /** Derive it from the event (an order id, a message id), so a redelivery names the same instance. */
  instanceId: string;
  input?: unknown;
}

/** @example startWorkflow("OrderWorkflow", order.orderId, order) */
export const startWorkflow = (workflow: string, instanceId: string, input?: unknown): StartWorkflow => ({
  kind: "startWorkflow",
  workflow,
  instanceId,
  ...(input === undefined ? {} : { input }),
});

/** The CLIENT span of a workflow management call, with the instance id on it. */
export const workflowSpan = (operation: string, instanceId: string, workflow?: string) => ({
  name: `${operation} ${workflow ?? "workflow"}`,
  kind: "client" as const,
  attributes: {
    "dapr.workflow.operation": operation,
    "dapr.workflow.instance_id": instanceId,
    ...(workflow ? { "dapr.workflow.name": workflow } : {}),
  },
});

export const startWorkflowKind: EffectKind<StartWorkflow> = {
  kind: "startWorkflow",
  describe: (e) => `startWorkflow ${e.workflow}/${e.instanceId}`,
  sidecar: {
    api: "workflows.start",
    // daprd takes the raw body as the instance's input (pkg/api/http/workflow.go).
    call: (e) => ({
      api: "workflows.start",
      method: "POST",
      // The instance id travels in the query; it is checked like a segment all the same.
      path:
        daprdPath("workflows", "dapr", { workflow: e.workflow }, "start") + query({ instanceID: checkedValue("instanceId", e.instanceId) }),
      body: json(e.input),
    }),
    span: (e) => workflowSpan("start", e.instanceId, e.workflow),
    example: startWorkflow("OrderWorkflow", "order-1", { orderId: "order-1" }),
  },
};
