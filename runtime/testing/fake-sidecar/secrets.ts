// Secret stores, seeded from the options (and again on each reset).
import { HttpResponse, http } from "msw";
import { type Context, daprError, type Routes } from "./context.ts";

/** Stores a secret: `values` is what daprd answers for it (`{ [key]: value }`). */
export const secretOf = (ctx: Context, store: string, name: string, values: Record<string, string>) => {
  ctx.secretStores.add(store);
  if (!ctx.secrets.has(store)) ctx.secrets.set(store, new Map());
  ctx.secrets.get(store)?.set(name, { ...values });
};

/** Reading a secret. */
export function secretRoutes(ctx: Context): Routes<"secrets.get"> {
  const { base, secretStores, secrets, injected } = ctx;
  return {
    "secrets.get": http.get(`${base}/v1.0/secrets/:store/:name`, async ({ params }) => {
      // daprd's own codes: no store at all 500, unknown store 401 (sic), unknown secret 500.
      if (secretStores.size === 0) return daprError(500, "ERR_SECRET_STORES_NOT_CONFIGURED", "secret store is not configured");
      const store = String(params.store);
      const name = String(params.name);
      if (!secretStores.has(store)) return daprError(401, "ERR_SECRET_STORE_NOT_FOUND", `failed finding secret store with key ${store}`);
      const failure = await injected("getSecret");
      if (failure) return failure;
      const values = secrets.get(store)?.get(name);
      if (!values) {
        return daprError(
          500,
          "ERR_SECRET_GET",
          `failed getting secret with key ${name} from secret store ${store}: secret ${name} not found`,
        );
      }
      return HttpResponse.json(values);
    }),
  };
}
