import { daprdPath } from "./daprd-path.ts";
import { type EffectKind, json } from "./effect.ts";
import type { ComponentName } from "./names.ts";

export interface InvokeBinding {
  kind: "invokeBinding";
  name: string;
  operation: string;
  data?: unknown;
  metadata?: Record<string, string>;
}

/** @example invokeBinding("receipts", "create", text, { fileName: "order-1.txt" }) */
export const invokeBinding = (
  name: ComponentName<"bindings">,
  operation: string,
  data?: unknown,
  metadata?: Record<string, string>,
): InvokeBinding => ({
  kind: "invokeBinding",
  name,
  operation,
  ...(data === undefined ? {} : { data }),
  ...(metadata ? { metadata } : {}),
});

export const invokeBindingKind: EffectKind<InvokeBinding> = {
  kind: "invokeBinding",
  describe: (e) => `invokeBinding ${e.name} ${e.operation}`,
  sidecar: {
    api: "bindings.invoke",
    call: (e) => ({
      api: "bindings.invoke",
      method: "POST",
      path: daprdPath("bindings", { name: e.name }),
      body: json({ operation: e.operation, data: e.data ?? null, metadata: e.metadata ?? {} }),
    }),
    span: (e) => ({
      name: `invokeBinding ${e.name} ${e.operation}`,
      kind: "client",
      attributes: { "dapr.binding.name": e.name, "dapr.binding.operation": e.operation },
    }),
    example: { kind: "invokeBinding", name: "receipts", operation: "create", data: "order-1", metadata: { fileName: "order-1.txt" } },
  },
};
