// Configuration stores: get, subscribe and unsubscribe (subscriptions live in daprd's memory only).
import { randomUUID } from "node:crypto";
import { HttpResponse, http } from "msw";
import { type ConfigurationEntry, type Context, daprError, type Routes } from "./context.ts";
import type { ConfigurationSeed } from "./types.ts";

/** Stores a configuration item; a string is its value, with the next version of the key ("1", "2", …). */
export const configure = (ctx: Context, store: string, key: string, seed: string | ConfigurationSeed) => {
  ctx.configurationStores.add(store);
  if (!ctx.configuration.has(store)) ctx.configuration.set(store, new Map());
  const items = ctx.configuration.get(store) as Map<string, ConfigurationEntry>;
  const item = typeof seed === "string" ? { value: seed } : seed;
  // configuration.redis reads `value||version`; the fake counts versions per key unless told.
  const version = item.version ?? String(Number(items.get(key)?.version ?? 0) + 1 || 1);
  items.set(key, { value: item.value, version, metadata: { ...item.metadata } });
};

/** Reading configuration items and watching them. */
export function configurationRoutes(ctx: Context): Routes<"configuration.subscribe" | "configuration.unsubscribe" | "configuration.get"> {
  const { base, configurationStores, configuration, subscriptions, injected } = ctx;
  return {
    "configuration.subscribe": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.get(`${base}/${version}/configuration/:store/subscribe`, async ({ request, params }) => {
        const store = String(params.store);
        if (!configurationStores.has(store))
          return daprError(400, "ERR_CONFIGURATION_STORE_NOT_FOUND", `configuration store ${store} not found`);
        const failure = await injected("subscribeConfiguration");
        if (failure) return failure;
        const id = randomUUID();
        subscriptions.set(id, { store, keys: new URL(request.url).searchParams.getAll("key") });
        return HttpResponse.json({ id });
      }),
    ),
    "configuration.unsubscribe": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.get(`${base}/${version}/configuration/:store/:id/unsubscribe`, ({ params }) => {
        if (!subscriptions.delete(String(params.id)))
          return HttpResponse.json(
            {
              ok: false,
              message: `error occurred while unsubscribing configuration ${params.id}: subscription with id ${params.id} does not exist`,
            },
            { status: 500 },
          );
        return HttpResponse.json({ ok: true });
      }),
    ),
    "configuration.get": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.get(`${base}/${version}/configuration/:store`, async ({ request, params }) => {
        const store = String(params.store);
        if (configurationStores.size === 0) {
          return daprError(500, "ERR_CONFIGURATION_STORE_NOT_CONFIGURED", "configuration stores not configured");
        }
        if (!configurationStores.has(store))
          return daprError(400, "ERR_CONFIGURATION_STORE_NOT_FOUND", `configuration store ${store} not found`);
        const failure = await injected("getConfiguration");
        if (failure) return failure;
        const items = configuration.get(store) ?? new Map<string, ConfigurationEntry>();
        const asked = new URL(request.url).searchParams.getAll("key");
        // Unknown keys are left out; no key at all means every key. daprd (configuration.redis)
        // answers 204 with no body when none is found, and leaves out an empty version or metadata.
        const found = (asked.length ? asked : [...items.keys()]).filter((key) => items.has(key));
        if (found.length === 0) return new HttpResponse(null, { status: 204 });
        return HttpResponse.json(
          Object.fromEntries(
            found.map((key) => {
              const { value, version, metadata } = items.get(key) as ConfigurationEntry;
              return [key, { value, ...(version ? { version } : {}), ...(Object.keys(metadata).length ? { metadata } : {}) }];
            }),
          ),
        );
      }),
    ),
  };
}
