import { query, segment } from "./effect.ts";
import { type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import { readJson } from "./wire.ts";

interface SecretParams {
  store: string;
  name: string;
  key?: string;
}

/**
 * Reads a secret from a secret store: all of its keys, or (with `key`) one of them as a string.
 * @example apiKey: secret("secretstore", "payment-gateway-key", { key: "payment-gateway-key" })
 */
export function secret(
  store: string,
  name: Later<string>,
  options: { key: string; after?: readonly string[] },
): Input<string, SecretParams, "secret">;
export function secret(
  store: string,
  name: Later<string>,
  options?: { after?: readonly string[] },
): Input<Record<string, string>, SecretParams, "secret">;
export function secret(
  store: string,
  name: Later<string>,
  options: { key?: string; after?: readonly string[] } = {},
): Input<unknown, SecretParams, "secret"> {
  return {
    kind: "secret",
    params: (earlier) => ({ store, name: resolveLater(name, earlier), key: options.key }),
    ...(options.after ? { after: options.after } : {}),
  };
}

export const secretInputKind: InputKind<SecretParams, "secret"> = {
  kind: "secret",
  api: "secrets.get",
  describe: (p) => `secret ${p.store}/${p.name}${p.key ? `#${p.key}` : ""}`,
  call: (p) => ({ api: "secrets.get", method: "GET", path: `/secrets/${segment(p.store)}/${segment(p.name)}${query({})}` }),
  read(p, res): InputRead {
    const answer = readJson(res.body);
    const values = answer.ok ? (answer.value as Record<string, string> | null) : null;
    if (!values || typeof values !== "object") return { ok: false, fault: "unavailable", reason: `secret ${p.store}/${p.name}: no values` };
    if (p.key === undefined) return { ok: true, value: values };
    // A secret without the key is a deployment problem an operator can fix: retry, do not drop.
    if (typeof values[p.key] !== "string")
      return { ok: false, fault: "unavailable", reason: `secret ${p.store}/${p.name} has no key "${p.key}"` };
    return { ok: true, value: values[p.key] };
  },
  span: (p) => ({ name: `getSecret ${p.store}`, kind: "client", attributes: { "dapr.secretstore.name": p.store } }),
};
