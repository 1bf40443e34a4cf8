// Where daprlet's time goes, for bench/where-the-time-goes.md (not part of `npm run bench`):
//   node bench/profile.ts imports   what each import costs, in fresh processes on the server core
//   node bench/profile.ts start     a --cpu-prof of daprlet from spawn to its first SUCCESS, summarised
//   node bench/profile.ts load      a --cpu-prof of daprlet (defaults) under autocannon c=50, summarised
//   (append `save-state` to profile the fixture with one saveState per delivery, against the stand-in sidecar)
//   node bench/profile.ts ab [A=1,B=2]  CPU µs per delivery, hono + valibot against daprlet (and variants by env)
// Both print Markdown. PROFILE_RUNS (default 5) and BENCH_SECONDS (default 8) tune them.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { materialiseFixture, removeFixtures } from "./fixture.ts";
import { load } from "./load.ts";
import { cpuSeconds, freePort, node, onCore, pinSelf, startServer, stop } from "./procs.ts";
import { deliveryServers, reference } from "./servers.ts";
import { stat } from "./stats.ts";

const repo = join(import.meta.dirname, "..");
const runs = Number(process.env.PROFILE_RUNS ?? 5);
const runtimeFile = (path: string) => pathToFileURL(join(repo, "runtime", path)).href;

/** One fresh `node` importing `specifier`: ms for the import, RSS after it. */
function timeImport(specifier: string): { ms: number; rssMb: number } {
  const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); const ms = performance.now() - t;
console.log(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 2 ** 20 }));`;
  const [command, args] = onCore("server", node, ["--input-type=module", "-e", code]);
  return JSON.parse(execFileSync(command, args, { cwd: repo, encoding: "utf8" }));
}

function imports(): void {
  const oneLine = join(mkdtempSync(join(tmpdir(), "daprlet-bench-ts-")), "one.ts");
  writeFileSync(oneLine, "export const one: number = 1;\n");
  const specifiers: [string, string][] = [
    ["(nothing: node:path)", "node:path"],
    ["a one-line .ts file (type stripping starts up)", pathToFileURL(oneLine).href],
    ["@dapr/dapr", "@dapr/dapr"],
    ["@dapr/dapr HTTPClient deep import", "@dapr/dapr/implementation/Client/HTTPClient/HTTPClient.js"],
    ["@opentelemetry/api", "@opentelemetry/api"],
    ["@opentelemetry/core", "@opentelemetry/core"],
    ["@opentelemetry/sdk-trace-base", "@opentelemetry/sdk-trace-base"],
    ["@opentelemetry/resources", "@opentelemetry/resources"],
    ["@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/exporter-trace-otlp-http"],
    ["@opentelemetry/exporter-zipkin", "@opentelemetry/exporter-zipkin"],
    ["yaml", "yaml"],
    ["hono", "hono"],
    ["@hono/node-server", "@hono/node-server"],
    ["valibot", "valibot"],
    ["runtime/execute.ts (sidecar client)", runtimeFile("execute.ts")],
    ["runtime/observe/otel-env.ts", runtimeFile("observe/otel-env.ts")],
    ["runtime/observe/tracing.ts", runtimeFile("observe/tracing.ts")],
    ["runtime/observe/log.ts", runtimeFile("observe/log.ts")],
    ["runtime/project.ts (boot: discover, components, lint)", runtimeFile("project.ts")],
    ["runtime/app.ts (request time)", runtimeFile("app.ts")],
    ["runtime/index.ts (what handlers import)", runtimeFile("index.ts")],
  ];
  const base = stat(Array.from({ length: runs }, () => timeImport("node:path").rssMb))!.median;
  console.log(`| import (alone, fresh process, median of ${runs}) | ms | RSS Δ MB |\n|---|---:|---:|`);
  for (const [label, specifier] of specifiers) {
    const samples = Array.from({ length: runs }, () => timeImport(specifier));
    const ms = stat(samples.map((s) => s.ms))!.median;
    const rss = stat(samples.map((s) => s.rssMb))!.median - base;
    console.log(`| ${label} | ${ms.toFixed(1)} | ${rss.toFixed(1)} |`);
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, a runtime file, Node's internals, or V8's pseudo-frames. */
function bucketOf(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native/V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith("node:")) return "node: internals";
  const local = /\/runtime\/(.+)$/.exec(url)?.[1];
  return local ? `runtime/${local}` : url.replace(/^file:\/\//, "");
}

/** Self and inclusive time of a profile, by bucket and by function, as Markdown tables (top `n`); shares are of busy (non-idle) time. */
export function summarise(profile: CpuProfile, n = 15): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const keyOf = (id: number) => {
    const frame = byId.get(id)!.callFrame;
    const bucket = bucketOf(frame.url, frame.functionName);
    return { bucket, fn: `${frame.functionName || "(anonymous)"} ${bucket}${frame.url ? `:${frame.lineNumber + 1}` : ""}` };
  };
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const busy = total - idle;
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
  for (const [id, us] of self) {
    const { bucket, fn } = keyOf(id);
    add(buckets, bucket, us);
    add(functions, fn, us);
  }
  // Inclusive: a frame's own samples plus everything it called (counted once per function on a stack).
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)!;
    let us = self.get(id) ?? 0;
    const { fn } = keyOf(id);
    const fresh = !onStack.has(fn);
    if (fresh) onStack.add(fn);
    for (const child of node.children ?? []) us += walk(child, onStack);
    if (fresh) {
      onStack.delete(fn);
      add(inclusive, fn, us);
    }
    return us;
  };
  walk(profile.nodes[0].id, new Set());
  const rows = (m: Map<string, number>, keep: (k: string) => boolean = () => true) =>
    [...m]
      .filter(([k]) => keep(k) && !k.startsWith("(idle)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `| ${k} | ${(us / 1000).toFixed(0)} | ${((100 * us) / busy).toFixed(1)}% |`);
  return [
    `Sampled ${(total / 1000).toFixed(0)} ms, of which ${(idle / 1000).toFixed(0)} ms idle (waiting for requests); shares are of the ${(busy / 1000).toFixed(0)} ms busy.`,
    "",
    "| self time by where the code lives | ms | share |",
    "|---|---:|---:|",
    ...rows(buckets),
    "",
    "| self time by function | ms | share |",
    "|---|---:|---:|",
    ...rows(functions),
    "",
    "| inclusive time (runtime/ and packages) | ms | share |",
    "|---|---:|---:|",
    ...rows(
      inclusive,
      (k) => !/ \((root|program|garbage collector)\)/.test(k) && !k.includes("node: internals") && !k.includes("(native/V8)"),
    ),
  ].join("\n");
}

/** A --cpu-prof of daprlet on the server core: `start` until the first SUCCESS, or `load` (c=50) on a fixture. */
async function profileDaprlet(phase: "start" | "load", fixture: "deliver" | "save-state"): Promise<void> {
  pinSelf();
  const dir = mkdtempSync(join(tmpdir(), "daprlet-bench-prof-"));
  const seconds = Number(process.env.BENCH_SECONDS ?? 8);
  // The save-state fixture needs a sidecar that answers: the bench's stand-in, on the load core.
  const sidecarPort = await freePort();
  const [stubCommand, stubArgs] = onCore("load", node, [join(import.meta.dirname, "servers", "sidecar-stub.ts")]);
  const stub = spawn(stubCommand, stubArgs, { env: { ...process.env, APP_PORT: String(sidecarPort) }, stdio: "ignore" });
  await sleep(300);
  const env = { DAPRLET_ROOT: materialiseFixture(fixture), DAPR_HTTP_PORT: String(sidecarPort) };
  const server = await startServer(join(repo, "runtime", "main.js"), env, "/events/onOrderCreated", ["--cpu-prof", "--cpu-prof-dir", dir]);
  let what = `daprlet (defaults, ${fixture}) from spawn to the first SUCCESS: ${server.coldStartMs.toFixed(0)} ms`;
  if (phase === "load") {
    const url = `http://127.0.0.1:${server.port}/events/onOrderCreated`;
    await load(url, 50, 2);
    const result = await load(url, 50, seconds);
    what = `daprlet (defaults, ${fixture}) under c=50 for ${seconds} s after 2 s warm-up (start-up included): ${result.rps.toFixed(0)} req/s with --cpu-prof on`;
  }
  await stop(server.child);
  await stop(stub);
  removeFixtures();
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  console.log(`${what}; profile ${join(dir, file)}\n`);
  console.log(summarise(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile));
}

/**
 * A quick A/B while changing the runtime: CPU µs per delivery at c=50 of hono + valibot and daprlet,
 * interleaved rounds (PROFILE_RUNS, default 5; 4 s each), plus daprlet with extra env per variant
 * (`DAPRLET_LOG=off,A=1+B=2`). CPU per delivery moves far less with other load than req/s does.
 */
async function ab(variants: string): Promise<void> {
  pinSelf();
  const fixture = materialiseFixture("deliver");
  const [hono, daprlet] = deliveryServers(fixture).filter((s) => [reference, "daprlet, defaults"].includes(s.name));
  const extra = variants
    .split(",")
    .filter(Boolean)
    .map((v) => ({
      ...daprlet,
      name: `daprlet ${v}`,
      env: { ...daprlet.env, ...Object.fromEntries(v.split("+").map((kv) => kv.split("="))) },
    }));
  const samples = new Map<string, number[]>();
  for (let round = 0; round < runs; round++) {
    for (const server of [hono, daprlet, ...extra]) {
      const started = await startServer(server.script, server.env, server.path);
      const url = `http://127.0.0.1:${started.port}${server.path}`;
      await load(url, 50, 1);
      const before = cpuSeconds(started.child.pid) ?? 0;
      const result = await load(url, 50, 4);
      const used = (cpuSeconds(started.child.pid) ?? 0) - before;
      samples.set(server.name, [...(samples.get(server.name) ?? []), (used * 1e6) / result.requests]);
      await stop(started.child);
    }
  }
  removeFixtures();
  const base = stat(samples.get(hono.name) ?? [])!.median;
  for (const [name, values] of samples) {
    const median = stat(values)!.median;
    console.log(
      `${name.padEnd(32)} ${median.toFixed(1).padStart(6)} µs/delivery (${values.map((v) => v.toFixed(0)).join(" ")}) ${(median / base).toFixed(2)}×`,
    );
  }
}

const [what, arg] = process.argv.slice(2);
if (what === "imports") imports();
else if (what === "start" || what === "load") await profileDaprlet(what, arg === "save-state" ? "save-state" : "deliver");
else if (what === "ab") await ab(arg ?? "");
else if (what === "summarise") console.log(summarise(JSON.parse(readFileSync(arg ?? "", "utf8")) as CpuProfile));
else
  console.log(
    "usage: node bench/profile.ts imports | start [save-state] | load [save-state] | ab [VAR=value,...] | summarise <file.cpuprofile>",
  );
