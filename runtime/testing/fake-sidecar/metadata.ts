// daprd's metadata: the components the fake serves, and custom attributes (in memory, as daprd keeps them).
import { HttpResponse, http } from "msw";
import type { Context, Routes } from "./context.ts";

/** Reading metadata and setting attributes. */
export function metadataRoutes(ctx: Context): Routes<"metadata.get" | "metadata.set"> {
  const { base, options, stores, pubsubs, bindings, secretStores, configurationStores, lockStores, attributes, typeOf } = ctx;
  return {
    "metadata.get": http.get(`${base}/v1.0/metadata`, () =>
      HttpResponse.json({
        id: options.appId ?? "order-service",
        components: [
          ...[...stores].map((name) => ({ name, type: typeOf(name), version: "v1" })),
          ...[...pubsubs].map((name) => ({ name, type: "pubsub.in-memory", version: "v1" })),
          ...[...bindings].map((name) => ({ name, type: "bindings.localstorage", version: "v1" })),
          ...[...secretStores].map((name) => ({ name, type: "secretstores.local.file", version: "v1" })),
          ...[...configurationStores].map((name) => ({ name, type: "configuration.redis", version: "v1" })),
          ...[...lockStores].map((name) => ({ name, type: "lock.redis", version: "v1" })),
        ],
        extended: Object.fromEntries(attributes),
      }),
    ),
    // daprd keeps custom attributes in memory (gone after a restart) and answers 204.
    "metadata.set": http.put(`${base}/v1.0/metadata/:key`, async ({ request, params }) => {
      attributes.set(String(params.key), await request.text());
      return new HttpResponse(null, { status: 204 });
    }),
  };
}
