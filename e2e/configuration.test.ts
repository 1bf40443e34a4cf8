// Configuration changes as a trigger on a real daprd, once per store a profile ships
// (configuration.redis, configuration.postgresql): the runtime subscribes at start, a key changed
// with the store's own tool (redis-cli, SQL) reaches the fixture's onExpressShippingChanged, and
// after daprd restarts (forgetting every subscription) the runtime subscribes again.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRoot } from "../runtime/testing/project-copy.ts";
import { startPostgres } from "./backends.ts";
import { postgresWithConfiguration, redisWithConfiguration, type Stack, type StackOptions, startStack, waitFor } from "./harness.ts";
import { startRedis } from "./servers.ts";

/** A store's server, the stack options that load its configstore, and how a user changes express-shipping there. */
interface ConfigurationServer {
  options: Pick<StackOptions, "profiles" | "prepare">;
  set: (value: string, version: string) => void;
  stop: () => unknown;
}

const stores: { store: string; tool: string; start: () => Promise<ConfigurationServer> }[] = [
  {
    store: "configuration.redis (the redis profile)",
    tool: "redis-cli",
    start: async () => {
      const redis = await startRedis();
      return {
        options: redisWithConfiguration(redis.port),
        // configuration.redis reads a value "on||1" as value "on", version "1".
        set: (value, version) => execFileSync("redis-cli", ["-p", String(redis.port), "SET", "express-shipping", `${value}||${version}`]),
        stop: () => redis.stop(),
      };
    },
  },
  {
    store: "configuration.postgresql (the postgres-kafka profile)",
    tool: "SQL",
    start: async () => {
      const pg = await startPostgres();
      return {
        options: postgresWithConfiguration(pg.connectionString),
        // The upsert docs/jobs.md shows; the table's trigger NOTIFYs daprd.
        set: (value, version) =>
          pg.sql(
            `INSERT INTO configuration (key, value, version) VALUES ('express-shipping', '${value}', '${version}') ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version`,
          ),
        stop: () => pg.stop(),
      };
    },
  },
];

describe.each(stores)("configurationChanged on $store", ({ tool, start }) => {
  let server: ConfigurationServer;
  let stack: Stack;
  beforeAll(async () => {
    server = await start();
    stack = await startStack({
      ...server.options,
      handlers: { onExpressShippingChanged: readFileSync(join(fixtureRoot, "profiled/onExpressShippingChanged.ts"), "utf8") },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  const setting = () => stack.getState("settings-express-shipping") as Promise<{ enabled: boolean; version?: string } | undefined>;
  const handled = (version: string) =>
    waitFor(
      `the change to version ${version} to be handled`,
      async () => ((await setting())?.version === version ? setting() : undefined),
      15_000,
    );
  const subscribed = (n: number) => (stack.logs().match(/configuration configstore \[express-shipping\] watched/g) ?? []).length >= n;

  it(`delivers a change made with ${tool} to the handler, typed, without a restart`, async () => {
    await waitFor("the app to subscribe", () => subscribed(1), 30_000);
    server.set("on", "1");
    expect(await handled("1")).toEqual({ enabled: true, version: "1", key: "express-shipping" });
    const [delivery] = stack.deliveries("/configuration/configstore/express-shipping");
    // What daprd posts: the whole event, `{ id, items: { <key>: { value, version, metadata } } }`.
    expect(JSON.parse(delivery.body ?? "")).toEqual({
      id: expect.any(String),
      items: { "express-shipping": expect.objectContaining({ value: "on", version: "1" }) },
    });
  });

  it("still delivers after daprd restarts: the runtime notices and subscribes again", async () => {
    await stack.restartDaprd();
    await waitFor("the app to subscribe again", () => subscribed(2), 30_000);
    expect(stack.logs()).toMatch(/daprd restarted \(its subscriptions are gone\): subscribing to configuration again/);
    server.set("off", "2");
    expect(await handled("2")).toEqual({ enabled: false, version: "2", key: "express-shipping" });
    // One subscription, not two: the change was handled once.
    const twos = stack.deliveries("/configuration/configstore/express-shipping").filter((d) => (d.body ?? "").includes('"version":"2"'));
    expect(twos.length).toBe(1);
  });
});
