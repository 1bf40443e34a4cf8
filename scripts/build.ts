// `npm run build`: the production tree, in JavaScript, so a container never strips types at start.
//   node scripts/build.ts [--root <project>] [--out <dir>]   (defaults: this checkout, <root>/dist)
// Writes what the app reads at boot, laid out as deploy/Dockerfile copies it: runtime/ (the
// framework, without its testing kit), handlers/ (the project's, without tests), components/,
// dapr.yaml, their snapshot as JSON (.daprlet/project.json), and package.json + package-lock.json
// with `exports` pointing at the .js files, so `import … from "daprlet"` in a handler still resolves. Each file is transpiled on its own
// (TypeScript's transpileModule, types erased, `./x.ts` specifiers rewritten to `./x.js`); no type
// checking here: `npm run typecheck` does that. Start it with `node <out>/runtime/main.js`.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import ts from "typescript";
import { appIdOf } from "../runtime/project/project.ts";
import { snapshotFile, snapshotProject } from "../runtime/project/snapshot.ts";

const checkout = join(import.meta.dirname, "..");

// Never in the build: tests and type declarations (as discovery skips them), and the testing kit.
const testFile = /\.(test|spec|test-d)\.[mc]?[jt]s$/;
const skipDirs = new Set(["testing", "node_modules"]);

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2024,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
};

/** One module as JavaScript: types erased, relative `.ts` specifiers (static and `import()`) rewritten to `.js`. */
export function toJavaScript(source: string, fileName: string): string {
  const { outputText, diagnostics } = ts.transpileModule(source, { compilerOptions, fileName, reportDiagnostics: true });
  const errors = (diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0)
    throw new Error(`[daprlet] build: ${fileName}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
  return outputText;
}

/** Every module under `dir` (relative paths), tests, declarations and `skipDirs` left out. */
function modules(dir: string, at = ""): string[] {
  return readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) => {
    const rel = at ? `${at}/${e.name}` : e.name;
    if (e.isDirectory()) return skipDirs.has(e.name) ? [] : modules(dir, rel);
    return /\.[mc]?[jt]s$/.test(e.name) && !testFile.test(e.name) && !e.name.endsWith(".d.ts") ? [rel] : [];
  });
}

function transpileTree(from: string, to: string): number {
  const files = modules(from);
  for (const file of files) {
    const target = join(to, file.replace(/\.([mc]?)ts$/, ".$1js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, toJavaScript(readFileSync(join(from, file), "utf8"), file));
  }
  return files.length;
}

/** package.json's `exports`, pointed at the built files; entries whose file is not built (the testing kit) are dropped. */
function builtExports(exports: Record<string, string>, out: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(exports)
      .map(([key, path]) => [key, path.replace(/\.([mc]?)ts$/, ".$1js")])
      .filter(([, path]) => existsSync(join(out, path))),
  );
}

/** Builds `root`'s production tree into `out` (emptied first); returns what it wrote, for the log. */
export function build(root: string, out: string): { modules: number; out: string } {
  // `out` is emptied first: never the project or the checkout themselves, nor a folder holding them.
  for (const kept of [root, checkout])
    if (!relative(out, kept).startsWith(".."))
      throw new Error(`[daprlet] build: --out ${out} would delete ${kept}: choose a folder of its own`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  let count = transpileTree(join(checkout, "runtime"), join(out, "runtime"));
  if (!existsSync(join(root, "handlers")))
    throw new Error(`[daprlet] build: ${join(root, "handlers")} not found: is --root a daprlet project?`);
  count += transpileTree(join(root, "handlers"), join(out, "handlers"));
  for (const asset of ["components", "dapr.yaml"])
    if (existsSync(join(root, asset))) cpSync(join(root, asset), join(out, asset), { recursive: true });
  // The YAML read once here, so the app never loads a YAML parser at start (runtime/project/snapshot.ts).
  mkdirSync(join(out, dirname(snapshotFile)), { recursive: true });
  writeFileSync(join(out, snapshotFile), JSON.stringify(snapshotProject(out, appIdOf(out))));
  // The package (name, dependencies, exports) is the project's own, or daprlet's for a project without one (the fixture).
  const pkgRoot = existsSync(join(root, "package.json")) ? root : checkout;
  const pkg = JSON.parse(readFileSync(join(pkgRoot, "package.json"), "utf8")) as { exports?: Record<string, string> };
  if (pkg.exports) pkg.exports = builtExports(pkg.exports, out);
  writeFileSync(join(out, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  if (existsSync(join(pkgRoot, "package-lock.json"))) cpSync(join(pkgRoot, "package-lock.json"), join(out, "package-lock.json"));
  return { modules: count, out };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { root: { type: "string" }, out: { type: "string" } } });
  const root = resolve(values.root ?? checkout);
  const out = resolve(values.out ?? join(root, "dist"));
  const { modules: count } = build(root, out);
  console.log(
    `[daprlet] built ${count} modules into ${relative(process.cwd(), out) || "."}: node ${relative(process.cwd(), join(out, "runtime/main.js"))}`,
  );
}
