// Configuration changes as a trigger on a real daprd with configuration.redis: the runtime
// subscribes at start, a key changed with redis-cli reaches the fixture's onExpressShippingChanged,
// and after daprd restarts (forgetting every subscription) the runtime subscribes again.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRoot } from "../runtime/testing/project-copy.ts";
import { redisWithConfiguration, type Stack, startStack, waitFor } from "./harness.ts";
import { type Server, startRedis } from "./servers.ts";

describe("configurationChanged on the redis profile's configuration store", () => {
  let redis: Server;
  let stack: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({
      ...redisWithConfiguration(redis.port),
      handlers: { onExpressShippingChanged: readFileSync(join(fixtureRoot, "profiled/onExpressShippingChanged.ts"), "utf8") },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    redis?.stop();
  });

  const set = (value: string) =>
    execFileSync("redis-cli", ["-p", String(redis.port), "SET", "express-shipping", value], { encoding: "utf8" });
  const setting = () => stack.getState("settings-express-shipping") as Promise<{ enabled: boolean; version?: string } | undefined>;
  const subscribed = (n: number) => (stack.logs().match(/configuration configstore \[express-shipping\] watched/g) ?? []).length >= n;

  it("delivers a change made with redis-cli to the handler, typed, without a restart", async () => {
    await waitFor("the app to subscribe", () => subscribed(1), 30_000);
    set("on||1");
    expect(
      await waitFor("the change to be handled", async () => ((await setting())?.version === "1" ? setting() : undefined), 15_000),
    ).toEqual({
      enabled: true,
      version: "1",
      key: "express-shipping",
    });
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
    set("off||2");
    expect(
      await waitFor("the change after the restart", async () => ((await setting())?.version === "2" ? setting() : undefined), 15_000),
    ).toEqual({
      enabled: false,
      version: "2",
      key: "express-shipping",
    });
    // One subscription, not two: the change was handled once.
    const handled = stack.deliveries("/configuration/configstore/express-shipping").filter((d) => (d.body ?? "").includes('"version":"2"'));
    expect(handled.length).toBe(1);
  });
});
