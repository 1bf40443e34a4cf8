// "Fresh install, first start": what a new replica costs. Each app's production tree is installed
// from its lock into an empty folder (daprlet as the image holds it: `scripts/build.ts`, then the
// Dockerfile's `npm ci`), then, per round: the first start with an empty compile cache (a new
// container), its idle RSS, and a second, warm start (the same container restarted).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { build } from "../scripts/build.ts";
import { daprletProject } from "./fixture.ts";
import { npmInstall } from "./install.ts";
import { cpuSeconds, node, rssMb, startServer, stop } from "./procs.ts";

const bench = import.meta.dirname;
const repo = join(bench, "..");
const events = "/events/onOrderCreated";
/** As deploy/Dockerfile installs the final stage. */
const productionInstall = ["--omit=dev", "--omit=optional", "--ignore-scripts"];

export interface FreshApp {
  name: string;
  /** the installed folder: the server's cwd */
  dir: string;
  script: string;
  nodeArgs: string[];
  env: Record<string, string>;
}

export interface FreshFigures {
  firstStartMs: number[];
  /** the server's CPU time (user + system) from spawn to its first SUCCESS: little moved by other work on the machine */
  firstStartCpuMs: number[];
  rssIdleMb: number[];
  warmStartMs: number[];
}

/** The Dockerfile's CMD: the image's node flags, to run the built tree as the image does. */
export function imageCommand(): string[] {
  const dockerfile = readFileSync(join(repo, "deploy", "Dockerfile"), "utf8");
  return JSON.parse(/^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1] ?? '["node", "runtime/main.js"]') as string[];
}

const made: string[] = [];
const folder = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `daprlet-bench-fresh-${name}-`));
  made.push(dir);
  return dir;
};

/** Installs every app of the round into folders of its own (a minute or two: five `npm ci`). */
export function prepareFresh(): FreshApp[] {
  const project = daprletProject("deliver");
  const [, ...imageArgs] = imageCommand();
  const nodeArgs = imageArgs.slice(0, -1);

  // As the Dockerfile's final stage: the build, the production install, the compile cache filled by
  // runtime/warm.js with CMD's node flags, NODE_COMPILE_CACHE naming it.
  const built = folder("built");
  build(project, built);
  npmInstall(built, productionInstall);
  const bakedCache = { NODE_COMPILE_CACHE: join(built, ".node-compile-cache") };
  execFileSync(node, [...nodeArgs, join(built, "runtime", "warm.js")], {
    cwd: built,
    env: { ...process.env, ...bakedCache },
    stdio: "ignore",
  });

  // The image as it was: the runtime's .ts sources and the handler, type-stripped at every start.
  const unbuilt = folder("unbuilt");
  for (const file of ["package.json", "package-lock.json"]) cpSync(join(repo, file), join(unbuilt, file));
  cpSync(join(repo, "runtime"), join(unbuilt, "runtime"), { recursive: true, filter: (src) => !src.includes("/testing") });
  for (const part of ["handlers", "components", "dapr.yaml"]) cpSync(join(project, part), join(unbuilt, part), { recursive: true });
  npmInstall(unbuilt, productionInstall);

  const peer = (name: string, files: string[]) => {
    const dir = folder(name);
    for (const file of ["package.json", "package-lock.json"]) cpSync(join(bench, "install", "hono", file), join(dir, file));
    for (const file of files) cpSync(join(bench, "servers", file), join(dir, file));
    npmInstall(dir, productionInstall);
    return dir;
  };
  const honoJs = peer("hono-js", ["hono.js", "node-http.js"]);
  const honoTs = peer("hono-ts", ["hono.ts", "order.ts"]);
  return [
    { name: "hono + valibot, JS", dir: honoJs, script: "hono.js", nodeArgs: [], env: {} },
    { name: "hono + valibot, TS", dir: honoTs, script: "hono.ts", nodeArgs: [], env: {} },
    { name: "bare node:http, JS", dir: honoJs, script: "node-http.js", nodeArgs: [], env: {} },
    { name: "daprlet, image (built)", dir: built, script: "runtime/main.js", nodeArgs, env: { DAPRLET_ROOT: built, ...bakedCache } },
    { name: "daprlet, built, no baked cache", dir: built, script: "runtime/main.js", nodeArgs, env: { DAPRLET_ROOT: built } },
    { name: "daprlet, unbuilt (.ts sources)", dir: unbuilt, script: "runtime/main.js", nodeArgs: [], env: { DAPRLET_ROOT: unbuilt } },
  ];
}

/** One round for one app: first start with an empty compile cache, idle RSS, then a warm restart. */
export async function measureFresh(app: FreshApp, figures: FreshFigures, env: Record<string, string>): Promise<void> {
  // A new container's /tmp is empty: daprlet's main.js keeps Node's compile cache there (os.tmpdir()),
  // so the first start finds none and writes it, and the second start reads it.
  const tmp = folder("tmp");
  const runEnv = { ...env, ...app.env, TMPDIR: tmp };
  const script = join(app.dir, app.script);
  const first = await startServer(script, runEnv, events, app.nodeArgs, app.dir);
  try {
    figures.firstStartMs.push(first.coldStartMs);
    figures.firstStartCpuMs.push((cpuSeconds(first.child.pid) ?? Number.NaN) * 1000);
    await sleep(1000);
    figures.rssIdleMb.push(rssMb(first.child.pid) ?? Number.NaN);
  } finally {
    await stop(first.child);
  }
  const warm = await startServer(script, runEnv, events, app.nodeArgs, app.dir);
  figures.warmStartMs.push(warm.coldStartMs);
  await stop(warm.child);
  rmSync(tmp, { recursive: true, force: true });
}

/** Removes every folder this round installed. */
export function removeFresh(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
