// The input kinds: one module each, gathered here. Adding a kind is one module and one line below;
// `InputKindName` follows from this table, so an input whose kind has no line here does not compile.
import { callActorInputKind } from "./actor-call.ts";
import { actorStateInputKind } from "./actor-state.ts";
import { bulkStateInputKind } from "./bulk-state-input.ts";
import { callAppInputKind } from "./call-app-input.ts";
import { configurationInputKind } from "./configuration-input.ts";
import { UnsafeValue } from "./daprd-path.ts";
import type { SidecarCall } from "./effect.ts";
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
  actorState: actorStateInputKind,
  callActor: callActorInputKind,
});

/** Checks the table: each entry is an input kind whose `kind` is its key. */
// biome-ignore lint/suspicious/noExplicitAny: each kind has parameters of its own
function inputTable<const T extends { [K in keyof T]: InputKind<any> & { kind: K } }>(table: T): T {
  return table;
}

/** The kinds of input there are: the table's keys. */
export type InputKindName = keyof typeof inputKinds;

/**
 * The inputs a handler may declare: each of a kind in the table. `Handler` takes these, so an input
 * whose kind has no line above does not compile (it would otherwise fail every delivery).
 */
// biome-ignore lint/suspicious/noExplicitAny: parameters differ per input; the runtime handles all alike
export type KnownInputs = Record<string, Input<unknown, any> & { kind: InputKindName }>;

/**
 * The module of an input's kind. Types make an unknown kind impossible; undefined only for an input
 * built outside them (a cast, plain JavaScript).
 */
// biome-ignore lint/suspicious/noExplicitAny: parameters come from the input's own `params`
export const inputKindOf = (input: Input): InputKind<any> | undefined =>
  Object.hasOwn(inputKinds, input.kind) ? inputKinds[input.kind as InputKindName] : undefined;

/** The daprd call of an input; an unsafe value is refused naming the input (`what`) and the field. */
// biome-ignore lint/suspicious/noExplicitAny: parameters come from the input's own `params`
export function inputCall(kind: InputKind<any>, params: unknown, what: string): SidecarCall {
  try {
    return kind.call(params);
  } catch (error) {
    throw error instanceof UnsafeValue ? error.within(what) : error;
  }
}
