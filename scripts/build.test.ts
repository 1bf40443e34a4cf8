import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutRoot, fixtureRoot } from "../runtime/testing/project-copy.ts";
import { build, toJavaScript } from "./build.ts";
import { smokeServe } from "./serve-smoke.ts";

const out = mkdtempSync(join(tmpdir(), "daprlet-build-"));
beforeAll(() => build(fixtureRoot, out));
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

  it("starts with `node runtime/main.js` from the build, answers /healthz and a CloudEvent, and saves through the sidecar", async () => {
    // The production install is deploy/image.test.ts's business; here the checkout's packages stand in.
    symlinkSync(join(checkoutRoot, "node_modules"), join(out, "node_modules"), "dir");
    const result = await smokeServe(out, { node: join(checkoutRoot, "node_modules/.bin/node"), env: { DAPRLET_LOG: "off" } });
    expect(result.healthz, result.output).toBe(200);
    expect(result.answer, result.output).toEqual({ status: "SUCCESS" });
    expect(result.sidecarCalls.filter((c) => c.startsWith("POST /v1.0/state/statestore"))).not.toEqual([]);
  });
});
