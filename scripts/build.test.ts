import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutRoot, fixtureRoot } from "../runtime/testing/project-copy.ts";
import { build, toJavaScript } from "./build.ts";
import { smokeServe } from "./serve-smoke.ts";

const out = mkdtempSync(join(tmpdir(), "daprlet-build-"));
const node = join(checkoutRoot, "node_modules/.bin/node");
beforeAll(() => {
  build(fixtureRoot, out);
  // The production install is deploy/image.test.ts's business; here the checkout's packages stand in.
  symlinkSync(join(checkoutRoot, "node_modules"), join(out, "node_modules"), "dir");
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const walk = (dir: string, at = ""): string[] =>
  readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(dir, `${at}${e.name}/`) : [`${at}${e.name}`]));

describe("scripts/build.ts", () => {
  it("erases types and points relative .ts specifiers, static and dynamic, at .js", () => {
    const js = toJavaScript(
      'import type { A } from "./a.ts";\nimport { b } from "./b.ts";\nexport { c } from "../c.ts";\nconst x: A = b;\nawait import("./d.ts");\nimport "hono";\n',
      "m.ts",
    );
    expect(js).toContain('import { b } from "./b.js"');
    expect(js).toContain('export { c } from "../c.js"');
    expect(js).toContain('await import("./d.js")');
    expect(js).toContain('import "hono"');
    expect(js).not.toMatch(/\.ts"|: A|import type/);
  });

  it("builds the fixture project into JavaScript only: no test, no testing kit, exports at the built index", () => {
    const files = walk(out);
    expect(
      files.filter((f) => /\.[mc]?ts$/.test(f)),
      "no TypeScript left to strip at start",
    ).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(["runtime/main.js", "runtime/wiring.js", "handlers/onOrderCreated.js", "dapr.yaml"]));
    expect(files.filter((f) => f.startsWith("runtime/testing/") || /\.test\./.test(f))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
    expect(pkg.exports).toEqual({ ".": "./runtime/index.js" });
    expect(existsSync(join(out, "package-lock.json"))).toBe(true);
  });

  it("reads the project at boot without loading a YAML parser: the build wrote its snapshot", () => {
    const script = `import { createRequire } from "node:module";
const { loadProject } = await import("./runtime/project/project.js");
const project = await loadProject(".");
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes("/node_modules/yaml/"));
console.log(JSON.stringify({ appId: project.appId, components: project.components.length, loaded }));`;
    const seen = JSON.parse(
      execFileSync(node, ["--input-type=module", "-e", script], { cwd: out, env: { ...process.env, APP_ID: "" }, encoding: "utf8" }),
    );
    expect(seen).toEqual({ appId: "order-service", components: expect.any(Number), loaded: [] });
    expect(seen.components).toBeGreaterThan(0);
  });

  it("starts with `node runtime/main.js` from the build, answers /healthz and a CloudEvent, and saves through the sidecar", async () => {
    const result = await smokeServe(out, { node, env: { DAPRLET_LOG: "off" } });
    expect(result.healthz, result.output).toBe(200);
    expect(result.answer, result.output).toEqual({ status: "SUCCESS" });
    expect(result.sidecarCalls.filter((c) => c.startsWith("POST /v1.0/state/statestore"))).not.toEqual([]);
  });
});
