// The direction of imports between the top folders: `npm start` and the benchmarks never depend on the
// test suite (shared starters live in scripts/servers/, which e2e/ imports, not the reverse).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(rel);
    return /\.ts$/.test(e.name) ? [rel] : [];
  });
}

/** Relative imports and re-exports, static or dynamic, as checkout-relative paths. */
const importsOf = (file: string) =>
  [
    ...readFileSync(join(root, file), "utf8").matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|(?:^|\n)\s*import\s+"([^"]+)"/g,
    ),
  ]
    .map((m) => m[1] ?? m[2] ?? m[3])
    .filter((spec) => spec.startsWith("."))
    .map((spec) => relative(root, resolve(dirname(join(root, file)), spec)));

const importsOfE2e = (folder: string) =>
  sources(folder).flatMap((file) =>
    importsOf(file)
      .filter((i) => i.startsWith("e2e/"))
      .map((i) => `${file} imports ${i}`),
  );

describe("folder layers", () => {
  it("finds the files it checks", () => {
    expect(sources("scripts")).toEqual(expect.arrayContaining(["scripts/start.ts", "scripts/servers/control-plane.ts"]));
    expect(sources("bench").length).toBeGreaterThan(0);
  });

  it("keeps scripts/ (npm start, npm run servers) off the test suite", () => {
    expect(importsOfE2e("scripts")).toEqual([]);
  });

  it("keeps bench/ off the test suite", () => {
    expect(importsOfE2e("bench")).toEqual([]);
  });

  it("sees an import of e2e/ when there is one", () => {
    expect(importsOf("e2e/servers.ts")).toContain("scripts/servers/control-plane.ts");
  });
});
