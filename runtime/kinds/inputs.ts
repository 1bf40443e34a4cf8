// The input kinds: one module each, gathered here. Adding a kind is one module and one line below.
import { bulkStateInputKind } from "./bulk-state-input.ts";
import { callAppInputKind } from "./call-app-input.ts";
import { configurationInputKind } from "./configuration-input.ts";
import type { Input, InputKind } from "./input.ts";
import { secretInputKind } from "./secret-input.ts";
import { stateInputKind } from "./state-input.ts";
import { workflowStatusInputKind } from "./workflow-status-input.ts";

export const inputKinds = inputTable({
  state: stateInputKind,
  states: bulkStateInputKind,
  secret: secretInputKind,
  configuration: configurationInputKind,
  callApp: callAppInputKind,
  workflowStatus: workflowStatusInputKind,
});

/** Checks the table: each entry is an input kind whose `kind` is its key. */
// biome-ignore lint/suspicious/noExplicitAny: each kind has parameters of its own
function inputTable<const T extends { [K in keyof T]: InputKind<any> & { kind: K } }>(table: T): T {
  return table;
}

/** The module of an input's kind, or undefined for a kind this runtime does not know. */
// biome-ignore lint/suspicious/noExplicitAny: parameters come from the input's own `params`
export const inputKindOf = (input: Input): InputKind<any> | undefined =>
  Object.hasOwn(inputKinds, input.kind) ? inputKinds[input.kind as keyof typeof inputKinds] : undefined;
