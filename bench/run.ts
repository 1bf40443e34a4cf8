// `npm run bench`: every server measured over real HTTP in one run, in interleaved rounds; writes
// bench/RESULTS.md. Not a test: it asserts nothing about time, it prints the ratios.
//   BENCH_SECONDS=8 BENCH_ROUNDS=3 BENCH_WARMUP_SECONDS=2 BENCH_E2E_MESSAGES=20000 BENCH_SKIP=fresh,e2e,install,effect
//   BENCH_OUT=bench/RESULTS.md (a quick run: BENCH_SECONDS=1 BENCH_ROUNDS=1 BENCH_SKIP=e2e,install BENCH_OUT=/tmp/r.md)
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type ActorApp, measureActorCalls } from "./actors.ts";
import { type E2eApp, findDaprd, findRedis, measureE2e } from "./e2e.ts";
import { builtFixture, materialiseFixture, removeFixtures } from "./fixture.ts";
import { type FreshFigures, imageCommand, measureFresh, prepareFresh, removeFresh } from "./fresh.ts";
import { ensureBenchPeers, type InstallSize, installSizes } from "./install.ts";
import { load } from "./load.ts";
import { cpuSeconds, freePort, node, onCore, pinning, pinSelf, rssMb, type Started, startServer, stop } from "./procs.ts";
import { formatWritten, renderReport, toJson } from "./report.ts";
import { deliveryServers, effectServers, reference, type ServerSpec } from "./servers.ts";
import { type Figures, ratio } from "./stats.ts";

const env = process.env;
const seconds = Number(env.BENCH_SECONDS ?? 8);
const rounds = Number(env.BENCH_ROUNDS ?? 3);
const warmUp = Number(env.BENCH_WARMUP_SECONDS ?? 2);
const e2eMessages = Number(env.BENCH_E2E_MESSAGES ?? 20_000);
const skip = new Set((env.BENCH_SKIP ?? "").split(",").filter(Boolean));
const out = resolve(env.BENCH_OUT ?? join(import.meta.dirname, "RESULTS.md"));

const emptyFigures = (): Figures => ({
  coldStartMs: [],
  rssIdleMb: [],
  rssAfterMb: [],
  rps50: [],
  p99Ms: [],
  rps1: [],
  cpuUsPerReq: [],
  failures: 0,
});

pinSelf();
ensureBenchPeers();
const started = new Date();
const loadBefore = loadavg()[0];
console.log(`[bench] ${rounds} rounds × ${seconds} s, warm-up ${warmUp} s; ${pinning ? "server on core 0, load on core 1" : "no pinning"}`);

// The stand-in sidecar, on the load core: DaprServer needs one to start; the effect variant saves state to it.
const sidecarPort = await freePort();
const [stubCommand, stubArgs] = onCore("load", node, [join(import.meta.dirname, "servers", "sidecar-stub.ts")]);
const stub = spawn(stubCommand, stubArgs, { env: { ...env, APP_PORT: String(sidecarPort) }, stdio: "ignore" });
const sidecarEnv = { DAPR_HTTP_PORT: String(sidecarPort) };
await sleep(300);

/** One server, one round: cold start, idle RSS, warm-up, c=50, c=1 (unless `withC1` is false), RSS after load. */
async function measure(spec: ServerSpec, figures: Figures, withC1: boolean): Promise<void> {
  let server: Started | undefined;
  try {
    server = await startServer(spec.script, { ...sidecarEnv, ...spec.env }, spec.path, spec.nodeArgs);
    figures.coldStartMs.push(server.coldStartMs);
    await sleep(1000);
    figures.rssIdleMb.push(rssMb(server.child.pid) ?? Number.NaN);
    const url = `http://127.0.0.1:${server.port}${spec.path}`;
    if (warmUp > 0) await load(url, 50, warmUp);
    const cpuBefore = cpuSeconds(server.child.pid);
    const c50 = await load(url, 50, seconds);
    const cpuAfter = cpuSeconds(server.child.pid);
    if (cpuBefore !== undefined && cpuAfter !== undefined && c50.requests > 0)
      figures.cpuUsPerReq.push(((cpuAfter - cpuBefore) * 1e6) / c50.requests);
    figures.rps50.push(c50.rps);
    figures.p99Ms.push(c50.p99Ms);
    figures.failures += c50.failures;
    if (withC1) {
      const c1 = await load(url, 1, seconds);
      figures.rps1.push(c1.rps);
      figures.failures += c1.failures;
    }
    figures.rssAfterMb.push(rssMb(server.child.pid) ?? Number.NaN);
  } finally {
    if (server) await stop(server.child);
  }
}

/** Interleaved rounds: each round runs every server once, starting one further along the list. */
async function interleave(specs: ServerSpec[], withC1: boolean): Promise<Map<string, Figures>> {
  const results = new Map(specs.map((s) => [s.name, emptyFigures()]));
  for (let round = 0; round < rounds; round++) {
    const order = specs.map((_, i) => specs[(i + round) % specs.length]);
    for (const spec of order) {
      await measure(spec, results.get(spec.name)!, withC1);
      const f = results.get(spec.name)!;
      console.log(
        `[bench] round ${round + 1}/${rounds} ${spec.name.padEnd(28)} c=50 ${f.rps50.at(-1)?.toFixed(0)} req/s, p99 ${f.p99Ms.at(-1)} ms, ${f.cpuUsPerReq.at(-1)?.toFixed(0)} CPU µs/req${withC1 ? `, c=1 ${f.rps1.at(-1)?.toFixed(0)} req/s` : ""}, cold ${f.coldStartMs.at(-1)?.toFixed(0)} ms, RSS ${f.rssIdleMb.at(-1)?.toFixed(0)}/${f.rssAfterMb.at(-1)?.toFixed(0)} MB`,
      );
    }
  }
  return results;
}

function printRatios(title: string, results: Map<string, Figures>, keys: (keyof Omit<Figures, "failures">)[]): void {
  const ref = results.get(reference)!;
  console.log(`\n[bench] ${title}: ratios to ${reference} (medians)`);
  for (const [name, f] of results) console.log(`  ${name.padEnd(28)} ${keys.map((k) => `${k} ${ratio(f[k], ref[k])}`).join("  ")}`);
}

try {
  const imageFlags = imageCommand().slice(1, -1);
  const delivery = await interleave(deliveryServers(materialiseFixture("deliver"), { dir: builtFixture("deliver"), imageFlags }), true);
  printRatios("delivery", delivery, ["rps50", "p99Ms", "cpuUsPerReq", "rps1", "coldStartMs", "rssIdleMb", "rssAfterMb"]);

  let fresh: Map<string, FreshFigures> | undefined;
  if (!skip.has("fresh")) {
    console.log("\n[bench] fresh install, first start: production installs into empty folders…");
    const apps = prepareFresh();
    fresh = new Map(apps.map((a) => [a.name, { firstStartMs: [], firstStartCpuMs: [], rssIdleMb: [], warmStartMs: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (const app of apps.map((_, i) => apps[(i + round) % apps.length])) {
        const f = fresh.get(app.name)!;
        await measureFresh(app, f, sidecarEnv);
        console.log(
          `[bench] fresh round ${round + 1}/${rounds} ${app.name.padEnd(30)} first start ${f.firstStartMs.at(-1)?.toFixed(0)} ms (${f.firstStartCpuMs.at(-1)?.toFixed(0)} ms CPU), RSS ${f.rssIdleMb.at(-1)?.toFixed(0)} MB, warm start ${f.warmStartMs.at(-1)?.toFixed(0)} ms`,
        );
      }
    }
    const ref = fresh.get(reference)!;
    console.log(`\n[bench] fresh install: ratios to ${reference} (medians)`);
    for (const [name, f] of fresh)
      console.log(
        `  ${name.padEnd(30)} first start ${ratio(f.firstStartMs, ref.firstStartMs)} (CPU ${ratio(f.firstStartCpuMs, ref.firstStartCpuMs)})  idle RSS ${ratio(f.rssIdleMb, ref.rssIdleMb)}  warm start ${ratio(f.warmStartMs, ref.warmStartMs)}`,
      );
  }

  let effect: Map<string, Figures> | undefined;
  if (!skip.has("effect")) {
    effect = await interleave(effectServers(materialiseFixture("save-state")), false);
    printRatios("one saveState per delivery", effect, ["rps50", "p99Ms", "cpuUsPerReq"]);
  }

  let e2e: { results: Map<string, number[]>; skipped?: string } = { results: new Map() };
  if (!skip.has("e2e")) {
    const daprd = findDaprd();
    const redis = findRedis();
    if (!daprd || !redis) {
      e2e.skipped = [
        daprd ? "" : "daprd not found (run `npm run setup`, or set DAPRLET_DAPR_HOME)",
        redis ? "" : "redis-server not found (e.g. `apt-get install -y redis-server`)",
      ]
        .filter(Boolean)
        .join("; ");
      console.log(`\n[bench] end to end skipped: ${e2e.skipped}`);
    } else {
      const deliver = materialiseFixture("deliver");
      const apps: E2eApp[] = [
        { name: "bare node:http, JS", script: join(import.meta.dirname, "servers", "node-http.js"), env: {} },
        { name: "daprlet, defaults", script: join(import.meta.dirname, "..", "runtime", "main.js"), env: { DAPRLET_ROOT: deliver } },
      ];
      e2e = { results: new Map(apps.map((a) => [a.name, []])) };
      for (let round = 0; round < rounds; round++) {
        for (const app of round % 2 ? [...apps].reverse() : apps) {
          const rate = await measureE2e(app, daprd, redis, e2eMessages);
          e2e.results.get(app.name)!.push(rate);
          console.log(`[bench] end to end round ${round + 1}/${rounds} ${app.name.padEnd(20)} ${rate.toFixed(0)} msg/s`);
        }
      }
      const [bare, daprlet] = [...e2e.results.values()];
      console.log(`[bench] end to end: daprlet / bare node:http, JS = ${ratio(daprlet, bare)}`);
    }
  }

  const actorCalls = Number(env.BENCH_ACTOR_CALLS ?? 5_000);
  let actor: { results: Map<string, number[]>; skipped?: string; calls: number } | undefined;
  if (!skip.has("actor")) {
    const daprd = findDaprd();
    const redis = findRedis();
    if (!daprd || !redis) {
      actor = { results: new Map(), skipped: "daprd or redis-server not found (npm run setup)", calls: actorCalls };
      console.log(`\n[bench] actor calls skipped: ${actor.skipped}`);
    } else {
      const fixture = materialiseFixture("actor");
      const apps: ActorApp[] = [
        { name: "@dapr/dapr AbstractActor", script: join(import.meta.dirname, "servers", "dapr-actor.ts"), env: {} },
        { name: "daprlet defineActor", script: join(import.meta.dirname, "..", "runtime", "main.js"), env: { DAPRLET_ROOT: fixture } },
      ];
      actor = { results: new Map(apps.map((a) => [a.name, []])), calls: actorCalls };
      for (let round = 0; round < rounds; round++) {
        for (const app of round % 2 ? [...apps].reverse() : apps) {
          const rate = await measureActorCalls(app, daprd, redis, actorCalls);
          actor.results.get(app.name)!.push(rate);
          console.log(`[bench] actor calls round ${round + 1}/${rounds} ${app.name.padEnd(26)} ${rate.toFixed(0)} calls/s`);
        }
      }
      const [sdk, daprlet] = [...actor.results.values()];
      console.log(`[bench] actor calls: daprlet / @dapr/dapr AbstractActor = ${ratio(daprlet, sdk)}`);
    }
  }

  let install: InstallSize[] | undefined;
  if (!skip.has("install")) {
    console.log("\n[bench] production installs (npm ci --omit=dev)…");
    install = installSizes();
    for (const i of install) console.log(`  ${i.app.padEnd(28)} ${i.mb.toFixed(1)} MB, ${i.files} files, ${i.packages} packages`);
  }

  const run = {
    started,
    load: [loadBefore, loadavg()[0]] as [number, number],
    seconds,
    rounds,
    warmUp,
    e2eMessages,
    delivery,
    fresh,
    effect,
    e2e,
    actor,
    install,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderReport(run));
  writeFileSync(out.replace(/\.md$/, ".json"), toJson(run));
  formatWritten([out, out.replace(/\.md$/, ".json")]);
  console.log(`\n[bench] wrote ${out}`);
} finally {
  await stop(stub);
  removeFixtures();
  removeFresh();
}
