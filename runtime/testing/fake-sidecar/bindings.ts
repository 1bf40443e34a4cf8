// Output bindings: every call is kept, in order.
import { HttpResponse, http } from "msw";
import { type Context, daprError, type Routes } from "./context.ts";

/** Invoking an output binding. */
export function bindingRoutes(ctx: Context): Routes<"bindings.invoke"> {
  const { base, bindings, bindingCalls, injected } = ctx;
  return {
    "bindings.invoke": http.post(`${base}/v1.0/bindings/:name`, async ({ request, params }) => {
      const failure = await injected("invokeBinding");
      if (failure) return failure;
      const body = (await request.json()) as { operation?: string; data?: unknown; metadata?: Record<string, string> };
      // daprd answers 500 for every binding failure, unknown binding and empty operation included.
      if (!bindings.has(String(params.name)) || !body.operation) {
        return daprError(500, "ERR_INVOKE_OUTPUT_BINDING", `error invoking output binding ${params.name}`);
      }
      bindingCalls.push({ name: String(params.name), operation: body.operation, data: body.data ?? null, metadata: body.metadata ?? {} });
      return new HttpResponse(null, { status: 204 });
    }),
  };
}
