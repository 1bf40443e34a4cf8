// Load inputs: the declared reads of a handler, resolved before `handle`. Independent reads go in
// parallel; a read naming others in `after` waits for them.
import { UnsafeValue } from "../kinds/daprd-path.ts";
import type { SidecarCall } from "../kinds/effect.ts";
import type { Earlier, Input, Inputs, SidecarClient } from "../kinds/input.ts";
import { inputCall, inputKindOf } from "../kinds/inputs.ts";
import type { Observation } from "../observe/observer.ts";
import { traced } from "./sidecar.ts";

/** A failed read: `unavailable` (retry later), `invalid` (a stored value fails its schema), or the handler's own function threw (`when`, a path, headers, a body). */
type Failed =
  | { ok: false; fault: "unavailable" | "invalid"; reason: string }
  | { ok: false; fault: "threw"; thrown: unknown; where: string };
export type Loaded = { ok: true; values: Record<string, unknown> } | Failed;

/** Resolves every input; the first failure (in declaration order) is the one reported. */
export async function loadInputs(
  inputs: Inputs,
  client: SidecarClient | undefined,
  observation: Observation,
  deadlineAt?: number,
): Promise<Loaded> {
  const values: Record<string, unknown> = {};
  let pending = Object.entries(inputs);
  while (pending.length > 0) {
    const ready = pending.filter(([, input]) => (input.after ?? []).every((name) => name in values));
    if (ready.length === 0) {
      const names = pending.map(([name]) => name).join(", ");
      return { ok: false, fault: "invalid", reason: `${names}: \`after\` names inputs that do not exist or wait on each other` };
    }
    const reads = await Promise.all(ready.map(([name, input]) => readOne(name, input, values, client, observation, deadlineAt)));
    const failed = reads.find((r) => !r.ok);
    if (failed && !failed.ok) return failed;
    ready.forEach(([name], i) => {
      const read = reads[i];
      if (read.ok) values[name] = read.value;
    });
    pending = pending.filter(([name]) => !(name in values));
  }
  return { ok: true, values };
}

type Read = { ok: true; value: unknown } | Failed;

async function readOne(
  name: string,
  input: Input,
  earlier: Earlier,
  client: SidecarClient | undefined,
  observation: Observation,
  deadlineAt: number | undefined,
): Promise<Read> {
  const kind = inputKindOf(input);
  if (!kind) return { ok: false, fault: "invalid", reason: `${name}: unknown input kind "${input.kind}"` };
  // `when` and `params` (paths, headers, bodies) are the handler's code: a throw there is a throw.
  let params: unknown;
  let call: SidecarCall;
  try {
    if (input.when && !input.when(earlier)) return { ok: true, value: undefined };
    params = input.params(earlier);
  } catch (thrown) {
    return { ok: false, fault: "threw", thrown, where: `input ${name}` };
  }
  const what = `${name} (${kind.describe(params)})`;
  try {
    call = inputCall(kind, params, what); // a body that cannot be serialized throws here
  } catch (thrown) {
    // A value that would steer daprd's path is not the handler's throw: the pipeline DROPs the delivery.
    if (thrown instanceof UnsafeValue) throw thrown;
    return { ok: false, fault: "threw", thrown, where: `input ${name}` };
  }
  if (!client)
    return { ok: false, fault: "unavailable", reason: `${what}: no sidecar to read it from (pass a fake sidecar's client in tests)` };
  try {
    const shape = kind.span(params);
    const shaped = { ...shape, attributes: { ...shape.attributes, "daprlet.input.name": name, "daprlet.input.kind": kind.kind } };
    const response = await traced(observation, shaped, deadlineAt, (context) => client(call, context));
    const read = kind.read(params, response, input.schema);
    return read.ok ? read : { ...read, reason: `${what}: ${read.reason}` };
  } catch (error) {
    return { ok: false, fault: "unavailable", reason: `${what}: ${(error as Error).message}` };
  }
}
