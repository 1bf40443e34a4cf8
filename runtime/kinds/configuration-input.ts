import { daprdPath, query } from "./daprd-path.ts";
import { type After, afterOf, type EarlierOf, type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import type { ComponentName } from "./names.ts";
import { readAnswerJson } from "./wire.ts";

/** One configuration item; absent keys are missing from the record (daprd leaves out an empty version and metadata). */
export interface ConfigurationItem {
  value: string;
  version?: string;
  metadata?: Record<string, string>;
}

interface ConfigurationParams {
  store: string;
  keys: string[];
}

/**
 * Reads configuration items from a configuration store.
 * @example limits: configuration("configstore", ["max-order-amount"])
 */
export function configuration<const A extends After = readonly string[]>(
  store: ComponentName<"configuration">,
  keys: Later<string[], EarlierOf<A>>,
  options: { after?: A } = {},
): Input<Record<string, ConfigurationItem | undefined>, ConfigurationParams, "configuration"> {
  return {
    kind: "configuration",
    params: (earlier) => ({ store, keys: resolveLater(keys as Later<string[]>, earlier) }),
    ...afterOf(options.after),
  };
}

export const configurationInputKind: InputKind<ConfigurationParams, "configuration"> = {
  kind: "configuration",
  api: "configuration.get",
  describe: (p) => `configuration ${p.store}/[${p.keys.join(", ")}]`,
  call: (p) => ({
    api: "configuration.get",
    method: "GET",
    path: daprdPath("configuration", { store: p.store }) + query(p.keys.map((k): [string, string] => ["key", String(k)])),
  }),
  read(p, res): InputRead {
    // daprd answers 204 with no body when none of the keys exists: every key is absent, not an error.
    if (res.status === 204 || res.body.length === 0) return { ok: true, value: {} };
    const answer = readAnswerJson(res.body);
    if (!answer.ok || typeof answer.value !== "object" || answer.value === null) {
      return { ok: false, fault: "unavailable", reason: `configuration ${p.store}: the answer is not an object` };
    }
    return { ok: true, value: answer.value };
  },
  span: (p) => ({ name: `getConfiguration ${p.store}`, kind: "client", attributes: { "dapr.configuration.store": p.store } }),
  example: { store: "configstore", keys: ["max-order-amount"] },
};
