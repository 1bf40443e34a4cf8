// Load inputs: the declared reads of a handler, resolved before `handle`. Independent reads go in
// parallel; a read naming others in `after` waits for them.
import type { Earlier, Input, Inputs, SidecarClient } from "../kinds/input.ts";
import { inputCall, inputKindOf } from "../kinds/inputs.ts";
import type { Observation } from "../observe/observer.ts";

export type Loaded = { ok: true; values: Record<string, unknown> } | { ok: false; fault: "unavailable" | "invalid"; reason: string };

/** Resolves every input; the first failure (in declaration order) is the one reported. */
export async function loadInputs(inputs: Inputs, client: SidecarClient | undefined, observation: Observation): Promise<Loaded> {
  const values: Record<string, unknown> = {};
  let pending = Object.entries(inputs);
  while (pending.length > 0) {
    const ready = pending.filter(([, input]) => (input.after ?? []).every((name) => name in values));
    if (ready.length === 0) {
      const names = pending.map(([name]) => name).join(", ");
      return { ok: false, fault: "invalid", reason: `${names}: \`after\` names inputs that do not exist or wait on each other` };
    }
    const reads = await Promise.all(ready.map(([name, input]) => readOne(name, input, values, client, observation)));
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

type Read = { ok: true; value: unknown } | { ok: false; fault: "unavailable" | "invalid"; reason: string };

async function readOne(
  name: string,
  input: Input,
  earlier: Earlier,
  client: SidecarClient | undefined,
  observation: Observation,
): Promise<Read> {
  const kind = inputKindOf(input);
  if (!kind) return { ok: false, fault: "invalid", reason: `${name}: unknown input kind "${input.kind}"` };
  if (input.when && !input.when(earlier)) return { ok: true, value: undefined };
  const params = input.params(earlier);
  const what = `${name} (${kind.describe(params)})`;
  if (!client)
    return { ok: false, fault: "unavailable", reason: `${what}: no sidecar to read it from (pass a fake sidecar's client in tests)` };
  const call = inputCall(kind, params, what); // throws UnsafeValue: the pipeline DROPs the delivery
  const shape = kind.span(params);
  const send = (headers: Record<string, string>) => client(call, { headers });
  try {
    const shaped = { ...shape, attributes: { ...shape.attributes, "daprlet.input.name": name, "daprlet.input.kind": kind.kind } };
    const response = observation.child ? await observation.child(shaped, send) : await send(observation.context.headers);
    const read = kind.read(params, response, input.schema);
    return read.ok ? read : { ...read, reason: `${what}: ${read.reason}` };
  } catch (error) {
    return { ok: false, fault: "unavailable", reason: `${what}: ${(error as Error).message}` };
  }
}
