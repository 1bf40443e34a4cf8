import { daprdPath } from "./daprd-path.ts";
import type { EffectKind } from "./effect.ts";
import { workflowSpan } from "./start-workflow.ts";

/** One kind for four calls of the same shape (`POST /workflows/dapr/<id>/<operation>`, 202). */
export interface ManageWorkflow {
  kind: "manageWorkflow";
  operation: "terminate" | "purge" | "pause" | "resume";
  instanceId: string;
}

const manage =
  (operation: ManageWorkflow["operation"]) =>
  (instanceId: string): ManageWorkflow => ({ kind: "manageWorkflow", operation, instanceId });
/** Stops an instance at once (no compensation runs: the orchestrator is not called again). */
export const terminateWorkflow = manage("terminate");
/** Deletes a finished instance's state and history. */
export const purgeWorkflow = manage("purge");
export const pauseWorkflow = manage("pause");
export const resumeWorkflow = manage("resume");

export const manageWorkflowKind: EffectKind<ManageWorkflow> = {
  kind: "manageWorkflow",
  describe: (e) => `${e.operation}Workflow ${e.instanceId}`,
  sidecar: {
    api: "workflows.manage",
    call: (e) => ({
      api: "workflows.manage",
      method: "POST",
      path: daprdPath("workflows", "dapr", { instanceId: e.instanceId }, { operation: e.operation }),
    }),
    span: (e) => workflowSpan(e.operation, e.instanceId),
    example: terminateWorkflow("order-1"),
  },
};
