// Lays a bench fixture project out as a user's project would be: its own folder with handlers/,
// components/, dapr.yaml, a package.json and node_modules (a link to the repo's), so the handler and
// the runtime share one valibot (bench/node_modules holds the peers' copy, which must not be used).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const repo = join(import.meta.dirname, "..");
const made: string[] = [];

/** A temporary copy of bench/fixture/<name>, its runtime imports pointing at this checkout's runtime/. */
export function materialiseFixture(name: "deliver" | "save-state" | "actor"): string {
  const dir = mkdtempSync(join(tmpdir(), `daprlet-bench-${name}-`));
  made.push(dir);
  cpSync(join(import.meta.dirname, "fixture", name), dir, { recursive: true });
  const runtime = pathToFileURL(join(repo, "runtime")).href;
  for (const file of readdirSync(join(dir, "handlers"))) {
    const path = join(dir, "handlers", file);
    writeFileSync(path, readFileSync(path, "utf8").replaceAll("../../../../runtime", runtime));
  }
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `bench-${name}`, private: true, type: "module" }));
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** Removes every fixture copy this process made. */
export function removeFixtures(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
