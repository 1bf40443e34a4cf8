// bench/RESULTS.md from one run: machine, versions, method, every figure with its ratio, and the
// hand-written profiling notes (bench/where-the-time-goes.md) appended as they are.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { findDaprd, findRedis } from "./e2e.ts";
import { type InstallSize, versionOf } from "./install.ts";
import { pinning } from "./procs.ts";
import { reference } from "./servers.ts";
import { cell, type Figures, stat } from "./stats.ts";

export interface Run {
  started: Date;
  /** 1-minute load average when the run started and ended: other work on the machine skews every figure. */
  load: [number, number];
  seconds: number;
  rounds: number;
  warmUp: number;
  e2eMessages: number;
  delivery: Map<string, Figures>;
  effect?: Map<string, Figures>;
  e2e: { results: Map<string, number[]>; skipped?: string };
  /** Actor method calls through daprd (bench/actors.ts); absent in runs from before it existed. */
  actor?: { results: Map<string, number[]>; skipped?: string; calls: number };
  install?: InstallSize[];
}

const versionLine = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    return "not found";
  }
};

function machine(run: Run): string[] {
  const daprd = findDaprd();
  const redis = findRedis();
  const peer = (n: string) => `${n} ${versionOf(n, "bench")}`;
  const ours = (n: string) => `${n} ${versionOf(n, "repo")}`;
  return [
    "## Machine",
    "",
    `- CPU: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; Linux ${release()}`,
    `- Load average (1 min) at start / end of the run: ${run.load.map((l) => l.toFixed(2)).join(" / ")} on ${cpus().length} cores${run.load[0] > 0.5 ? " (other work was running: req/s, latency and cold start are noisy and low; CPU µs per delivery and RSS move much less)" : ""}`,
    `- Node ${process.version} (the project's, \`node_modules/.bin/node\`), TypeScript run by type stripping`,
    `- Pinning: ${pinning ? `\`taskset\`: the server on core ${pinning.server}; autocannon, the orchestrator and the stand-in sidecar on core ${pinning.load}` : "none (no taskset or one core)"}`,
    `- Peers (bench/node_modules): ${["@dapr/dapr", "hono", "@hono/node-server", "valibot", "autocannon"].map(peer).join(", ")}`,
    `- daprlet's own (repo node_modules): ${["hono", "@hono/node-server", "valibot", "@dapr/dapr", "yaml", "@opentelemetry/sdk-trace-base"].map(ours).join(", ")}`,
    `- daprd: ${daprd ? versionLine(daprd, ["--version"]) : "not found"}; redis-server: ${redis ? versionLine(redis, ["--version"]) : "not found"}`,
    "",
  ];
}

function method(run: Run): string[] {
  return [
    "## Method",
    "",
    `- Every server is a separate \`node\` process spawned directly (no shell, so \`/proc/<pid>/status\` VmRSS is the server's), answering the same daprd-shaped CloudEvent (\`content-type: application/cloudevents+json\`, \`data: {orderId, amount}\`) validated with the same valibot schema; stdout goes to /dev/null (the delivery log is written, one \`write\` per batch of lines, and not read).`,
    `- ${run.rounds} interleaved rounds: each round starts every server once, in an order rotated by one per round; per server and round: cold start, idle RSS (1 s after the first SUCCESS), ${run.warmUp} s warm-up at c=50 (discarded), ${run.seconds} s at c=50, ${run.seconds} s at c=1, RSS after load. Figures are medians over rounds, (min–max) beside them.`,
    "- Load: autocannon (keep-alive, no pipelining) as a child process over real HTTP on 127.0.0.1; req/s is autocannon's mean per second, p99 its 99th percentile latency at c=50.",
    "- CPU per delivery: the server process's user + system CPU time (`/proc/<pid>/stat`) over the c=50 run ÷ the requests answered. Other work on the machine lowers req/s and raises latency, but moves this figure much less: read it first when the load average above is high.",
    '- Cold start: spawn → the first `{"status":"SUCCESS"}` to the CloudEvent, polled every 2 ms from the orchestrator.',
    "- DaprServer's `start()` waits for a sidecar (`GET /v1.0/metadata`): every server is given the stand-in sidecar's port as DAPR_HTTP_PORT. The stand-in (`bench/servers/sidecar-stub.ts`, node:http) answers 204 to `POST /v1.0/state/statestore` and `{}` to anything else; it shares the load core.",
    `- Ratios: against **${reference}** measured in the same run (figure ÷ its median). For req/s higher is better; for latency, cold start and RSS lower is better.`,
    "",
  ];
}

function deliveryTable(results: Map<string, Figures>): string[] {
  const ref = results.get(reference)!;
  const rows = [...results].map(
    ([name, f]) =>
      `| ${name} | ${cell(f.rps50, 0, ref.rps50)} | ${cell(f.p99Ms, 1, ref.p99Ms)} | ${cell(f.cpuUsPerReq, 0, ref.cpuUsPerReq)} | ${cell(f.rps1, 0, ref.rps1)} | ${cell(f.coldStartMs, 0, ref.coldStartMs)} | ${cell(f.rssIdleMb, 0, ref.rssIdleMb)} | ${cell(f.rssAfterMb, 0, ref.rssAfterMb)} |${f.failures ? ` ${f.failures} failed requests |` : ""}`,
  );
  return [
    "## Delivery, no effects",
    "",
    "| server | c=50 req/s | p99 ms (c=50) | CPU µs per delivery (c=50) | c=1 req/s | cold start ms | RSS idle MB | RSS after load MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ];
}

function effectTable(results: Map<string, Figures>): string[] {
  const ref = results.get(reference)!;
  return [
    "## One `saveState` per delivery, against the stand-in sidecar",
    "",
    "DaprServer saves with its embedded DaprClient (`client.state.save`), hono + valibot with `fetch`, daprlet with its `saveState` effect; all to the same stand-in on the load core. Same rounds, warm-up and duration as above, c=50 only.",
    "",
    "| server | c=50 req/s | p99 ms (c=50) | CPU µs per delivery (c=50) | cold start ms | RSS after load MB |",
    "|---|---:|---:|---:|---:|---:|",
    ...[...results].map(
      ([name, f]) =>
        `| ${name} | ${cell(f.rps50, 0, ref.rps50)} | ${cell(f.p99Ms, 1, ref.p99Ms)} | ${cell(f.cpuUsPerReq, 0, ref.cpuUsPerReq)} | ${cell(f.coldStartMs, 0, ref.coldStartMs)} | ${cell(f.rssAfterMb, 0, ref.rssAfterMb)} |${f.failures ? ` ${f.failures} failed requests |` : ""}`,
    ),
    "",
  ];
}

function e2eTable(run: Run): string[] {
  const head = ["## End to end through daprd and Redis pub/sub", ""];
  if (run.e2e.skipped) return [...head, `Skipped: ${run.e2e.skipped}.`, ""];
  if (run.e2e.results.size === 0) return [...head, "Skipped (BENCH_SKIP=e2e).", ""];
  const ref = run.e2e.results.get("bare node:http");
  return [
    ...head,
    `Per app and round: a fresh redis-server and daprd (\`pubsub.redis\` with its defaults, a declarative Subscription routing pubsub/orders to \`/events/onOrderCreated\`); 1,000 messages to warm up, then ${run.e2eMessages.toLocaleString("en-US")} published through daprd's HTTP publish API by 32 concurrent publishers; messages/s = messages ÷ (first publish → daprd's \`dapr_component_pubsub_ingress_count{process_status="success"}\` reaching the total). The app has the server core; daprd, redis-server and the publisher share the load core, and they, not the app, set the rate here (both apps land near the same figure and the ratio swings between runs). Both apps validate with the same schema and do no effects.`,
    "",
    "| app behind daprd | messages/s |",
    "|---|---:|",
    ...[...run.e2e.results].map(([name, rates]) => `| ${name} | ${cell(rates, 0, ref)} |`),
    "",
    "Ratios here are against bare node:http behind the same daprd.",
    "",
  ];
}

function actorTable(run: Run): string[] {
  const head = ["## Actor method calls through daprd", ""];
  if (!run.actor) return [...head, "Skipped (BENCH_SKIP=actor).", ""];
  if (run.actor.skipped) return [...head, `Skipped: ${run.actor.skipped}.`, ""];
  const ref = run.actor.results.get("@dapr/dapr AbstractActor");
  return [
    ...head,
    `Per app and round: a fresh redis-server (the actor state store), placement and daprd; 1,000 calls to warm up, then ${run.actor.calls.toLocaleString("en-US")} \`PUT /v1.0/actors/BenchCounter/<id>/method/add\` through daprd by 32 concurrent callers over 64 actor ids. Each call reads the actor's state, adds, writes it back through daprd and replies. The app has the server core; daprd, placement, redis-server and the callers share the load core.`,
    "",
    "| actor host behind daprd | calls/s |",
    "|---|---:|",
    ...[...run.actor.results].map(([name, rates]) => `| ${name} | ${cell(rates, 0, ref)} |`),
    "",
    "Ratios here are against the @dapr/dapr AbstractActor behind the same daprd.",
    "",
  ];
}

function installTable(sizes: InstallSize[]): string[] {
  const hono = sizes.find((s) => s.app.startsWith("hono"));
  return [
    "## Production install",
    "",
    "Each app's package.json and lock (daprlet: the repo's; the peers: `bench/install/*/`) copied to a temporary folder and installed with the command shown; size is the sum of file sizes under node_modules (MB = 2^20 bytes).",
    "",
    "| app | MB | files | packages | command |",
    "|---|---:|---:|---:|---|",
    ...sizes.map(
      (s) =>
        `| ${s.app} | ${s.mb.toFixed(1)}${hono ? ` **${(s.mb / hono.mb).toFixed(1)}×**` : ""} | ${s.files.toLocaleString("en-US")}${hono ? ` **${(s.files / hono.files).toFixed(1)}×**` : ""} | ${s.packages} | \`${s.command}\` |`,
    ),
    "",
  ];
}

const median = (values: number[] | undefined) => (values ? stat(values)?.median : undefined);
const times = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : undefined);

/** Issue 12's goals against this run's medians: a reading of the figures, not a test. */
function goals(run: Run): string[] {
  const daprlet = run.delivery.get("daprlet, defaults");
  const hono = run.delivery.get(reference);
  const effect = (name: string) => run.effect?.get(name);
  const e2e = (name: string) => run.e2e.results.get(name);
  const size = (prefix: string) => run.install?.find((i) => i.app.startsWith(prefix))?.mb;
  const rows: [string, number | undefined, (r: number) => boolean][] = [
    ["c=50 req/s, delivery log on: ≥ 0.9× hono + valibot", times(median(daprlet?.rps50), median(hono?.rps50)), (r) => r >= 0.9],
    ["p99 at c=50: ≤ 1.3× hono + valibot", times(median(daprlet?.p99Ms), median(hono?.p99Ms)), (r) => r <= 1.3],
    ["cold start: ≤ 1.5× hono + valibot", times(median(daprlet?.coldStartMs), median(hono?.coldStartMs)), (r) => r <= 1.5],
    ["idle RSS: ≤ 1.2× hono + valibot", times(median(daprlet?.rssIdleMb), median(hono?.rssIdleMb)), (r) => r <= 1.2],
    ["RSS after load: ≤ 1.3× hono + valibot", times(median(daprlet?.rssAfterMb), median(hono?.rssAfterMb)), (r) => r <= 1.3],
    [
      "saveState, c=50 req/s: ≥ 0.9× hono + valibot with fetch",
      times(median(effect("daprlet, defaults")?.rps50), median(effect(reference)?.rps50)),
      (r) => r >= 0.9,
    ],
    [
      "saveState, c=50 req/s: ahead of DaprServer + DaprClient",
      times(median(effect("daprlet, defaults")?.rps50), median(effect("DaprServer + DaprClient")?.rps50)),
      (r) => r > 1,
    ],
    [
      "end to end through daprd: ≥ 0.95× bare node:http (daprd-bound on two cores: see its section)",
      times(median(e2e("daprlet, defaults")), median(e2e("bare node:http"))),
      (r) => r >= 0.95,
    ],
    ["production install size: ≤ 3× hono + valibot", times(size("daprlet"), size("hono")), (r) => r <= 3],
  ];
  return [
    "## Goals, read from this run",
    "",
    "Issue 12's goals against this run's medians (daprlet with defaults). A reading, not a test: one noisy run can move a ratio across a line.",
    "",
    "| goal | this run | met |",
    "|---|---:|---|",
    ...rows.map(
      ([goal, r, ok]) =>
        `| ${goal} | ${r === undefined ? "not measured" : `${r.toFixed(2)}×`} | ${r === undefined ? "–" : ok(r) ? "yes" : "**no**"} |`,
    ),
    "",
  ];
}

export function renderReport(run: Run): string {
  const notes = join(import.meta.dirname, "where-the-time-goes.md");
  return [
    "# daprlet bench results",
    "",
    `Written by \`npm run bench\` (bench/run.ts) on ${run.started.toISOString().slice(0, 16).replace("T", " ")} UTC; issue 12 states the goals. Not a test: nothing here is asserted.`,
    "",
    "A full run takes about 10 minutes; a quick look: `BENCH_SECONDS=1 BENCH_ROUNDS=1 BENCH_SKIP=e2e,install BENCH_OUT=/tmp/bench.md npm run bench`. Knobs: BENCH_SECONDS, BENCH_ROUNDS, BENCH_WARMUP_SECONDS, BENCH_E2E_MESSAGES, BENCH_ACTOR_CALLS, BENCH_SKIP (effect, e2e, actor, install), BENCH_OUT.",
    "",
    ...machine(run),
    ...method(run),
    ...deliveryTable(run.delivery),
    ...(run.effect ? effectTable(run.effect) : []),
    ...e2eTable(run),
    ...actorTable(run),
    ...(run.install ? installTable(run.install) : ["## Production install", "", "Skipped (BENCH_SKIP=install).", ""]),
    ...goals(run),
    ...(existsSync(notes) ? [readFileSync(notes, "utf8").trim(), ""] : []),
  ].join("\n");
}

/** Formats written files the way `npm run lint` (biome) wants them; best effort, as biome may be absent. */
export function formatWritten(paths: string[]): void {
  try {
    execFileSync(join(import.meta.dirname, "..", "node_modules", ".bin", "biome"), ["format", "--write", ...paths], { stdio: "ignore" });
  } catch {
    // Unformatted output is still the right output.
  }
}

/** The run as JSON (maps as entry lists), written beside RESULTS.md so the report can be re-rendered. */
export const toJson = (run: Run) =>
  JSON.stringify(
    {
      ...run,
      delivery: [...run.delivery],
      effect: run.effect && [...run.effect],
      e2e: { ...run.e2e, results: [...run.e2e.results] },
      actor: run.actor && { ...run.actor, results: [...run.actor.results] },
    },
    null,
    1,
  );

export function fromJson(text: string): Run {
  const raw = JSON.parse(text);
  return {
    ...raw,
    started: new Date(raw.started),
    delivery: new Map(raw.delivery),
    effect: raw.effect && new Map(raw.effect),
    e2e: { ...raw.e2e, results: new Map(raw.e2e.results) },
    actor: raw.actor && { ...raw.actor, results: new Map(raw.actor.results) },
  };
}

// `node bench/report.ts [RESULTS.json]`: re-render RESULTS.md from a run's JSON (e.g. after editing
// where-the-time-goes.md), without measuring again. Machine and versions are read now, not then.
if (import.meta.main) {
  const json = process.argv[2] ?? join(import.meta.dirname, "RESULTS.json");
  writeFileSync(json.replace(/\.json$/, ".md"), renderReport(fromJson(readFileSync(json, "utf8"))));
  formatWritten([json.replace(/\.json$/, ".md")]);
  console.log(`[bench] wrote ${json.replace(/\.json$/, ".md")}`);
}
