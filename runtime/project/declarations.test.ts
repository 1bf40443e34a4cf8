import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkoutRoot, copyProject, fixtureRoot } from "../testing/project-copy.ts";

const node = join(checkoutRoot, "node_modules/.bin/node");
const handler = (name: string, body: string) => `import * as v from "valibot";
import { defineHandler, publish, saveState, topic } from "daprlet";

export const Loop = v.object({ n: v.number() });

export const ${name} = defineHandler({
  trigger: topic("pubsub", "${name}-topic"),
  schema: v.object({ n: v.number() }),
  handle: () => [${body}],
});
`;

// Each file is one case: tsc runs once over all of them, and each error is read back by its file.
const files = {
  // Publishes to its own topic, typed by its own (exported) schema: no TS7022 circularity.
  "handlers/onLoop.ts": `import * as v from "valibot";
import { defineHandler, publish, saveState, topic } from "daprlet";

export const Loop = v.object({ n: v.number() });

export const onLoop = defineHandler({
  trigger: topic("pubsub", "loop"),
  schema: Loop,
  handle: ({ data }) => [saveState("statestore", "n", data.n), publish("pubsub", "loop", { n: data.n - 1 })],
});
`,
  "handlers/onStoreTypo.ts": handler("onStoreTypo", `saveState("statestre", "k", 1)`),
  "handlers/onStoreConstant.ts": handler("onStoreConstant", `saveState(store, "k", 1)`).replace(
    "export const Loop",
    'const store = "orders-db";\nexport const Loop',
  ),
  "handlers/onTopicTypo.ts": handler("onTopicTypo", `publish("pubsub", "lop", { n: 1 })`),
  "handlers/onWrongPayload.ts": handler("onWrongPayload", `publish("pubsub", "loop", { n: "one" })`),
  "handlers/onAudit.ts": handler("onAudit", `publish("pubsub", "audit-out", { action: "x" })`),
  "handlers/external.d.ts": `export {};\ndeclare module "daprlet" {\n  interface ExternalTopics {\n    pubsub: { "audit-out": { action: string } };\n  }\n}\n`,
  "tsconfig.json": JSON.stringify({ extends: join(checkoutRoot, "tsconfig.json"), include: ["handlers"], exclude: [] }),
};

describe("handlers/daprlet.d.ts, generated in a copy of the fixture and type-checked there", () => {
  const root = copyProject(fixtureRoot, { prefix: "daprlet-names-", files });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const generate = (...args: string[]) =>
    spawnSync(node, [join(checkoutRoot, "scripts/generate.ts"), ...args], {
      env: { ...process.env, DAPRLET_ROOT: root, APP_ID: "" },
      encoding: "utf8",
    });
  const gen = generate();
  const tsc = spawnSync(node, [join(checkoutRoot, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", root], { encoding: "utf8" });
  const errorsOf = (file: string) =>
    tsc.stdout
      .split("\n")
      .filter((line) => line.includes(`${file}(`))
      .map((line) => line.replace(/^.*?handlers\//, "handlers/"));

  it("is written by npm run generate and then in line (npm run check)", () => {
    expect(gen.status, gen.stderr).toBe(0);
    const d = readFileSync(join(root, "handlers/daprlet.d.ts"), "utf8");
    expect(d).toContain('state: "statestore";');
    expect(d).toContain('loop: InferInput<typeof import("./onLoop.ts")["Loop"]>;');
    // The check still fails, on the typo cases' literal names: but not on this file's drift.
    const check = generate("--check");
    expect(check.stderr).toContain('names state store "statestre"');
    expect(check.stderr).not.toContain("daprlet.d.ts");
  });

  it("accepts the names the YAML and handlers define, a handler publishing to its own topic, and declared ExternalTopics", () => {
    expect([...errorsOf("onLoop.ts"), ...errorsOf("onAudit.ts")]).toEqual([]);
  });

  it("refuses a state store typo, naming the file and the stores there are", () => {
    expect(errorsOf("onStoreTypo.ts")).toEqual([
      expect.stringMatching(/^handlers\/onStoreTypo\.ts\(\d+,\d+\): error TS2345: .*'"statestre"'.*'"statestore"'/),
    ]);
  });

  it("refuses a store name held in a constant", () => {
    expect(errorsOf("onStoreConstant.ts")).toEqual([expect.stringMatching(/onStoreConstant\.ts.*'"orders-db"'.*'"statestore"'/)]);
  });

  it("refuses a topic nobody subscribes to, listing the topics there are", () => {
    expect(errorsOf("onTopicTypo.ts")).toEqual([expect.stringMatching(/onTopicTypo\.ts.*'"lop"'.*"loop"/)]);
  });

  it("refuses data the subscriber's schema would refuse", () => {
    expect(errorsOf("onWrongPayload.ts").join("\n")).toMatch(
      /onWrongPayload\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });
});
