import { daprdPath } from "./daprd-path.ts";
import { type EffectKind, json } from "./effect.ts";
import type { ComponentName } from "./names.ts";

export interface StateOptions {
  etag?: string;
  concurrency?: "first-write" | "last-write";
  consistency?: "eventual" | "strong";
  metadata?: Record<string, string>;
}

export interface SaveState extends StateOptions {
  kind: "saveState";
  store: string;
  key: string;
  value: unknown;
}

/** @example saveState("statestore", `order-${id}`, order, { concurrency: "first-write" }) */
export const saveState = (store: ComponentName<"state">, key: string, value: unknown, options: StateOptions = {}): SaveState => ({
  kind: "saveState",
  store,
  key,
  value,
  ...options,
});

export const saveStateKind: EffectKind<SaveState> = {
  kind: "saveState",
  describe: (e) => `saveState ${e.store}/${e.key}`,
  sidecar: {
    api: "state.save",
    call(e) {
      const options = e.concurrency || e.consistency;
      const item = {
        key: e.key,
        value: e.value,
        ...(e.etag !== undefined ? { etag: e.etag } : {}),
        ...(e.metadata ? { metadata: e.metadata } : {}),
        ...(options ? { options: { concurrency: e.concurrency, consistency: e.consistency } } : {}),
      };
      return { api: "state.save", method: "POST", path: daprdPath("state", { store: e.store }), body: json([item]) };
    },
    span: (e) => stateSpan("saveState", e.store),
    // Data, not `saveState(…)`: the project's generated names (handlers/daprlet.d.ts) need not include these.
    example: { kind: "saveState", store: "statestore", key: "order-1", value: { total: 1 } },
  },
  writes: (e) => ({ store: e.store, ops: [e] }),
};

/** The CLIENT span of a state call, in OpenTelemetry's database conventions. */
export const stateSpan = (operation: string, store: string) => ({
  name: `${operation} ${store}`,
  kind: "client" as const,
  attributes: { "db.system.name": "dapr", "db.namespace": store, "db.operation.name": operation, "dapr.state.store": store },
});
