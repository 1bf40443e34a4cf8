import { type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import { readJson } from "./wire.ts";

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
export function configuration(
  store: string,
  keys: Later<string[]>,
  options: { after?: readonly string[] } = {},
): Input<Record<string, ConfigurationItem | undefined>, ConfigurationParams, "configuration"> {
  return {
    kind: "configuration",
    params: (earlier) => ({ store, keys: resolveLater(keys, earlier) }),
    ...(options.after ? { after: options.after } : {}),
  };
}

export const configurationInputKind: InputKind<ConfigurationParams, "configuration"> = {
  kind: "configuration",
  api: "configuration.get",
  describe: (p) => `configuration ${p.store}/[${p.keys.join(", ")}]`,
  call: (p) => ({
    api: "configuration.get",
    method: "GET",
    path: `/configuration/${encodeURIComponent(p.store)}?${p.keys.map((k) => `key=${encodeURIComponent(k)}`).join("&")}`,
  }),
  read(p, res): InputRead {
    // daprd answers 204 with no body when none of the keys exists: every key is absent, not an error.
    if (res.status === 204 || res.body.length === 0) return { ok: true, value: {} };
    const answer = readJson(res.body);
    if (!answer.ok || typeof answer.value !== "object" || answer.value === null) {
      return { ok: false, fault: "unavailable", reason: `configuration ${p.store}: the answer is not an object` };
    }
    return { ok: true, value: answer.value };
  },
  span: (p) => ({ name: `getConfiguration ${p.store}`, kind: "client", attributes: { "dapr.configuration.store": p.store } }),
};
