import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import type { Effect } from "../runtime/index.ts";
import { loadProject } from "../runtime/project/project.ts";
import { createApp } from "../runtime/serve/app.ts";
import { checkoutRoot, copyProject, fixtureRoot } from "../runtime/testing/project-copy.ts";
import { checkProject } from "./check.ts";

const repo = checkoutRoot;
const node = join(repo, "node_modules/.bin/node");
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});
// The app id must come from dapr.yaml here, not from a `dapr run` environment.
beforeEach(() => {
  vi.stubEnv("APP_ID", "");
});

/** The framework's fixture app in a temp dir: these tests never depend on the user's handlers/. */
function copyFixture(): string {
  const root = copyProject(fixtureRoot, { prefix: "daprlet-check-" });
  copies.push(root);
  // The fixture's subscriptions are generated, not committed: generate them as a user would have.
  const run = spawnSync(node, [join(repo, "scripts/generate.ts")], { env: { ...process.env, DAPRLET_ROOT: root }, encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return root;
}

// The fixture's topics are published by its tests, not its handlers: runtime/project/topic-flow.test.ts covers those warnings.
const withoutTopicFlow = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => !line.includes("which no handler of the project publishes to"))
    .join("\n");

const edit = (root: string, file: string, change: (source: string) => string) =>
  writeFileSync(join(root, file), change(readFileSync(join(root, file), "utf8")));

const onPaymentReceived = `import * as v from "valibot";
import { defineHandler, saveState, topic } from "daprlet";

export const onPaymentReceived = defineHandler({
  trigger: topic("pubsub", "payments"),
  schema: v.object({ paymentId: v.string(), amount: v.number() }),
  handle: ({ data }) => [saveState("statestore", \`payment-\${data.paymentId}\`, data)],
});
`;

// The one test here about the user's own code: it fails with what to fix (run the generator, add a component).
describe("this project (your handlers/, components/, resiliency/)", () => {
  it("has subscriptions/ in line with handlers/ (else: npm run generate) and nothing for npm run check to report", async () => {
    const { drift, problems } = await checkProject(repo);
    expect({ drift, problems }).toEqual({ drift: [], problems: [] });
  });
});

describe("dropping a new handler file is all it takes", () => {
  const root = copyFixture();
  writeFileSync(join(root, "handlers/onPaymentReceived.ts"), onPaymentReceived);

  it("reports the new topic's subscription as missing until the generator runs", async () => {
    const { drift, problems } = await checkProject(root);
    // Its topic is new to the generated names too.
    expect({ drift, problems }).toEqual({
      drift: ["subscriptions/pubsub-payments.yaml is missing", "handlers/daprlet.d.ts differs from what the handlers generate"],
      problems: [],
    });
  });

  it("is clean after the generator writes a Subscription routing to the handler, scoped to the app", async () => {
    const run = spawnSync(node, [join(repo, "scripts/generate.ts")], { env: { ...process.env, DAPRLET_ROOT: root }, encoding: "utf8" });
    expect({ status: run.status, stderr: withoutTopicFlow(run.stderr) }).toEqual({ status: 0, stderr: "" });
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
    const executed: Effect[] = [];
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
    const root = copyFixture();
    rmSync(join(root, "resiliency"), { recursive: true });
    const advice = (handler: string, topic: string, file: string) =>
      `handlers/${handler}.ts dead-letters ${topic} to orders-dead, but ${file} ("pubsub") has no inbound retry policy in resiliency/: daprd would dead-letter on the first failure. Add targets.components.pubsub.inbound.retry`;
    const fixtureDeadLetterers = [
      ["onAlwaysFails", "always-fails"],
      ["onFlaky", "flaky"],
      ["onOrderCreated", "orders"],
    ];
    // (without any retry policy, every topic also fails the outage check below)
    expect((await checkProject(root)).problems.filter((p) => !p.includes("to notice the app is down"))).toEqual(
      fixtureDeadLetterers.flatMap(([h, t]) =>
        ["embedded", "postgres-kafka", "rabbitmq", "redis"].map((profile) => advice(h, t, `${profile}/pubsub.yaml`)),
      ),
    );
  });

  it("an inbound timeout not longer than the delivery deadline (DAPRLET_DEADLINE_MS, 25 s by default)", async () => {
    const root = copyFixture();
    edit(root, "resiliency/resiliency.yaml", (y) => y.replace("delivery: 30s", "delivery: 20s"));
    const late = (await checkProject(root)).problems.filter((p) => p.includes("delivery deadline"));
    expect(late).toContain(
      'handlers/onOrderCreated.ts is delivered through redis/pubsub.yaml ("pubsub"), whose inbound timeout in resiliency/ (20s) is not longer than the delivery deadline of 25000 ms: daprd would retry a delivery while its first attempt still applies effects. Raise the timeout, or set DAPRLET_DEADLINE_MS below it',
    );
    expect(late.some((p) => p.startsWith("handlers/onBlobCreated.ts is delivered through"))).toBe(true);
    vi.stubEnv("DAPRLET_DEADLINE_MS", "15000");
    expect((await checkProject(root)).problems.filter((p) => p.includes("delivery deadline"))).toEqual([]);
    vi.unstubAllEnvs();
  });

  describe("a delivery retry window shorter than the time daprd needs to notice the app is down", () => {
    const topics = [
      ["onAlwaysFails", "always-fails (and its dead-letter topic orders-dead)"],
      ["onAuditRaw", "audit"],
      ["onBulkOrders", "bulk-orders"],
      ["onFanOutCount", "fanout"],
      ["onFanOutFlaky", "fanout"],
      ["onFlaky", "flaky (and its dead-letter topic orders-dead)"],
      ["onOrderCreated", "orders (and its dead-letter topic orders-dead)"],
      ["onOrderDeadLettered", "orders-dead"],
    ];
    const outage = (window: number, detect: string) =>
      topics.flatMap(([h, t]) =>
        ["embedded", "postgres-kafka", "rabbitmq", "redis"]
          .map((profile) => `${profile}/pubsub.yaml`)
          .map(
            (file) =>
              `handlers/${h}.ts subscribes to pubsub/${t}: ${file} ("pubsub") retries a delivery for ${window} s (resiliency/), not longer than the ${detect}: messages in flight during an outage would be dead-lettered and then lost. Raise the inbound retry's duration × maxRetries, or probe more often`,
          ),
      );

    it("is clean as the fixture ships (1 s × 10 retries against a probe every 1 s × 3)", async () => {
      expect((await checkProject(copyFixture())).problems).toEqual([]);
    });

    it("reports every topic and dead-letter topic with the shipped-before settings (1 s × 3 against 5 s × 3)", async () => {
      const root = copyFixture();
      edit(root, "resiliency/resiliency.yaml", (y) => y.replace("maxRetries: 10", "maxRetries: 3"));
      edit(root, "dapr.yaml", (y) => y.replace("appHealthProbeInterval: 1", "appHealthProbeInterval: 5"));
      const problems = (await checkProject(root)).problems;
      expect(problems.sort()).toEqual(
        outage(3, "15 s daprd needs to notice the app is down (dapr.yaml: probe every 5 s × threshold 3)").sort(),
      );
    });

    it("counts an exponential policy by its shortest intervals, and unlimited retries as long enough", async () => {
      const root = copyFixture();
      const policy = (p: string) =>
        edit(root, "resiliency/resiliency.yaml", (y) => y.replace(/(deliveryRetry:\n)(?:\s+\w+: \S+\n)+/, `$1${p}`));
      policy("        policy: exponential\n        maxInterval: 10s\n        maxRetries: 4\n");
      // 0.5 × (0.5 + 0.75 + 1.125 + 1.6875) s: randomisation may halve each interval
      expect((await checkProject(root)).problems).toEqual(
        outage(2.03125, "3 s daprd needs to notice the app is down (dapr.yaml: probe every 1 s × threshold 3)"),
      );
      policy("        policy: constant\n        duration: 5s\n        maxRetries: -1\n");
      expect((await checkProject(root)).problems).toEqual([]);
    });

    it("reports an app without a health check", async () => {
      const root = copyFixture();
      edit(root, "dapr.yaml", (y) => y.replace("enableAppHealthCheck: true", "enableAppHealthCheck: false"));
      expect((await checkProject(root)).problems).toContain(
        "handlers/onOrderCreated.ts subscribes to pubsub/orders (and its dead-letter topic orders-dead), but dapr.yaml does not enable the app health check: daprd never stops delivering to a dead app, so a message in flight during an outage longer than the retry window is lost. Set enableAppHealthCheck: true",
      );
    });
  });

  it("a dead-letter topic no handler subscribes to", async () => {
    const root = copyFixture();
    rmSync(join(root, "handlers/onOrderDeadLettered.ts"));
    expect((await checkProject(root)).problems).toEqual(
      ["onAlwaysFails", "onFlaky", "onOrderCreated"].map(
        (h) =>
          `handlers/${h}.ts dead-letters to pubsub/orders-dead, but no handler subscribes to it: dead letters would be lost. Add a handler with trigger topic("pubsub", "orders-dead")`,
      ),
    );
  });

  it("an effect naming a state store that components/ does not define", async () => {
    const root = copyFixture();
    edit(root, "handlers/onCronTick.ts", (source) => source.replace('saveState("statestore"', 'saveState("nostore"'));
    expect((await checkProject(root)).problems).toEqual([
      'handlers/onCronTick.ts names state store "nostore", which components/ does not define (known: statestore): add a Component with metadata.name "nostore" or fix the name',
    ]);
  });

  it("a job schedule the scheduler would refuse, with the file and what to write (start-up refuses it too)", async () => {
    const root = copyFixture();
    edit(root, "handlers/onReportJob.ts", (source) => source.replace('schedule: "@every 1s"', 'schedule: "1m" as never'));
    const refusal =
      'handlers/onReportJob.ts: job("report"): schedule "1m" is a duration, not a schedule: write "@every 1m" (or dueTime: "1m" to fire once)';
    await expect(checkProject(root)).rejects.toThrow(refusal);
    await expect(loadProject(root)).rejects.toThrow(refusal);
  });

  it("a subscription file that matches no handler, as drift", async () => {
    const root = copyFixture();
    cpSync(join(root, "subscriptions/pubsub-orders.yaml"), join(root, "subscriptions/pubsub-legacy.yaml"));
    expect(await checkProject(root)).toMatchObject({ drift: ["subscriptions/pubsub-legacy.yaml matches no handler"], problems: [] });
  });
});

describe("inputs name components too", () => {
  it("reports a secret store or a state store an input names that components/ does not define", async () => {
    const root = copyFixture();
    writeFileSync(
      join(root, "handlers/onAudit.ts"),
      `import * as v from "valibot";
import { defineHandler, secret, state, topic } from "daprlet";
export const onAudit = defineHandler({
  trigger: topic("pubsub", "audit-2"),
  schema: v.unknown(),
  inputs: () => ({ key: secret("vault", "k", { key: "k" }), last: state("nostore", "last") }),
  handle: () => [],
});
`,
    );
    const { problems } = await checkProject(root);
    expect(problems).toEqual([
      'handlers/onAudit.ts names state store "nostore", which components/ does not define (known: statestore): add a Component with metadata.name "nostore" or fix the name',
      'handlers/onAudit.ts names secret store "vault", which components/ does not define (known: secretstore): add a Component with metadata.name "vault" or fix the name',
    ]);
  });
});

describe("profiles: what the active profile lacks", () => {
  const onLimits = `import * as v from "valibot";
import { configuration, defineHandler, topic } from "daprlet";
export const onLimits = defineHandler({
  trigger: topic("pubsub", "limits"),
  schema: v.unknown(),
  inputs: () => ({ limits: configuration("configstore", ["max"]) }),
  handle: () => [],
});
`;
  it("reports an input naming a store only other profiles have, for the profile dapr.yaml runs, and not for those that have it", async () => {
    const root = copyFixture();
    writeFileSync(join(root, "handlers/onLimits.ts"), onLimits);
    spawnSync(node, [join(repo, "scripts/generate.ts")], { env: { ...process.env, DAPRLET_ROOT: root } });
    expect((await checkProject(root)).problems).toEqual([
      'handlers/onLimits.ts names configuration store "configstore", which the active profile (components/common + components/embedded) lacks: there every delivery fails reading or writing it (RETRY, then the dead letter). It is in components/configuration/, components/postgres-kafka/: check and run that profile (DAPRLET_PROFILES=configuration npm run check; npm start configuration), or add "configstore" to components/embedded/',
    ]);
    vi.stubEnv("DAPRLET_PROFILES", "redis,configuration");
    expect((await checkProject(root)).problems).toEqual([]);
    vi.stubEnv("DAPRLET_PROFILES", "postgres-kafka");
    expect((await checkProject(root)).problems).toEqual([]);
  });
});

describe("warnings (npm run check prints them and still passes)", () => {
  const deployment = (replicas: number | undefined, appId = "order-service") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
${replicas === undefined ? "" : `  replicas: ${replicas}\n`}  selector: { matchLabels: { app: app } }
  template:
    metadata:
      labels: { app: app }
      annotations:
        dapr.io/enabled: "true"
        dapr.io/app-id: "${appId}"
    spec:
      containers: [{ name: app, image: app }]
`;
  const hpa = (maxReplicas: number) => `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: app
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: app }
  minReplicas: 1
  maxReplicas: ${maxReplicas}
`;
  const withDeploy = (yaml: string) => {
    const root = copyFixture();
    mkdirSync(join(root, "deploy/kubernetes"), { recursive: true });
    writeFileSync(join(root, "deploy/kubernetes/app.yaml"), yaml);
    return root;
  };
  const cronWarning = (runs: string) =>
    `handlers/onCronTick.ts is triggered by the cron binding "cron", which fires on every replica (components-contrib #1249), and deploy/kubernetes/app.yaml runs order-service with ${runs}: it will run once per replica per tick. A job trigger fires once per tick across replicas: trigger: job("onCronTick", { schedule: "@every 30s" })`;

  it("a cron binding handler deployed with more than one replica, or an HPA that may scale it out", async () => {
    expect((await checkProject(withDeploy(deployment(2)))).warnings).toEqual([cronWarning("replicas: 2")]);
    expect((await checkProject(withDeploy(deployment(undefined) + hpa(4)))).warnings).toEqual([
      cronWarning("replicas: 1 (an HPA scales it up to 4)"),
    ]);
  });

  it("nothing for one replica, another app id, or no deploy/ at all", async () => {
    expect((await checkProject(withDeploy(deployment(1) + hpa(1)))).warnings).toEqual([]);
    expect((await checkProject(withDeploy(deployment(3, "payment-gateway")))).warnings).toEqual([]);
    expect((await checkProject(copyFixture())).warnings).toEqual([]);
  }, 30_000); // three copies of the fixture, each generated and checked: slow on a loaded machine

  it("a state.redis idempotency store in a profile without a lock store", async () => {
    const root = copyFixture();
    rmSync(join(root, "components/redis/lockstore.yaml"));
    expect((await checkProject(root)).warnings).toEqual([
      'redis/statestore.yaml ("statestore") is state.redis, whose transactions are not atomic, and redis has no lock store: two concurrent deliveries of one message can both apply its effects. Add a lock.redis component (see components/redis/lockstore.yaml)',
    ]);
  });

  it("a Redis processingTimeout that a message's lock outlives (a reclaimed message would be refused)", async () => {
    const root = copyFixture();
    edit(root, "components/redis/pubsub.yaml", (y) => y.replace('value: "60000"', 'value: "10000"'));
    expect((await checkProject(root)).warnings).toEqual([
      'redis/pubsub.yaml ("pubsub") reclaims a message after processingTimeout 10000, while a delivery\'s lock lives 30 s (the deadline + 5 s): a message reclaimed from a dead replica would be refused until the lock expires. Raise processingTimeout above 30000, or lower DAPRLET_DEADLINE_MS',
    ]);
  });

  it("a component name a handler uses that deploy/kubernetes/components/ lacks (the cluster would fail every such delivery)", async () => {
    const root = copyFixture();
    mkdirSync(join(root, "deploy/kubernetes/components"), { recursive: true });
    cpSync(join(root, "components/embedded/pubsub.yaml"), join(root, "deploy/kubernetes/components/pubsub.yaml"));
    const warnings = (await checkProject(root)).flow;
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^handlers\/createOrder\.ts .*"statestore".*which deploy\/kubernetes\/components\/ does not define \(on Kubernetes every delivery using it fails\)/,
      ),
    );
    expect(warnings.join("\n")).not.toMatch(/"pubsub".*deploy\/kubernetes/);
  });

  it("is a `!` line from npm run check, which still exits 0", () => {
    const root = withDeploy(deployment(2));
    const run = spawnSync(node, [join(repo, "scripts/generate.ts"), "--check"], {
      env: { ...process.env, DAPRLET_ROOT: root },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(withoutTopicFlow(run.stderr)).toBe(`! ${cronWarning("replicas: 2")}\n`);
  });
});

// Each case spawns the generator once or twice (a second or two each on a loaded machine).
describe("access control and secret scopes (with deploy/cluster.yaml)", { timeout: 30_000 }, () => {
  const cluster = `namespace: shop
trustDomain: public
external:
  - appId: ingress-nginx
    namespace: ingress-nginx
    calls:
      - { appId: order-service, method: POST, path: /orders }
`;
  /** The fixture with cluster settings, generated as a user would have. */
  const withCluster = () => {
    const root = copyFixture();
    mkdirSync(join(root, "deploy"), { recursive: true });
    writeFileSync(join(root, "deploy/cluster.yaml"), cluster);
    const run = spawnSync(node, [join(repo, "scripts/generate.ts")], { env: { ...process.env, DAPRLET_ROOT: root }, encoding: "utf8" });
    if (run.status !== 0) throw new Error(run.stderr);
    return root;
  };
  const generated = "deploy/kubernetes/generated/order-service.yaml";
  const check = (root: string) =>
    spawnSync(node, [join(repo, "scripts/generate.ts"), "--check"], { env: { ...process.env, DAPRLET_ROOT: root }, encoding: "utf8" });

  it("generates a Configuration that allows only what is called, and is then clean", async () => {
    const root = withCluster();
    expect(await checkProject(root)).toMatchObject({ drift: [], problems: [] });
    expect(parse(readFileSync(join(root, generated), "utf8")).spec.accessControl).toEqual({
      defaultAction: "deny",
      trustDomain: "public",
      policies: [
        {
          appId: "ingress-nginx",
          namespace: "ingress-nginx",
          trustDomain: "public",
          defaultAction: "deny",
          operations: [{ name: "/orders", httpVerb: ["POST"], action: "allow" }],
        },
      ],
    });
  });

  it("fails npm run check when the policy on disk denies a route that is called (a hand-edited copy)", async () => {
    const root = withCluster();
    edit(root, generated, (y) => y.replace("- POST", "- PUT"));
    const { drift, problems } = await checkProject(root);
    expect(drift).toEqual([`${generated} differs from what the handlers generate`]);
    expect(problems).toEqual([
      `deploy/cluster.yaml calls order-service POST /orders, which ${generated} does not allow ingress-nginx (namespace ingress-nginx): run \`npm run generate\``,
    ]);
    const run = check(root);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`✗ deploy/cluster.yaml calls order-service POST /orders, which ${generated} does not allow ingress-nginx`);
  });

  it("fails npm run check when a handler calls a route the app does not serve", async () => {
    const root = withCluster();
    writeFileSync(
      join(root, "handlers/onOrderCancelled.ts"),
      `import * as v from "valibot";
import { defineHandler, invokeApp, topic } from "daprlet";

export const onOrderCancelled = defineHandler({
  trigger: topic("pubsub", "cancellations"),
  schema: v.object({ orderId: v.string() }),
  handle: ({ data }) => [invokeApp("order-service", "DELETE", \`/orders/\${data.orderId}\`)],
});
`,
    );
    const { problems } = await checkProject(root);
    // The fixture's own invoke routes are listed too (whatever they are): the message names the ones it serves.
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^handlers\/onOrderCancelled\.ts calls order-service DELETE \/orders\/\*, which order-service does not serve \(its invoke routes: .*POST \/orders.*\)$/,
      ),
    );
    expect(check(root).status).toBe(1);
  });

  it("reads calls in code the handlers share (handlers/lib/) too", async () => {
    const root = withCluster();
    mkdirSync(join(root, "handlers/lib"), { recursive: true });
    writeFileSync(join(root, "handlers/lib/refund.ts"), `export const refund = () => invokeApp("order-service", "PUT", "/refunds");\n`);
    expect((await checkProject(root)).problems).toContainEqual(
      expect.stringMatching(
        /^handlers\/lib\/refund\.ts calls order-service PUT \/refunds, which order-service does not serve \(its invoke routes: .*POST \/orders.*\)$/,
      ),
    );
  });

  it("removes a generated Configuration of an app that is gone, as drift until then", async () => {
    const root = withCluster();
    writeFileSync(join(root, "deploy/kubernetes/generated/old-app.yaml"), "kind: Configuration\n");
    expect((await checkProject(root)).drift).toEqual(["deploy/kubernetes/generated/old-app.yaml matches no handler"]);
  });
});
