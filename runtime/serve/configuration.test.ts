// Configuration watches against the fake sidecar: subscribe at start, deliver changes to the
// handler, subscribe again after a daprd restart, unsubscribe on stop.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { describeHandler } from "../descriptor.ts";
import { configurationChangedKind } from "../kinds/configuration-changed.ts";
import { configurationEvent, configurationRequest } from "../testing/builders.ts";
import { createFakeSidecar } from "../testing/fake-sidecar.ts";
import { onExpressShippingChanged } from "../testing/fixture/profiled/onExpressShippingChanged.ts";
import { callHandle } from "../testing/handle.ts";
import { runHandler, testApp } from "../testing/run.ts";
import { configurationWatches, watchConfiguration, watchMarker } from "./configuration.ts";

const sidecar = createFakeSidecar({ port: 3592, configurationStores: ["configstore"] });
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const app = testApp({ onExpressShippingChanged }, { client: sidecar.client });
const watches = configurationWatches([
  { ...describeHandler("onExpressShippingChanged", onExpressShippingChanged), file: "handlers/onExpressShippingChanged.ts" },
]);
const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

describe("configuration changes (POST /configuration/<store>/<key>)", () => {
  it("hands the handler the changed items, typed by its schema, and answers 200", async () => {
    const result = await runHandler(
      onExpressShippingChanged,
      configurationRequest("configstore", { "express-shipping": { value: "on", version: "3", metadata: {} } }),
    );
    expect(result.answer).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(result.effects).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "settings-express-shipping",
        value: { enabled: true, version: "3", key: "express-shipping" },
      },
    ]);
    expectTypeOf<Parameters<typeof onExpressShippingChanged.handle>[0]["data"]["express-shipping"]["value"]>().toEqualTypeOf<string>();
  });

  it("can be called with plain values through the schema", async () => {
    expect(await callHandle(onExpressShippingChanged, { "express-shipping": { value: "off" } })).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "settings-express-shipping",
        value: { enabled: false, version: undefined, key: "express-shipping" },
      },
    ]);
    expect(configurationEvent("configstore", { a: { value: "1" } }).key).toBe("a");
  });

  it("answers 200 DROP to items the schema refuses and to a body without items (daprd would only log anything else)", async () => {
    const bad = await app.request("/configuration/configstore/express-shipping", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "1", items: {} }),
    });
    expect({ status: bad.status, body: await bad.json() }).toMatchObject({ status: 200, body: { status: "DROP" } });
    const none = await app.request("/configuration/configstore/x", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect({ status: none.status, body: await none.json() }).toEqual({
      status: 200,
      body: { status: "DROP", reason: "no items in the configuration event" },
    });
  });

  it("claims its store: one handler per store", () => {
    expect(configurationChangedKind.claims(onExpressShippingChanged.trigger, "/configuration/configstore/:key")).toEqual([
      { key: "configuration configstore", what: "the changes of configuration store configstore (POST /configuration/configstore/:key)" },
    ]);
    expect(configurationChangedKind.needs(onExpressShippingChanged.trigger)).toEqual([{ block: "configuration", name: "configstore" }]);
  });
});

describe("watchConfiguration", () => {
  it("subscribes to the watched keys, marks daprd, and delivers what changes", async () => {
    const lines: string[] = [];
    const watcher = watchConfiguration({ client: sidecar.client, watches, intervalMs: 10, log: (l) => lines.push(l) });
    await watcher.ready;
    expect([...sidecar.subscriptions.values()]).toEqual([{ store: "configstore", keys: ["express-shipping"] }]);
    const [id] = sidecar.subscriptions.keys();
    const metadata = (await (await fetch("http://127.0.0.1:3592/v1.0/metadata")).json()) as { extended: Record<string, string> };
    expect(metadata.extended[watchMarker]).toBe(id);
    for (const delivery of sidecar.change("configstore", "express-shipping", "on")) {
      expect((await app.send("onExpressShippingChanged", delivery)).status).toBe(200);
    }
    expect(sidecar.get("statestore", "settings-express-shipping")).toMatchObject({ enabled: true });
    expect(sidecar.change("configstore", "other-key", "x")).toEqual([]);
    await watcher.stop();
    expect(sidecar.subscriptions.size).toBe(0);
    expect(lines[0]).toMatch(
      /configuration configstore \[express-shipping\] watched \(subscription .+\) → POST \/configuration\/configstore\/<key>/,
    );
  });

  it("subscribes again when daprd restarts (its memory, and our marker, are gone), and only then", async () => {
    const lines: string[] = [];
    const watcher = watchConfiguration({ client: sidecar.client, watches, intervalMs: 5, log: (l) => lines.push(l) });
    await watcher.ready;
    const [first] = sidecar.subscriptions.keys();
    await new Promise((r) => setTimeout(r, 30));
    expect([...sidecar.subscriptions.keys()]).toEqual([first]);
    sidecar.restart();
    await until("a new subscription", () => sidecar.subscriptions.size === 1);
    expect([...sidecar.subscriptions.keys()]).not.toEqual([first]);
    expect(lines).toContain("[daprlet] daprd restarted (its subscriptions are gone): subscribing to configuration again");
    await watcher.stop();
  });

  it("retries while daprd cannot subscribe, and says once when daprd has no such store", async () => {
    sidecar.fail({ operation: "subscribeConfiguration", status: 500, times: 2 });
    const lines: string[] = [];
    const watcher = watchConfiguration({ client: sidecar.client, watches, intervalMs: 5, log: (l) => lines.push(l) });
    await watcher.ready;
    expect(sidecar.subscriptions.size).toBe(1);
    expect(lines.filter((l) => l.includes("waits for daprd"))).toHaveLength(1); // said once, not every round
    await watcher.stop();
    const missing = watchConfiguration({
      client: sidecar.client,
      watches: [{ trigger: { kind: "configurationChanged", store: "nostore", keys: [] }, file: "handlers/onX.ts" }],
      intervalMs: 5,
      log: (l) => lines.push(l),
    });
    await missing.ready;
    await missing.stop();
    expect(lines.filter((l) => l.includes("✗"))).toEqual([
      '[daprlet] ✗ handlers/onX.ts: daprd has no configuration store "nostore" (sidecar answered 400 ERR_CONFIGURATION_STORE_NOT_FOUND: configuration store nostore not found): its changes are not delivered. Start with a profile that has one (npm start redis, or npm start postgres-kafka) or fix the name',
    ]);
  });
});
