import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout this kit belongs to: its runtime, node_modules and package.json serve every copy. */
export const checkoutRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The framework's own fixture app (handlers, components, resiliency): framework tests run on it, never on `handlers/`. */
export const fixtureRoot = join(checkoutRoot, "runtime/testing/fixture");

// Never copied: the runtime and packages are linked; build output and local data are not the project.
const skip = new Set(["node_modules", "runtime", ".git", ".dapr-home", ".data", ".dapr", ".tools"]);

/** The project's own files: tracked and untracked but not ignored, when git can tell; else everything but `skip`. */
function projectFiles(from: string): string[] {
  try {
    const out = execFileSync("git", ["-C", from, "ls-files", "--cached", "--others", "--exclude-standard", "-z", "."], {
      encoding: "utf8",
    });
    return out.split("\0").filter((f) => f && !skip.has(f.split("/")[0]) && existsSync(join(from, f)));
  } catch {
    const walk = (dir: string): string[] =>
      readdirSync(join(from, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (skip.has(rel.split("/")[0])) return [];
        return e.isDirectory() ? walk(rel) : [rel];
      });
    return walk("");
  }
}

/**
 * A throwaway copy of a daprlet project, as a test needs it: every file a user has (tracked or
 * untracked, not ignored), with this checkout's `runtime/` and `node_modules/` linked in, so
 * handlers importing `daprlet` (the package's own name) or `../runtime/index.ts` both resolve.
 * `files` adds or replaces files (path → contents) before anything reads the copy.
 * @example const dir = copyProject(fixtureRoot, { files: { "handlers/onPaymentReceived.ts": source } })
 */
export function copyProject(from: string, options: { files?: Record<string, string>; prefix?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? "daprlet-project-"));
  for (const file of projectFiles(from)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(from, file), join(dir, file));
  }
  // The package's name and exports make `import … from "daprlet"` resolve to the linked runtime.
  if (!existsSync(join(dir, "package.json"))) cpSync(join(checkoutRoot, "package.json"), join(dir, "package.json"));
  symlinkSync(join(checkoutRoot, "runtime"), join(dir, "runtime"), "dir");
  symlinkSync(join(checkoutRoot, "node_modules"), join(dir, "node_modules"), "dir");
  for (const [file, contents] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), contents);
  }
  return dir;
}
