import { daprdPath, query } from "./daprd-path.ts";
import type { EffectKind } from "./effect.ts";
import type { ComponentName } from "./names.ts";
import { type StateOptions, stateSpan } from "./save-state.ts";

export interface DeleteState extends Omit<StateOptions, "metadata"> {
  kind: "deleteState";
  store: string;
  key: string;
}

/** @example deleteState("statestore", `cart-${id}`, { etag }) */
export const deleteState = (store: ComponentName<"state">, key: string, options: Omit<StateOptions, "metadata"> = {}): DeleteState => ({
  kind: "deleteState",
  store,
  key,
  ...options,
});

export const deleteStateKind: EffectKind<DeleteState> = {
  kind: "deleteState",
  describe: (e) => `deleteState ${e.store}/${e.key}`,
  sidecar: {
    api: "state.delete",
    call: (e) => ({
      api: "state.delete",
      method: "DELETE",
      path: daprdPath("state", { store: e.store }, { key: e.key }) + query({ concurrency: e.concurrency, consistency: e.consistency }),
      // daprd reads a delete's ETag from If-Match, not from the query.
      headers: e.etag !== undefined ? { "if-match": e.etag } : undefined,
    }),
    span: (e) => stateSpan("deleteState", e.store),
    example: { kind: "deleteState", store: "statestore", key: "cart-1" },
  },
  writes: (e) => ({ store: e.store, ops: [e] }),
};
