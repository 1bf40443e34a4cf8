import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { discoverHandlers } from "./discover.ts";
import { loadProject } from "./project.ts";

const runtimeIndex = fileURLToPath(new URL("../index.ts", import.meta.url));
const nodeModules = fileURLToPath(new URL("../node_modules", import.meta.url));
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fresh project root whose `handlers/` holds `files` (path → source); returns the root. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "daprlet-discover-"));
  roots.push(root);
  symlinkSync(nodeModules, join(root, "node_modules"), "dir");
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

/** A handler file exporting `name` with the given trigger expression. */
const handler = (name: string, trigger: string) => `import * as v from "valibot";
import { binding, defineHandler, invoke, job, jobFamily, topic } from "${runtimeIndex}";
export const ${name} = defineHandler({ trigger: ${trigger}, schema: v.unknown(), handle: () => [] });
`;

const messageOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error("expected the promise to reject with an Error");
  return error.message;
};

describe("discoverHandlers", () => {
  it("refuses a handler file whose name cannot be an export name", async () => {
    const root = project({ "handlers/order-created.ts": handler("orderCreated", 'topic("pubsub", "orders")') });
    expect(await messageOf(discoverHandlers(join(root, "handlers")))).toContain(
      "handlers/order-created.ts is not a valid handler file name: name it after its export, e.g. onOrderCreated.ts",
    );
  });

  it("refuses two topics that would generate the same Subscription file", async () => {
    const root = project({
      "handlers/onDotted.ts": handler("onDotted", 'topic("pubsub", "orders.created")'),
      "handlers/onDashed.ts": handler("onDashed", 'topic("pubsub", "orders-created")'),
    });
    expect(await messageOf(discoverHandlers(join(root, "handlers")))).toContain(
      'topics pubsub/orders-created and pubsub/orders.created both become Subscription "pubsub-orders-created": rename one topic',
    );
  });

  it("derives each route from the trigger: topics under /events/<name>, bindings at /<component>, invokes at their path", async () => {
    const root = project({
      "handlers/onOrder.ts": handler("onOrder", 'topic("pubsub", "orders")'),
      "handlers/onTick.ts": handler("onTick", 'binding("cron")'),
      "handlers/getOrder.ts": handler("getOrder", 'invoke("GET", "/orders/:id")'),
    });
    const found = await discoverHandlers(join(root, "handlers"));
    expect(found.map(({ name, file, route }) => ({ name, file, route }))).toEqual([
      { name: "getOrder", file: "handlers/getOrder.ts", route: "/orders/:id" },
      { name: "onOrder", file: "handlers/onOrder.ts", route: "/events/onOrder" },
      { name: "onTick", file: "handlers/onTick.ts", route: "/cron" },
    ]);
    expect(found[1].trigger).toEqual({ kind: "topic", pubsub: "pubsub", topic: "orders" });
  });

  it("sorts files by name and ignores test files and sub-folders", async () => {
    const notAHandler = "export const helper = 1;\n";
    const root = project({
      "handlers/onB.ts": handler("onB", 'topic("pubsub", "b")'),
      "handlers/onA.ts": handler("onA", 'topic("pubsub", "a")'),
      "handlers/onA.test.ts": notAHandler,
      "handlers/onA.spec.ts": notAHandler,
      "handlers/onA.test-d.ts": notAHandler,
      "handlers/lib/helper.ts": notAHandler,
      "handlers/lib/onNested.ts": handler("onNested", 'topic("pubsub", "nested")'),
    });
    const found = await discoverHandlers(join(root, "handlers"));
    expect(found.map((d) => d.file)).toEqual(["handlers/onA.ts", "handlers/onB.ts"]);
  });

  it("refuses a file that exports no handler, saying what to export", async () => {
    const root = project({ "handlers/onA.ts": "export const onA = 1;\n" });
    expect(await messageOf(discoverHandlers(join(root, "handlers")))).toBe(
      "[daprlet] handlers in handlers are not valid:\n" +
        "  - handlers/onA.ts exports no handler: add `export const onA = defineHandler({ trigger, schema, handle })` (or `defineActor({ state, initial, methods })`)",
    );
  });

  it("turns an actor export into one descriptor per method plus its reminder and timer callbacks, typed by the export's name", async () => {
    const root = project({
      "handlers/Counter.ts": `import * as v from "valibot";
import { defineActor } from "${runtimeIndex}";
export const Counter = defineActor({ state: v.object({ n: v.number() }), initial: () => ({ n: 0 }), methods: (method) => ({ add: method(v.number(), (s, by) => ({ state: { n: s.n + by } })), get: method((s) => ({ reply: s })) }) });
`,
    });
    const found = await discoverHandlers(join(root, "handlers"));
    expect(found.map((d) => [d.name, d.file, d.route])).toEqual([
      ["Counter.add", "handlers/Counter.ts", "/actors/Counter/:id/method/add"],
      ["Counter.get", "handlers/Counter.ts", "/actors/Counter/:id/method/get"],
      ["Counter.remind", "handlers/Counter.ts", "/actors/Counter/:id/method/remind/:name"],
      ["Counter.timer", "handlers/Counter.ts", "/actors/Counter/:id/method/timer/:name"],
    ]);
  });

  it("refuses an export whose name differs from the file name", async () => {
    const root = project({ "handlers/onA.ts": handler("onB", 'topic("pubsub", "a")') });
    expect(await messageOf(discoverHandlers(join(root, "handlers")))).toBe(
      "[daprlet] handlers in handlers are not valid:\n" +
        "  - handlers/onA.ts exports onB, not onA: name the export after the file (or rename the file)",
    );
  });

  it("refuses a file that exports a second handler next to the one named after it", async () => {
    const second = 'export const onB = defineHandler({ trigger: topic("pubsub", "b"), schema: v.unknown(), handle: () => [] });\n';
    const root = project({ "handlers/onA.ts": handler("onA", 'topic("pubsub", "a")') + second });
    expect(await messageOf(discoverHandlers(join(root, "handlers")))).toBe(
      "[daprlet] handlers in handlers are not valid:\n" +
        "  - handlers/onA.ts exports more than one handler (onB): move each into a file of its own",
    );
  });

  it("serves handlers of one topic (and rule) together from the first one's route, and lets another rule keep its own", async () => {
    const root = project({
      "handlers/onB.ts": handler("onB", 'topic("pubsub", "orders")'),
      "handlers/onA.ts": handler("onA", 'topic("pubsub", "orders")'),
      "handlers/onBig.ts": handler("onBig", 'topic("pubsub", "orders", { match: "event.data.amount > 100" })'),
    });
    const found = await discoverHandlers(join(root, "handlers"));
    expect(found.map((d) => [d.name, d.route, d.fanOut])).toEqual([
      ["onA", "/events/onA", ["onA", "onB"]],
      ["onB", "/events/onA", ["onA", "onB"]],
      ["onBig", "/events/onBig", undefined],
    ]);
  });

  it("refuses handlers of one topic whose subscription settings differ, naming both files", async () => {
    const root = project({
      "handlers/onA.ts": handler("onA", 'topic("pubsub", "orders")'),
      "handlers/onB.ts": handler("onB", 'topic("pubsub", "orders", { deadLetterTopic: "dead" })'),
    });
    expect(await messageOf(discoverHandlers(join(root, "handlers")))).toContain(
      "handlers/onA.ts and handlers/onB.ts subscribe to pubsub/orders with different deadLetterTopic, rawPayload, bulk or metadata",
    );
  });

  it("refuses a parameterised route that would take a declared job's firings, naming both files, whatever the file order", async () => {
    const root = project({
      "handlers/aJobRoute.ts": handler("aJobRoute", 'invoke("POST", "/job/:name")'),
      "handlers/onReport.ts": handler("onReport", 'job("report", { schedule: "@every 1s" })'),
      "handlers/onLate.ts": handler("onLate", 'jobFamily("late")'),
    });
    const message = await messageOf(discoverHandlers(join(root, "handlers"), root));
    expect(message).toContain(
      "handlers/aJobRoute.ts (POST /job/:name: POST /job/:name) and handlers/onLate.ts (job family late-*: POST /job/late-:key) overlap: a request to one would reach whichever is mounted first (the file order): change one path or narrow the other",
    );
    expect(message).toContain(
      "handlers/aJobRoute.ts (POST /job/:name: POST /job/:name) and handlers/onReport.ts (job report (@every 1s): POST /job/report) overlap",
    );
  });

  it("refuses a job family whose prefix takes another job's name, and a handler on a runtime route", async () => {
    const root = project({
      "handlers/onLate.ts": handler("onLate", 'jobFamily("report")'),
      "handlers/onReport.ts": handler("onReport", 'job("report-daily", { schedule: "@daily" })'),
      "handlers/health.ts": handler("health", 'invoke("GET", "/healthz")'),
    });
    const message = await messageOf(discoverHandlers(join(root, "handlers"), root));
    expect(message).toContain(
      "handlers/onLate.ts (job family report-*: POST /job/report-:key) and handlers/onReport.ts (job report-daily (@daily): POST /job/report-daily) overlap",
    );
    expect(message).toContain(
      "the runtime (the health probe: GET /healthz) and handlers/health.ts (GET /healthz: GET /healthz) overlap: the runtime serves GET /healthz (the health probe) itself: give the handler another path",
    );
  });

  it("accepts handlers of one topic that differ by match rule", async () => {
    const root = project({
      "handlers/onBig.ts": handler("onBig", 'topic("pubsub", "orders", { match: "event.data.amount > 100" })'),
      "handlers/onOther.ts": handler("onOther", 'topic("pubsub", "orders")'),
    });
    expect((await discoverHandlers(join(root, "handlers"))).map((d) => d.route)).toEqual(["/events/onBig", "/events/onOther"]);
  });

  it("refuses handlers of one topic with different deadLetterTopic, since they share one Subscription", async () => {
    const root = project({
      "handlers/onBig.ts": handler("onBig", 'topic("pubsub", "orders", { match: "event.data.amount > 100", deadLetterTopic: "big-dead" })'),
      "handlers/onOther.ts": handler("onOther", 'topic("pubsub", "orders", { deadLetterTopic: "orders-dead" })'),
    });
    expect(await messageOf(discoverHandlers(join(root, "handlers")))).toBe(
      "[daprlet] handlers in handlers are not valid:\n" +
        "  - handlers/onBig.ts and handlers/onOther.ts subscribe to pubsub/orders with different deadLetterTopic, rawPayload, bulk or metadata: one Subscription serves them all, so make these options equal",
    );
  });
});

describe("loadProject", () => {
  const components = `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.in-memory
  version: v1
`;

  it("refuses triggers naming a pub/sub or binding that components/ does not define, listing both at once", async () => {
    const root = project({
      "dapr.yaml": "apps:\n  - appID: x\n",
      "components/pubsub.yaml": components,
      "handlers/onA.ts": handler("onA", 'topic("queue", "orders")'),
      "handlers/onB.ts": handler("onB", 'binding("nobinding")'),
    });
    expect(await messageOf(loadProject(root))).toBe(
      "[daprlet] handlers name components that do not exist:\n" +
        '  - handlers/onA.ts names pub/sub "queue", which components/ does not define (known: pubsub): add a Component with metadata.name "queue" or fix the name\n' +
        '  - handlers/onB.ts names binding "nobinding", which components/ does not define (known: none): add a Component with metadata.name "nobinding" or fix the name',
    );
  });

  it('refuses an actor when no state store says actorStateStore: "true" (daprd would refuse every actor state write), once per file', async () => {
    const actor = `import * as v from "valibot";
import { defineActor } from "${runtimeIndex}";
export const Counter = defineActor({ state: v.object({}), initial: () => ({}), methods: (method) => ({ a: method(() => ({})), b: method(() => ({})) }) });
`;
    const store = (extra: string) => `${components}---
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.sqlite
  version: v1
  metadata:
    - name: connectionString
      value: "file:x.db"${extra}
`;
    const root = project({ "dapr.yaml": "apps:\n  - appID: x\n", "components/c.yaml": store(""), "handlers/Counter.ts": actor });
    expect(await messageOf(loadProject(root))).toBe(
      "[daprlet] handlers name components that do not exist:\n" +
        '  - handlers/Counter.ts needs a state store with metadata actorStateStore: "true", which no component in components/ has: add it to the state store of each profile',
    );
    const ok = project({
      "dapr.yaml": "apps:\n  - appID: x\n",
      "components/c.yaml": store('\n    - name: actorStateStore\n      value: "true"'),
      "handlers/Counter.ts": actor,
    });
    expect((await loadProject(ok)).handlers.map((d) => d.name)).toEqual(["Counter.a", "Counter.b", "Counter.remind", "Counter.timer"]);
  });

  it("loads a project whose triggers all name defined components, with the app id from dapr.yaml", async () => {
    const root = project({
      "dapr.yaml": "apps:\n  - appID: x\n",
      "components/pubsub.yaml": components,
      "handlers/onA.ts": handler("onA", 'topic("pubsub", "orders")'),
    });
    const loaded = await loadProject(root);
    expect({
      appId: loaded.appId,
      handlers: loaded.handlers.map((d) => d.route),
      components: loaded.components.map((c) => c.name),
    }).toEqual({
      appId: "x",
      handlers: ["/events/onA"],
      components: ["pubsub"],
    });
  });
});
