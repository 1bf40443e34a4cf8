import { daprdPath } from "./daprd-path.ts";
import { type After, afterOf, type EarlierOf, type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import type { ComponentName } from "./names.ts";
import { readAnswerJson } from "./wire.ts";

interface SecretParams {
  store: string;
  name: string;
  key?: string;
}

/**
 * Reads a secret from a secret store: all of its keys, or (with `key`) one of them as a string.
 * @example apiKey: secret("secretstore", "payment-gateway-key", { key: "payment-gateway-key" })
 */
export function secret<const A extends After = readonly string[]>(
  store: ComponentName<"secretstores">,
  name: Later<string, EarlierOf<A>>,
  options: { key: string; after?: A },
): Input<string, SecretParams, "secret">;
export function secret<const A extends After = readonly string[]>(
  store: ComponentName<"secretstores">,
  name: Later<string, EarlierOf<A>>,
  options?: { after?: A },
): Input<Record<string, string>, SecretParams, "secret">;
export function secret(
  store: ComponentName<"secretstores">,
  name: Later<string>,
  options: { key?: string; after?: After } = {},
): Input<unknown, SecretParams, "secret"> {
  return {
    kind: "secret",
    params: (earlier) => ({ store, name: resolveLater(name, earlier), key: options.key }),
    ...afterOf(options.after),
  };
}

export const secretInputKind: InputKind<SecretParams, "secret"> = {
  kind: "secret",
  api: "secrets.get",
  describe: (p) => `secret ${p.store}/${p.name}${p.key ? `#${p.key}` : ""}`,
  call: (p) => ({ api: "secrets.get", method: "GET", path: daprdPath("secrets", { store: p.store }, { name: p.name }) }),
  read(p, res): InputRead {
    const answer = readAnswerJson(res.body);
    const values = answer.ok ? (answer.value as Record<string, string> | null) : null;
    if (!values || typeof values !== "object") return { ok: false, fault: "unavailable", reason: `secret ${p.store}/${p.name}: no values` };
    if (p.key === undefined) return { ok: true, value: values };
    // A secret without the key is a deployment problem an operator can fix: retry, do not drop.
    if (typeof values[p.key] !== "string")
      return { ok: false, fault: "unavailable", reason: `secret ${p.store}/${p.name} has no key "${p.key}"` };
    return { ok: true, value: values[p.key] };
  },
  span: (p) => ({ name: `getSecret ${p.store}`, kind: "client", attributes: { "dapr.secretstore.name": p.store } }),
  example: { store: "secretstore", name: "payment-gateway-key", key: "payment-gateway-key" },
};
