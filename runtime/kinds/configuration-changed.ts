import * as v from "valibot";
import type { ComponentName } from "./names.ts";
import { httpSpanAttributes, type TriggerKind } from "./trigger.ts";
import { readJson } from "./wire.ts";

export interface ConfigurationChangedTrigger<S extends string = string> {
  kind: "configurationChanged";
  store: S;
  /** The keys watched; none: every key of the store. */
  keys: readonly string[];
}

/**
 * Changes of configuration items: the runtime subscribes when the app starts (again after a
 * daprd restart) and daprd delivers each changed key to `POST /configuration/<store>/<key>`.
 * One handler per store: it lists every key it watches.
 * @example trigger: configurationChanged("configstore", ["express-shipping"]), schema: v.object({ "express-shipping": v.optional(configurationItem) })
 */
export function configurationChanged<const S extends ComponentName<"configuration">>(
  store: S,
  keys: readonly string[] = [],
): ConfigurationChangedTrigger<S> {
  return { kind: "configurationChanged", store, keys };
}

/** One item as daprd delivers it (`configuration.redis` sends an empty version and metadata as ""/{}; a deleted key as `{}`). */
export const configurationItem = v.object({
  value: v.optional(v.string(), ""),
  version: v.optional(v.string()),
  metadata: v.optional(v.record(v.string(), v.string())),
});

export interface ConfigurationChangedEvent<D> {
  /** The changed items by key (what the schema validates): `{ "<key>": { value, version, metadata } }`. */
  data: D;
  store: string;
  /** The key this delivery is for: daprd posts once per changed key, each with the whole event. */
  key: string;
  /** daprd's id of the subscription that saw the change. */
  subscriptionId: string;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    configurationChanged: ConfigurationChangedEvent<D>;
  }
}

const keyOf = (path: string) => decodeURIComponent(path.split("?")[0].split("/").pop() ?? "");

export const configurationChangedKind: TriggerKind<ConfigurationChangedTrigger> = {
  kind: "configurationChanged",
  route: (t) => `/configuration/${t.store}/:key`,
  serves: (_t, route) => [{ method: "POST", path: route }],
  describe: (t) => `configuration ${t.store} [${t.keys.join(", ") || "every key"}] changed`,
  mount: (app, route, _t, serve) => app.post(route, serve),
  parse(t, req) {
    const json = readJson(req.body);
    const body = json.ok ? (json.value as { id?: unknown; items?: unknown }) : undefined;
    if (!body || typeof body.items !== "object" || body.items === null)
      return { bulk: false, messages: [{ ok: false, reason: json.ok ? "no items in the configuration event" : json.reason, status: 400 }] };
    const event = { data: body.items, store: t.store, key: keyOf(req.path), subscriptionId: String(body.id ?? "") };
    return { bulk: false, messages: [{ ok: true, event }] };
  },
  /**
   * daprd logs anything but 200 and moves on (after the inbound resiliency policy's retries, if
   * the store has one): nothing is queued. RETRY is a 500 so that policy can retry it.
   */
  answer(_t, { results }) {
    const { verdict } = results[0].outcome;
    const body = { status: verdict.status, ...(verdict.reason ? { reason: verdict.reason } : {}) };
    return { status: verdict.status === "RETRY" ? 500 : 200, body };
  },
  span: (t, route, req) => ({
    name: `configuration ${t.store} changed`,
    kind: "consumer",
    attributes: { ...httpSpanAttributes(route, req), "dapr.configuration.store": t.store, "dapr.configuration.key": keyOf(req.path) },
  }),
  answered: (_t, answer) => ({ "http.response.status_code": answer.status }),
  // daprd posts every store's changes to one route: one handler per store.
  claims: (t, route) => [{ key: `configuration ${t.store}`, what: `the changes of configuration store ${t.store} (POST ${route})` }],
  needs: (t) => [{ block: "configuration", name: t.store }],
  track: () => undefined,
  guarded: false,
};
