import { daprdPath } from "./daprd-path.ts";
import type { DeleteState } from "./delete-state.ts";
import { type EffectKind, json } from "./effect.ts";
import type { ComponentName } from "./names.ts";
import { type SaveState, stateSpan } from "./save-state.ts";

/** Several upserts and deletes on one store, applied all or nothing (on stores with real transactions). */
export interface Transaction {
  kind: "transaction";
  store: string;
  operations: (SaveState | DeleteState)[];
}

/**
 * @example transaction("statestore", [saveState("statestore", "payment-1", p, { etag }), deleteState("statestore", "hold-1")])
 */
export const transaction = (store: ComponentName<"state">, operations: (SaveState | DeleteState)[]): Transaction => ({
  kind: "transaction",
  store,
  operations,
});

/** One transaction operation as daprd's `/state/<store>/transaction` reads it. */
const operationOf = (op: SaveState | DeleteState) => {
  const options = op.concurrency || op.consistency ? { options: { concurrency: op.concurrency, consistency: op.consistency } } : {};
  const etag = op.etag !== undefined ? { etag: op.etag } : {};
  if (op.kind === "deleteState") return { operation: "delete", request: { key: op.key, ...etag, ...options } };
  return {
    operation: "upsert",
    request: { key: op.key, value: op.value, ...etag, ...(op.metadata ? { metadata: op.metadata } : {}), ...options },
  };
};

export const transactionKind: EffectKind<Transaction> = {
  kind: "transaction",
  describe: (e) =>
    `transaction ${e.store} (${e.operations.map((op) => `${op.kind === "saveState" ? "upsert" : "delete"} ${op.key}`).join(", ")})`,
  sidecar: {
    api: "state.transaction",
    call(e) {
      const path = daprdPath("state", { store: e.store }, "transaction");
      const stray = e.operations.find((op) => op.store !== e.store);
      // One transaction targets one store: daprd would apply the stray op to the wrong one.
      if (stray) throw new TypeError(`transaction on ${e.store} holds an operation for ${stray.store}: one transaction per store`);
      return {
        api: "state.transaction",
        method: "POST",
        path,
        body: json({ operations: e.operations.map(operationOf) }),
      };
    },
    span: (e) => stateSpan("transaction", e.store),
    example: {
      kind: "transaction",
      store: "statestore",
      operations: [
        { kind: "saveState", store: "statestore", key: "payment-1", value: { paid: true } },
        { kind: "deleteState", store: "statestore", key: "hold-1" },
      ],
    },
  },
  // Each op carries its own store: the pipeline regroups them (a stray op is refused when it is sent).
  writes: (e) => ({ store: e.store, ops: e.operations.map((op) => ({ ...op, store: e.store })) }),
};
