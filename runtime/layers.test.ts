// The folder layout says when code runs; this test keeps it true. Request-time code (serve/,
// observe/) never imports boot-time code (project/); nothing but the testing kit imports
// testing/; kinds/ depend on nothing but themselves; and no import cycle exists.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = import.meta.dirname;
const isSource = (f: string) => /\.ts$/.test(f) && !/\.test(-d)?\.ts$/.test(f);

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) return rel === "testing/fixture" ? [] : sources(rel);
    return isSource(e.name) ? [rel] : [];
  });
}

const files = sources("");
/** Every import and re-export, static or dynamic: relative ones as runtime-relative paths, packages by name. */
const importsOf = (file: string) =>
  [
    ...readFileSync(join(root, file), "utf8").matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|(?:^|\n)\s*import\s+"([^"]+)"/g,
    ),
  ].map((m) => {
    const spec = m[1] ?? m[2] ?? m[3];
    return spec.startsWith(".") ? relative(root, resolve(dirname(join(root, file)), spec)) : `package:${spec}`;
  });
const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Which layer a runtime file belongs to, by folder. */
const layerOf = (file: string) => {
  const top = file.split("/")[0];
  if (["kinds", "project", "serve", "observe", "testing"].includes(top)) return top;
  // Workflow definitions are what handler files import (the surface); the worker is wired at boot.
  if (top === "workflow") return file === "workflow/worker.ts" ? "worker" : "surface";
  return file === "wiring.ts" ? "main" : "surface"; // else index.ts, define.ts, descriptor.ts, errors.ts
};

// What each layer may import from the runtime. `main` wires everything but the testing kit.
const allowed: Record<string, string[]> = {
  kinds: ["kinds"],
  surface: ["surface", "kinds"],
  project: ["project", "surface", "kinds"],
  observe: ["observe", "surface", "kinds"],
  serve: ["serve", "observe", "surface", "kinds"],
  worker: ["worker", "serve", "observe", "surface", "kinds"],
  main: ["main", "worker", "serve", "observe", "project", "surface", "kinds"],
  testing: ["testing", "worker", "serve", "observe", "project", "surface", "kinds"],
};
// Packages that are boot-time only (YAML) or too heavy for the delivery path.
const bannedPackages: Record<string, string[]> = {
  kinds: ["yaml", "@dapr/dapr", "msw", "vitest"],
  surface: ["yaml", "@dapr/dapr", "msw", "vitest"],
  serve: ["yaml", "@dapr/dapr", "msw", "vitest"],
  observe: ["yaml", "@dapr/dapr", "msw", "vitest"],
  project: ["msw", "vitest"],
  worker: ["yaml", "msw", "vitest"],
  main: ["msw", "vitest"],
};

describe("runtime layers", () => {
  it("finds the runtime's files", () => {
    expect(files).toEqual(
      expect.arrayContaining(["wiring.ts", "index.ts", "serve/pipeline.ts", "project/discover.ts", "kinds/triggers.ts"]),
    );
  });

  it("imports only from layers that run at the same time or earlier (request time never imports boot time)", () => {
    const violations = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((i) => !i.startsWith("package:") && !allowed[layerOf(file)].includes(layerOf(i)))
        .map((i) => `${file} (${layerOf(file)}) imports ${i} (${layerOf(i)})`),
    );
    expect(violations).toEqual([]);
  });

  it("keeps boot-time and test-only packages off the delivery path", () => {
    const violations = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((i) => i.startsWith("package:"))
        .map((i) => i.slice("package:".length))
        .filter((pkg) => (bannedPackages[layerOf(file)] ?? []).some((b) => pkg === b || pkg.startsWith(`${b}/`)))
        .map((pkg) => `${file} imports ${pkg}`),
    );
    expect(violations).toEqual([]);
  });

  it("loads @dapr/dapr only in the workflow worker, with import(), so an app without workflows never loads it", () => {
    const dapr = /import\(\s*"(@dapr\/dapr[^"]*)"\s*\)|from\s+"(@dapr\/dapr[^"]*)"/g;
    const found = files
      .filter((f) => layerOf(f) !== "testing")
      .flatMap((f) => [...readFileSync(join(root, f), "utf8").matchAll(dapr)].map((m) => `${f}: ${m[1] ? "import()" : "static"}`));
    expect(found.every((f) => f.startsWith("workflow/worker.ts: import()"))).toBe(true);
    expect(readFileSync(join(root, "wiring.ts"), "utf8")).toMatch(/await import\("\.\/workflow\/worker\.ts"\)/);
  });

  it("has no import cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "visiting");
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
