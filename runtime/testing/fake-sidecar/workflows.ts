// Dapr Workflow's HTTP management API, as daprd 1.18.2 answers it. Instances are only recorded:
// nothing runs them (the workflow kit, runtime/testing/workflow.ts, runs workflows).
import { randomUUID } from "node:crypto";
import { HttpResponse, http } from "msw";
import { type Context, daprError, type Routes } from "./context.ts";

/** Start, raise an event, manage (terminate, purge, pause, resume) and read an instance. */
export function workflowRoutes(ctx: Context): Routes<"workflows.start" | "workflows.raiseEvent" | "workflows.manage" | "workflows.get"> {
  const { base, workflows, injected } = ctx;
  const noInstance = (id: string) =>
    daprError(404, "ERR_INSTANCE_ID_NOT_FOUND", `unable to find workflow with the provided instance ID: ${id}`);
  return {
    "workflows.start": http.post(`${base}/v1.0/workflows/dapr/:name/start`, async ({ request, params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const id = new URL(request.url).searchParams.get("instanceID") ?? randomUUID();
      // Not pinned on daprd: starting an id that is still running is refused.
      if (workflows.get(id)?.status === "RUNNING")
        return daprError(
          500,
          "ERR_START_WORKFLOW",
          `error starting workflow '${params.name}': an active workflow with ID '${id}' already exists`,
        );
      const text = await request.text();
      workflows.set(id, {
        instanceId: id,
        workflow: String(params.name),
        input: text ? JSON.parse(text) : undefined,
        status: "RUNNING",
        events: [],
      });
      return HttpResponse.json({ instanceID: id }, { status: 202 });
    }),
    "workflows.raiseEvent": http.post(`${base}/v1.0/workflows/dapr/:id/raiseEvent/:event`, async ({ request, params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const instance = workflows.get(String(params.id));
      if (!instance) return noInstance(String(params.id));
      const text = await request.text();
      instance.events.push({ name: String(params.event), data: text ? JSON.parse(text) : undefined });
      return new HttpResponse(null, { status: 202 });
    }),
    "workflows.manage": http.post(`${base}/v1.0/workflows/dapr/:id/:operation`, async ({ params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const id = String(params.id);
      const instance = workflows.get(id);
      if (!instance) return noInstance(id);
      const next = { terminate: "TERMINATED", pause: "SUSPENDED", resume: "RUNNING" }[String(params.operation)];
      if (params.operation === "purge") workflows.delete(id);
      else if (next) instance.status = next;
      else return daprError(404, "ERR_NOT_FOUND", `unknown workflow operation ${params.operation}`);
      return new HttpResponse(null, { status: 202 });
    }),
    "workflows.get": http.get(`${base}/v1.0/workflows/dapr/:id`, async ({ params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const instance = workflows.get(String(params.id));
      if (!instance) return noInstance(String(params.id));
      return HttpResponse.json({
        instanceID: instance.instanceId,
        workflowName: instance.workflow,
        runtimeStatus: instance.status,
        properties: {
          "dapr.workflow.input": JSON.stringify(instance.input ?? null),
          ...(instance.output !== undefined ? { "dapr.workflow.output": JSON.stringify(instance.output) } : {}),
        },
      });
    }),
  };
}
