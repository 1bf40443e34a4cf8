import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { createApp } from "../runtime/app.ts";
import type { SidecarEffect } from "../runtime/effects.ts";
import { loadProject } from "../runtime/project.ts";
import { checkProject } from "./check.ts";

const repo = fileURLToPath(new URL("..", import.meta.url));
const runtimeIndex = join(repo, "runtime/index.ts");
const node = join(repo, "node_modules/.bin/node");
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});
// The app id must come from dapr.yaml here, not from a `dapr run` environment.
beforeEach(() => {
  vi.stubEnv("APP_ID", "");
});

/** The repository's handlers and YAML in a temp dir, with handlers importing the runtime by absolute path. */
function copyProject(): string {
  const root = mkdtempSync(join(tmpdir(), "daprlet-check-"));
  copies.push(root);
  for (const entry of ["handlers", "components", "resiliency", "subscriptions", "dapr.yaml"]) {
    cpSync(join(repo, entry), join(root, entry), { recursive: true, filter: (src) => !src.endsWith(".test.ts") });
  }
  symlinkSync(join(repo, "node_modules"), join(root, "node_modules"), "dir");
  for (const file of readdirSync(join(root, "handlers")).filter((f) => f.endsWith(".ts"))) {
    edit(root, `handlers/${file}`, (source) => source.replaceAll('"../runtime/index.ts"', JSON.stringify(runtimeIndex)));
  }
  return root;
}

const edit = (root: string, file: string, change: (source: string) => string) =>
  writeFileSync(join(root, file), change(readFileSync(join(root, file), "utf8")));

const onPaymentReceived = `import * as v from "valibot";
import { defineHandler, saveState, topic } from ${JSON.stringify(runtimeIndex)};

export const onPaymentReceived = defineHandler({
  trigger: topic("pubsub", "payments"),
  schema: v.object({ paymentId: v.string(), amount: v.number() }),
  handle: ({ data }) => [saveState("statestore", \`payment-\${data.paymentId}\`, data)],
});
`;

describe("the committed repository", () => {
  it("has subscriptions/ in line with handlers/ and nothing to report", async () => {
    const { expected, drift, problems } = await checkProject(repo);
    expect(expected.length).toBeGreaterThan(0);
    expect({ drift, problems }).toEqual({ drift: [], problems: [] });
  });
});

describe("dropping a new handler file is all it takes", () => {
  const root = copyProject();
  writeFileSync(join(root, "handlers/onPaymentReceived.ts"), onPaymentReceived);

  it("reports the new topic's subscription as missing until the generator runs", async () => {
    const { drift, problems } = await checkProject(root);
    expect({ drift, problems }).toEqual({ drift: ["subscriptions/pubsub-payments.yaml is missing"], problems: [] });
  });

  it("is clean after the generator writes a Subscription routing to the handler, scoped to the app", async () => {
    const run = spawnSync(node, [join(repo, "scripts/generate.ts")], { env: { ...process.env, DAPRLET_ROOT: root }, encoding: "utf8" });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(await checkProject(root)).toMatchObject({ drift: [], problems: [] });
    expect(parse(readFileSync(join(root, "subscriptions/pubsub-payments.yaml"), "utf8"))).toEqual({
      apiVersion: "dapr.io/v2alpha1",
      kind: "Subscription",
      metadata: { name: "pubsub-payments" },
      spec: { pubsubname: "pubsub", topic: "payments", routes: { default: "/events/onPaymentReceived" } },
      scopes: ["order-service"],
    });
  });

  it("serves POST /events/onPaymentReceived from the loaded project", async () => {
    const executed: SidecarEffect[] = [];
    const project = await loadProject(root);
    const app = createApp({ handlers: project.handlers, execute: async (effect) => void executed.push(effect) });
    const event = { specversion: "1.0", id: "p-1", source: "billing", type: "com.dapr.event.sent", data: { paymentId: "p-1", amount: 5 } };
    const res = await app.request("/events/onPaymentReceived", {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json", pubsubname: "pubsub" },
      body: JSON.stringify(event),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(executed).toEqual([{ kind: "saveState", store: "statestore", key: "payment-p-1", value: { paymentId: "p-1", amount: 5 } }]);
  });
});

describe("lint reports", () => {
  it("a deadLetterTopic whose pub/sub has no inbound retry policy, once per pub/sub profile", async () => {
    const root = copyProject();
    rmSync(join(root, "resiliency"), { recursive: true });
    const advice = (file: string) =>
      `handlers/onOrderCreated.ts dead-letters orders to orders-dead, but ${file} ("pubsub") has no inbound retry policy in resiliency/: daprd would dead-letter on the first failure. Add targets.components.pubsub.inbound.retry`;
    expect((await checkProject(root)).problems).toEqual([advice("embedded/pubsub.yaml"), advice("redis/pubsub.yaml")]);
  });

  it("a dead-letter topic no handler subscribes to", async () => {
    const root = copyProject();
    rmSync(join(root, "handlers/onOrderDeadLettered.ts"));
    expect((await checkProject(root)).problems).toEqual([
      'handlers/onOrderCreated.ts dead-letters to pubsub/orders-dead, but no handler subscribes to it: dead letters would be lost. Add a handler with trigger topic("pubsub", "orders-dead")',
    ]);
  });

  it("an effect naming a state store that components/ does not define", async () => {
    const root = copyProject();
    edit(root, "handlers/onCronTick.ts", (source) => source.replace('saveState("statestore"', 'saveState("nostore"'));
    expect((await checkProject(root)).problems).toEqual([
      'handlers/onCronTick.ts names state store "nostore", which components/ does not define (known: statestore): add a Component with metadata.name "nostore" or fix the name',
    ]);
  });

  it("a subscription file that matches no handler, as drift", async () => {
    const root = copyProject();
    cpSync(join(root, "subscriptions/pubsub-orders.yaml"), join(root, "subscriptions/pubsub-legacy.yaml"));
    expect(await checkProject(root)).toMatchObject({ drift: ["subscriptions/pubsub-legacy.yaml matches no handler"], problems: [] });
  });
});
