import type { GenericSchema, InferOutput } from "valibot";
import { daprdPath } from "./daprd-path.ts";
import { json } from "./effect.ts";
import { type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import type { ComponentName } from "./names.ts";
import { stateSpan } from "./save-state.ts";
import { type StateOptions, type StateValue, storedValue } from "./state-input.ts";
import { readAnswerJson } from "./wire.ts";

interface BulkParams {
  store: string;
  keys: string[];
}

/**
 * Reads several keys in one call, each with its ETag, in the order asked.
 * @example inputs: ({ data }) => ({ items: states("statestore", data.skus.map((s) => `stock-${s}`), { schema: Stock }) })
 */
export function states<S extends GenericSchema = GenericSchema<unknown, unknown>>(
  store: ComponentName<"state">,
  keys: Later<string[]>,
  options: Omit<StateOptions<S>, "consistency"> = {},
): Input<StateValue<InferOutput<S>>[], BulkParams, "states"> {
  return {
    kind: "states",
    params: (earlier) => ({ store, keys: resolveLater(keys, earlier) }),
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.after ? { after: options.after } : {}),
  };
}

type BulkItem = { key: string; data?: unknown; etag?: string; error?: string };

export const bulkStateInputKind: InputKind<BulkParams, "states"> = {
  kind: "states",
  api: "state.bulk",
  describe: (p) => `states ${p.store}/[${p.keys.join(", ")}]`,
  call: (p) => ({ api: "state.bulk", method: "POST", path: daprdPath("state", { store: p.store }, "bulk"), body: json({ keys: p.keys }) }),
  read(p, res, schema): InputRead {
    const answer = readAnswerJson(res.body);
    if (!answer.ok || !Array.isArray(answer.value)) return { ok: false, fault: "unavailable", reason: `bulk state answer is not a list` };
    const byKey = new Map((answer.value as BulkItem[]).map((item) => [item.key, item]));
    const values = [];
    for (const key of p.keys) {
      const item = byKey.get(key);
      // A key that failed on its own: the store could not read it, try again later.
      if (item?.error) return { ok: false, fault: "unavailable", reason: `state ${p.store}/${key}: ${item.error}` };
      if (item?.data === undefined) {
        values.push({ key, value: undefined, etag: undefined });
        continue;
      }
      const stored = storedValue(JSON.stringify(item.data), schema);
      if (!stored.ok)
        return { ok: false, fault: "invalid", reason: `stored value of ${p.store}/${key} fails its schema: ${stored.reason}` };
      values.push({ key, value: stored.value, etag: item.etag });
    }
    return { ok: true, value: values };
  },
  span: (p) => stateSpan("getBulkState", p.store),
  example: { store: "statestore", keys: ["stock-1", "stock-2"] },
};
