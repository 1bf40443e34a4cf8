import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defineHandler } from "../define.ts";
import { describeHandler } from "../descriptor.ts";
import { invoke, topic } from "../index.ts";
import { callApp } from "../kinds/call-app-input.ts";
import { secret } from "../kinds/secret-input.ts";
import { type AppProject, accessManifests, deniedCalls, readCalls, readSecrets } from "./access.ts";

const from = { appId: "orders", namespace: "shop", trustDomain: "public" };
const cluster = { namespace: "shop", trustDomain: "public" };
const route = (name: string, method: "GET" | "POST" | "PUT", path: string) =>
  describeHandler(name, defineHandler({ trigger: invoke(method, path), schema: v.unknown(), handle: () => [] }), `handlers/${name}.ts`);

/** An app whose handler files have the given sources. */
const app = (appId: string, handlers: ReturnType<typeof route>[], sources: Record<string, string> = {}): AppProject => ({
  appId,
  handlers,
  sources: Object.entries(sources).map(([file, text]) => ({ file, text })),
});

describe("readCalls", () => {
  it("reads callApp and invokeApp with literal app id, method and path; a computed segment becomes *", () => {
    const source = `
      charge: callApp("payments", "POST", "/charge", { body }),
      invokeApp('stock', 'PUT', \`/inventory/\${sku}\`, { available }),
      invokeApp("stock", "POST", "inventory/x/reserve"),`;
    expect(readCalls("handlers/a.ts", source, from)).toEqual({
      calls: [
        { from, file: "handlers/a.ts", appId: "payments", method: "POST", path: "/charge" },
        { from, file: "handlers/a.ts", appId: "stock", method: "PUT", path: "/inventory/*" },
        { from, file: "handlers/a.ts", appId: "stock", method: "POST", path: "/inventory/x/reserve" },
      ],
      problems: [],
    });
  });

  it("reports a call it cannot read, since access control could not allow it", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: handler source and messages quoting it, as text
    const { calls, problems } = readCalls("handlers/a.ts", "callApp(target, 'POST', '/x'); invokeApp('s', 'GET', `/a-${id}`)", from);
    expect(calls).toEqual([]);
    expect(problems).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: handler source and messages quoting it, as text
      "handlers/a.ts: invokeApp s GET /a-${id}: a computed part must be a whole path segment (`/items/${id}`)",
      `handlers/a.ts: a callApp(…) call whose app id, method or path is not written as a literal: access control cannot allow what it cannot read (write \`callApp("payment-gateway", "POST", "/charge", …)\`)`,
    ]);
  });
});

describe("readSecrets", () => {
  const keyName = { store: "vault", name: "gateway-key" } as const;
  it("finds the secrets inputs() reads, names taken from constants included", () => {
    const d = describeHandler(
      "onPay",
      defineHandler({
        trigger: topic("pubsub", "pay"),
        schema: v.object({ id: v.string() }),
        inputs: ({ data }) => ({
          key: secret(keyName.store, keyName.name, { key: "k" }),
          call: callApp("payments", "POST", `/charge/${data.id}`, { after: ["key"], headers: ({ key }) => ({ k: String(key) }) }),
        }),
        handle: () => [],
      }),
    );
    expect(readSecrets(d)).toEqual({ secrets: [{ store: "vault", name: "gateway-key" }], problems: [] });
  });

  it("reports a secret named from the event", () => {
    const d = describeHandler(
      "onPay",
      defineHandler({
        trigger: topic("pubsub", "pay"),
        schema: v.object({ tenant: v.string() }),
        inputs: ({ data }) => ({ key: secret("vault", `key-${data.tenant}`) }),
        handle: () => [],
      }),
      "handlers/onPay.ts",
    );
    expect(readSecrets(d).problems).toEqual([
      'handlers/onPay.ts: input "key" reads a secret whose store or name comes from the event: name it with a literal',
    ]);
  });
});

describe("accessManifests", () => {
  const stock = app("stock", [route("setStock", "PUT", "/inventory/:sku"), route("reserveStock", "POST", "/inventory/:sku/reserve")]);
  const caller = (source: string) => app("orders", [route("createOrder", "POST", "/orders")], { "handlers/createOrder.ts": source });

  it("allows each caller exactly the routes it calls, and denies everything else by default", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: handler source and messages quoting it, as text
    const { files, problems } = accessManifests([caller("invokeApp('stock', 'POST', `/inventory/${sku}/reserve`)"), stock], cluster);
    expect(problems).toEqual([]);
    const stockConfig = parse(files.find((f) => f.path.endsWith("/stock.yaml"))?.contents ?? "");
    expect(stockConfig.spec.accessControl).toEqual({
      defaultAction: "deny",
      trustDomain: "public",
      policies: [
        {
          appId: "orders",
          namespace: "shop",
          trustDomain: "public",
          defaultAction: "deny",
          operations: [{ name: "/inventory/***/reserve", httpVerb: ["POST"], action: "allow" }],
        },
      ],
    });
    // No app calls orders: nobody may.
    expect(parse(files.find((f) => f.path.endsWith("/orders.yaml"))?.contents ?? "").spec.accessControl.policies).toEqual([]);
  });

  it("allows what deploy/cluster.yaml says an outside caller (an ingress) calls", () => {
    const external = [{ appId: "ingress", namespace: "edge", calls: [{ appId: "orders", method: "POST", path: "/orders" }] }];
    const { files } = accessManifests([caller(""), stock], { ...cluster, external });
    const policies = parse(files[0].contents).spec.accessControl.policies;
    expect(policies).toEqual([
      {
        appId: "ingress",
        namespace: "edge",
        trustDomain: "public",
        defaultAction: "deny",
        operations: [{ name: "/orders", httpVerb: ["POST"], action: "allow" }],
      },
    ]);
  });

  it("reports a call to a route the app does not serve", () => {
    const { problems } = accessManifests([caller("invokeApp('stock', 'DELETE', '/inventory/x')"), stock], cluster);
    expect(problems).toEqual([
      "handlers/createOrder.ts calls stock DELETE /inventory/x, which stock does not serve (its invoke routes: PUT /inventory/:sku, POST /inventory/:sku/reserve)",
    ]);
  });

  it("reports an entry that, as a prefix, would also allow a route the caller does not call", () => {
    const nested = app("stock", [route("listItems", "POST", "/items"), route("purgeItems", "POST", "/items/purge")]);
    const { problems } = accessManifests([caller("invokeApp('stock', 'POST', '/items')"), nested], cluster);
    expect(problems).toEqual([
      "stock's policy for orders also allows POST /items/purge (handlers/purgeItems.ts), which orders does not call: daprd matches operation names as prefixes; give the route a path of its own",
    ]);
  });

  it("scopes every secret store shut, the built-in kubernetes one included, but for what the handlers read", () => {
    const reader = describeHandler(
      "onPay",
      defineHandler({
        trigger: topic("pubsub", "pay"),
        schema: v.unknown(),
        inputs: () => ({ k: secret("vault", "gateway-key") }),
        handle: () => [],
      }),
    );
    const { files } = accessManifests([app("orders", [reader])], cluster, { tracing: { samplingRate: "1" } });
    expect(parse(files[0].contents).spec).toMatchObject({
      tracing: { samplingRate: "1" },
      secrets: {
        scopes: [
          { storeName: "kubernetes", defaultAccess: "deny" },
          { storeName: "vault", defaultAccess: "deny", allowedSecrets: ["gateway-key"] },
        ],
      },
    });
    expect(files[0].contents).toMatch(/^# Generated by `npm run generate`.*\n# Do not edit/);
  });
});

describe("deniedCalls", () => {
  it("names a call the policy on disk does not allow (a stale or hand-edited file)", () => {
    const call = { from, file: "handlers/a.ts", appId: "stock", method: "PUT", path: "/inventory/*" };
    const spec = { defaultAction: "deny" as const, trustDomain: "public", policies: [] };
    expect(deniedCalls([call], () => spec)).toEqual([
      "handlers/a.ts calls stock PUT /inventory/*, which deploy/kubernetes/generated/stock.yaml does not allow orders (namespace shop): run `npm run generate`",
    ]);
    expect(deniedCalls([call], () => undefined)).toEqual([]);
  });
});
