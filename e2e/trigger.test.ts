// `npm run trigger`: fires one handler of a running app as production would and reports the outcome.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { projectRoot, type Stack, startStack } from "./harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const trigger = (...args: string[]) => {
  const run = spawnSync(join(projectRoot, "node_modules/.bin/node"), [join(projectRoot, "scripts/trigger.ts"), ...args], {
    cwd: stack.dir,
    env: { ...process.env, DAPR_HTTP_PORT: String(stack.daprPort), APP_PORT: String(stack.appPort) },
    encoding: "utf8",
  });
  return { status: run.status, out: run.stdout + run.stderr };
};

it("publishes to a topic handler through daprd and shows its outcome and effects", () => {
  const { status, out } = trigger("onOrderCreated", '{"orderId":"trg-1","amount":3}');
  expect(status).toBe(0);
  expect(out).toMatch(/published to pubsub\/orders as trigger-[\w-]+: daprd answered 204/);
  expect(out).toMatch(/onOrderCreated: SUCCESS in [\d.]+ ms/);
  expect(out).toContain("effect:  saveState statestore/processed-trg-1");
});

it("invokes a route through daprd, and says what DROP and its reason were", () => {
  expect(trigger("createOrder", '{"orderId":"trg-2","amount":4}').out).toContain("POST /orders through daprd: 202");
  const bad = trigger("onOrderCreated", '{"orderId":"trg-3"}');
  expect(bad).toMatchObject({ status: 1, out: expect.stringContaining("onOrderCreated: DROP (schema validation failed: amount") });
});

it("fires an input binding (a cron tick) with the shape daprd sends", () => {
  expect(trigger("onCronTick")).toMatchObject({ status: 0, out: expect.stringContaining("onCronTick: SUCCESS") });
});

it("names what is missing: an unknown handler, a path param, bad JSON", () => {
  expect(trigger("nobody").out).toContain("no handler or workflow named nobody: known");
  expect(trigger("onOrderCreated", "{nope").out).toContain("the payload is not JSON");
});
