// Installs: the bench's own peers (bench/node_modules, on first run) and the production-install
// comparison (`npm ci --omit=dev` of daprlet and two peer apps, each in a temporary folder).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bench = import.meta.dirname;
const npmQuiet = ["--no-audit", "--no-fund", "--loglevel=error"];

/** `npm ci`, or `npm install` when npm ci refuses the lock (npm 11.19 rejects some optional platform entries). */
export function npmInstall(dir: string, extra: string[] = []): string {
  for (const command of ["ci", "install"]) {
    try {
      execFileSync("npm", [command, ...extra, ...npmQuiet], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
      return `npm ${[command, ...extra].join(" ")}`;
    } catch (error) {
      if (command === "install") throw new Error(`npm install failed in ${dir}: ${(error as { stderr?: Buffer }).stderr?.toString()}`);
    }
  }
  throw new Error("unreachable");
}

/** bench/node_modules holds the peers and autocannon; installed from bench/package-lock.json when missing. */
export function ensureBenchPeers(): void {
  if (existsSync(join(bench, "node_modules", "autocannon", "package.json"))) return;
  console.log("[bench] installing the peers into bench/node_modules (first run)…");
  npmInstall(bench);
}

/** The installed version of a package, from the bench's peers or the repo's own node_modules. */
export function versionOf(name: string, from: "bench" | "repo"): string {
  const root = from === "bench" ? bench : join(bench, "..");
  try {
    return (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

export interface InstallSize {
  app: string;
  mb: number;
  files: number;
  packages: number;
  command: string;
}

function weigh(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = weigh(path);
      bytes += inner.bytes;
      files += inner.files;
    } else if (entry.isFile()) {
      bytes += lstatSync(path).size;
      files++;
    }
  }
  return { bytes, files };
}

/** Production install (`--omit=dev`) of each app's package.json + lock, weighed: bytes and files under node_modules. */
export function installSizes(): InstallSize[] {
  const apps: [string, string][] = [
    ["daprlet", join(bench, "..")],
    ["@dapr/dapr DaprServer app", join(bench, "install", "dapr-server")],
    ["hono + valibot app", join(bench, "install", "hono")],
  ];
  return apps.map(([app, source]) => {
    const dir = mkdtempSync(join(tmpdir(), "daprlet-bench-install-"));
    try {
      for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(source, file), join(dir, file));
      // As deploy/Dockerfile installs: --omit=optional drops the dev typescript that valibot's optional peer keeps.
      const command = npmInstall(dir, ["--omit=dev", "--omit=optional", "--ignore-scripts"]);
      const modules = join(dir, "node_modules");
      const { bytes, files } = weigh(modules);
      const lock = JSON.parse(readFileSync(join(modules, ".package-lock.json"), "utf8")) as { packages: Record<string, unknown> };
      return { app, mb: bytes / 2 ** 20, files, packages: Object.keys(lock.packages).length, command };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
