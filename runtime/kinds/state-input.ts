import { type GenericSchema, type InferOutput, safeParse } from "valibot";
import { daprdPath, query } from "./daprd-path.ts";
import { type After, afterOf, type EarlierOf, type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import type { ComponentName } from "./names.ts";
import { stateSpan } from "./save-state.ts";
import { summarizeIssues } from "./verdict.ts";
import { text } from "./wire.ts";

/** One stored key as `handle` receives it: `value` is undefined when the key does not exist. */
export interface StateValue<T> {
  key: string;
  value: T | undefined;
  /** Write it back with the new value (`saveState(…, { etag })`) to refuse a concurrent change. */
  etag: string | undefined;
}

export interface StateOptions<S extends GenericSchema, A extends After = readonly string[]> {
  /** Validates a stored value (a missing key is `undefined` and is not validated). */
  schema?: S;
  consistency?: "eventual" | "strong";
  after?: A;
}

interface StateParams {
  store: string;
  key: string;
  consistency?: "eventual" | "strong";
}

/**
 * Reads one key, with its ETag, before `handle` runs.
 * @example inputs: ({ params }) => ({ stock: state("statestore", `stock-${params.sku}`, { schema: Stock }) })
 */
export function state<S extends GenericSchema = GenericSchema<unknown, unknown>, const A extends After = readonly string[]>(
  store: ComponentName<"state">,
  key: Later<string, EarlierOf<A>>,
  options: StateOptions<S, A> = {},
): Input<StateValue<InferOutput<S>>, StateParams, "state"> {
  return {
    kind: "state",
    params: (earlier) => ({ store, key: resolveLater(key as Later<string>, earlier), consistency: options.consistency }),
    ...(options.schema ? { schema: options.schema } : {}),
    ...afterOf(options.after),
  };
}

/** A stored value, parsed and validated; `invalid` when it fails the schema (or is not JSON). */
export function storedValue(
  bytes: Uint8Array | string,
  schema: GenericSchema | undefined,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  let value: unknown;
  const raw = typeof bytes === "string" ? bytes : text(bytes);
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw; // stored as plain text (written outside daprlet)
  }
  if (!schema) return { ok: true, value };
  const result = safeParse(schema, value);
  return result.success ? { ok: true, value: result.output } : { ok: false, reason: summarizeIssues(result.issues).join("; ") };
}

export const stateInputKind: InputKind<StateParams, "state"> = {
  kind: "state",
  api: "state.get",
  describe: (p) => `state ${p.store}/${p.key}`,
  call: (p) => ({
    api: "state.get",
    method: "GET",
    path: daprdPath("state", { store: p.store }, { key: p.key }) + query({ consistency: p.consistency }),
  }),
  read(p, res, schema): InputRead {
    // daprd answers 204 for a key that does not exist.
    if (res.status === 204 || res.body.length === 0) return { ok: true, value: { key: p.key, value: undefined, etag: undefined } };
    const stored = storedValue(res.body, schema);
    if (!stored.ok)
      return { ok: false, fault: "invalid", reason: `stored value of ${p.store}/${p.key} fails its schema: ${stored.reason}` };
    return { ok: true, value: { key: p.key, value: stored.value, etag: res.headers.get("etag") ?? undefined } };
  },
  span: (p) => stateSpan("getState", p.store),
  example: { store: "statestore", key: "order-1" },
};
