import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { discoverHandlers } from "../runtime/project/discover.ts";
import { type Example, exampleFileName, extractExamples, projectExamples } from "./examples.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Inside the project (and ignored by git), so `import … from "daprlet"` resolves to this checkout's runtime.
const outDir = join(root, ".data", "doc-examples");

/** Writes examples (only these) under `outDir`, each at its `exampleFileName`; their paths. */
function writeExamples(examples: Example[]): Map<string, Example> {
  rmSync(outDir, { recursive: true, force: true });
  const files = new Map(examples.map((e) => [join(outDir, exampleFileName(e)), e]));
  for (const [path, e] of files) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, e.code);
  }
  return files;
}

/** Type-checks examples with the project's compiler options; the diagnostics, each mapped back to its page and line. */
function typeErrors(examples: Example[]): string[] {
  const files = writeExamples(examples);
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([...files.keys()], options);
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const example = d.file && files.get(resolve(d.file.fileName));
    if (!example || !d.file || d.start === undefined) return [];
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return [`${example.file}:${example.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`];
  });
}

/** Biome's check (lint, format, import order) of examples, as the project runs it; its complaints, or nothing. */
function lintErrors(examples: Example[]): string[] {
  // A folder of its own outside the project (whose biome.json ignores .data/), with a config extending the project's.
  const dir = mkdtempSync(join(tmpdir(), "daprlet-doc-lint-"));
  const names = examples.map((e) => {
    mkdirSync(dirname(join(dir, exampleFileName(e))), { recursive: true });
    writeFileSync(join(dir, exampleFileName(e)), e.code);
    return exampleFileName(e);
  });
  writeFileSync(join(dir, "biome.json"), JSON.stringify({ extends: [join(root, "biome.json")], files: { includes: ["**"] } }));
  try {
    execFileSync(join(root, "node_modules/.bin/biome"), ["check", `--config-path=${dir}`, ...names], { cwd: dir, stdio: "pipe" });
    return [];
  } catch (error) {
    const out = String((error as { stdout?: Buffer }).stdout ?? "") + String((error as { stderr?: Buffer }).stderr ?? "");
    // One entry per complaint, named after the page and line of its example.
    const byFile = new Map(examples.map((e) => [exampleFileName(e), e]));
    const complaints = [...out.matchAll(/^(\S+\.ts)(?::(\d+):\d+)? (\S+)/gm)].map(([, file, line = "1", rule]) => {
      const e = byFile.get(file);
      return e ? `${e.file}:${e.line + Number(line) - 1}: ${rule}` : `${file}:${line}: ${rule}`;
    });
    return complaints.length ? complaints : [out];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the examples in the README and docs/", () => {
  const examples = projectExamples(root);
  const checked = examples.filter((e) => !e.fragment);

  it("are there to check (README.md and docs/*.md hold ts blocks)", () => {
    expect(checked.length).toBeGreaterThan(0);
  });

  it("type-check as files of this project (mark a piece of a file ```ts fragment)", () => {
    expect(typeErrors(checked)).toEqual([]);
  }, 60_000);

  it("pass the project's lint", () => {
    expect(lintErrors(checked)).toEqual([]);
  }, 60_000);

  it("that are handler files are found by discovery, as `handlers/` would be", async () => {
    // Each page's handlers/ folder is discovered as the runtime does at start.
    writeExamples(checked);
    const pages = [...new Set(checked.filter(isHandlerFile).map((e) => dirname(join(outDir, exampleFileName(e)))))];
    expect(pages.length).toBeGreaterThan(0);
    for (const dir of pages) {
      const found = await discoverHandlers(dir);
      const expected = checked.filter((e) => isHandlerFile(e) && dirname(join(outDir, exampleFileName(e))) === dir);
      // An actor's export yields a handler per method (`InventoryActor.reserve`): one name per file.
      expect([...new Set(found.map((d) => d.name.split(".")[0]))].sort()).toEqual(
        expected.map((e) => e.path!.split("/").pop()!.replace(/\.ts$/, "")).sort(),
      );
    }
  }, 60_000);

  it("that are test files pass, run by vitest as the project runs its own", () => {
    const tests = checked.filter((e) => e.path?.endsWith(".test.ts"));
    expect(tests.length).toBeGreaterThan(0);
    writeExamples(checked);
    // A config of their own: the project's excludes .data/.
    writeFileSync(join(outDir, "vitest.config.mjs"), 'export default { test: { include: ["**/*.test.ts"] } };\n');
    const run = () =>
      execFileSync(join(root, "node_modules/.bin/vitest"), ["run", "--root", outDir, "--config", join(outDir, "vitest.config.mjs")], {
        cwd: outDir,
        stdio: "pipe",
        encoding: "utf8",
      });
    expect(run).not.toThrow();
  }, 60_000);
});

/** A block that names itself `handlers/<name>.ts` (not a test, not under lib/). */
const isHandlerFile = (e: Example) => /^handlers\/[^/]+(?<!\.test)\.ts$/.test(e.path ?? "");

describe("the links between the README and docs/", () => {
  it("point at files that exist (a page moved or renamed breaks this, not a reader's click)", () => {
    const broken = [
      join(root, "README.md"),
      ...readdirSync(join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => join(root, "docs", f)),
    ].flatMap((page) =>
      [...readFileSync(page, "utf8").matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1])
        .filter((target) => !/^[a-z]+:/.test(target) && !existsSync(resolve(dirname(page), target)))
        .map((target) => `${page.slice(root.length + 1)} → ${target}`),
    );
    expect(broken).toEqual([]);
  });
});

describe("extractExamples", () => {
  const page = ["# Page", "", "```ts", "const a: number = 1;", "```", "", "```ts fragment", "a.b;", "```", "```sh", "ls", "```"].join("\n");

  it("finds ts blocks with the line of their first code line, and marks fragments", () => {
    expect(extractExamples(page, "docs/page.md")).toEqual([
      { file: "docs/page.md", line: 4, code: "const a: number = 1;\n", fragment: false },
      { file: "docs/page.md", line: 8, code: "a.b;\n", fragment: true },
    ]);
  });

  it("catches an example that no longer compiles, naming its page and line", () => {
    const [broken] = extractExamples(
      ["```ts", 'import { defineHandler } from "daprlet";', "defineHandler(42);", "```"].join("\n"),
      "docs/broken.md",
    );
    const errors = typeErrors([broken]);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^docs\/broken\.md:3: /);
  }, 60_000);

  it("catches an example that fails the lint", () => {
    const [sloppy] = extractExamples(["```ts", "debugger;", "```"].join("\n"), "docs/sloppy.md");
    expect(lintErrors([sloppy])).toEqual(["docs/sloppy.md:2: lint/suspicious/noDebugger"]);
  });

  it("reads the project's own pages", () => {
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain("```ts");
  });
});
