import { daprdPath } from "./daprd-path.ts";
import { type EffectKind, json } from "./effect.ts";
import { workflowSpan } from "./start-workflow.ts";

export interface RaiseWorkflowEvent {
  kind: "raiseWorkflowEvent";
  instanceId: string;
  event: string;
  data?: unknown;
}

/** @example raiseWorkflowEvent(orderId, "payment-approved", { reference }) */
export const raiseWorkflowEvent = (instanceId: string, event: string, data?: unknown): RaiseWorkflowEvent => ({
  kind: "raiseWorkflowEvent",
  instanceId,
  event,
  ...(data === undefined ? {} : { data }),
});

export const raiseWorkflowEventKind: EffectKind<RaiseWorkflowEvent> = {
  kind: "raiseWorkflowEvent",
  describe: (e) => `raiseWorkflowEvent ${e.instanceId}/${e.event}`,
  sidecar: {
    api: "workflows.raiseEvent",
    call: (e) => ({
      api: "workflows.raiseEvent",
      method: "POST",
      path: daprdPath("workflows", "dapr", { instanceId: e.instanceId }, "raiseEvent", { event: e.event }),
      body: json(e.data),
    }),
    span: (e) => workflowSpan(`raiseEvent ${e.event}`, e.instanceId),
    example: raiseWorkflowEvent("order-1", "payment-approved", { reference: "ch-1" }),
  },
};
