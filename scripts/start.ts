// `npm start [profile ...] [template]`: placement and the scheduler, then `dapr run -f dapr.yaml` (daprd + the app) with
// the pinned CLI, supervised so that what the terminal shows can be trusted:
//   - a busy port fails at once, naming the port, what holds it and the fix;
//   - subscriptions/ is regenerated when it disagrees with handlers/;
//   - "[daprlet] ready" is printed only when daprd's healthz is 204, it lists the subscriptions, reports
//     the app healthy and has started its topics (the CLI's "You're up and running!" does not wait for
//     any of that, so it is dropped);
//   - the app exiting (at start-up or later) stops everything and exits non-zero with its last lines;
//   - Ctrl-C (SIGINT to the foreground group), SIGTERM or SIGHUP stops daprd, the app, the CLI, the
//     placement, the scheduler and the profile's servers, in that order, every time.
// A profile (`npm start postgres-kafka`) is a folder components/<profile>/ layered over the template's
// component folders: a component it names again replaces theirs (daprd refuses two with one name), so
// the layers are merged into .dapr/layered/ and the template is rewritten to .dapr/run.yaml. The
// profile's servers (scripts/profiles.ts) start first, unless they already listen on their ports.
// `npm run dev` (--dev) is the same, and keeps daprd up while handlers/ changes: the app runs under
// `node --watch` (restarted by Node within a second), subscriptions/ is regenerated on each change, and
// daprd hot-reloads components/, subscriptions/ and resiliency/ by itself (HotReload is on in 1.18).
// The CLI stays underneath so `npm start` runs exactly what `dapr run -f dapr.yaml` runs. It puts
// itself in its own process group (cli: pkg/syscall CreateProcessGroupID), so the terminal's SIGINT
// never reaches it, daprd or the app: this script is the only one that stops them.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, watch as watchFiles } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { stripVTControlCharacters } from "node:util";
import { parse } from "yaml";
import { type ServerProfile, serverProfiles, serverSet } from "./profiles.ts";
import { layerComponents, type RunTemplate, writeRunTemplate } from "./run-template.ts";

const root = resolve(import.meta.dirname, "..");
const home = process.env.DAPRLET_DAPR_HOME ?? join(root, ".dapr-home");
const bin = join(home, ".dapr", "bin");
const startedAt = Date.now();
const args = process.argv.slice(2);
const dev = args.includes("--dev");
// In dev mode an app that fails to start waits for the fix (node --watch), so there is no deadline.
const readyTimeoutMs = dev ? Number.POSITIVE_INFINITY : Number(process.env.DAPRLET_START_TIMEOUT_MS ?? 90_000);

const say = (line: string) => process.stdout.write(`[daprlet] ${line}\n`);
const complain = (line: string) => process.stderr.write(`[daprlet] ${line}\n`);
// A closed terminal (SIGHUP) makes writes fail; shutting down matters more than telling about it.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

class StartError extends Error {}

// ---------------------------------------------------------------------------------------------
// The template, read the way the CLI reads it (apps inherit what they leave unset from `common`).

interface App {
  appID: string;
  appDir: string;
  ports: { port: number; what: string }[];
  daprHTTPPort?: number;
  appPort?: number;
  schedulerHostAddress: string;
  /** Empty when the app runs without actors. */
  placementHostAddress: string;
  daprdLogOnConsole: boolean;
}

function readTemplate(path: string): { file: string; apps: App[] } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "dapr.yaml") : path;
  if (!existsSync(file)) throw new StartError(`no run template at ${file}: pass a dapr.yaml (npm start [template])`);
  const doc = parse(readFileSync(file, "utf8")) as { common?: Record<string, unknown>; apps?: Record<string, unknown>[] };
  const apps = (doc.apps ?? []).map((own) => {
    const app = { ...doc.common, ...own } as Record<string, unknown>;
    const appDir = resolve(dirname(file), String(own.appDirPath ?? "."));
    const port = (key: string) => (typeof app[key] === "number" && (app[key] as number) > 0 ? (app[key] as number) : undefined);
    const ports = ["appPort", "daprHTTPPort", "daprGRPCPort", "daprInternalGRPCPort", "metricsPort", "profilePort"]
      .filter((key) => port(key) !== undefined && (key !== "profilePort" || app.enableProfiling === true))
      .map((key) => ({ port: port(key)!, what: `${key} of ${String(app.appID)} in ${file}` }));
    // In run-file mode the CLI turns an absent or empty schedulerHostAddress into localhost:50006.
    const scheduler = String(app.schedulerHostAddress ?? "").trim() || "localhost";
    return {
      appID: String(app.appID ?? appDir.split("/").pop()),
      appDir,
      ports,
      daprHTTPPort: port("daprHTTPPort"),
      appPort: port("appPort"),
      schedulerHostAddress: scheduler.includes(":") ? scheduler : `${scheduler}:50006`,
      placementHostAddress: String(app.placementHostAddress ?? "").trim(),
      daprdLogOnConsole: ["console", "fileAndConsole"].includes(String(app.daprdLogDestination ?? "file")),
    };
  });
  if (!apps.length) throw new StartError(`${file} lists no apps`);
  return { file, apps };
}

// ---------------------------------------------------------------------------------------------
// Busy ports: fail before anything starts, naming who holds the port.

function listenOnce(port: number, host: string) {
  return new Promise<NodeJS.ErrnoException | undefined>((done) => {
    const server = createServer();
    server.once("error", (error) => done(error));
    server.listen({ port, host, exclusive: true }, () => server.close(() => done(undefined)));
  });
}

async function isBusy(port: number) {
  const taken = (error?: NodeJS.ErrnoException) => error?.code === "EADDRINUSE" || error?.code === "EACCES";
  // "::" is dual-stack: it collides with listeners on 127.0.0.1, ::1 and 0.0.0.0 alike. Without IPv6, try IPv4.
  const v6 = await listenOnce(port, "::");
  return taken(v6) || (v6 !== undefined && taken(await listenOnce(port, "0.0.0.0")));
}

function holderOf(port: number) {
  const ss = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
  const pid = /pid=(\d+)/.exec(ss.stdout ?? "")?.[1];
  if (!pid) return undefined;
  let command = "";
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {}
  return { pid: Number(pid), command };
}

async function checkPorts(ports: { port: number; what: string }[]) {
  const busy: string[] = [];
  for (const { port, what } of ports) {
    if (!(await isBusy(port))) continue;
    const holder = holderOf(port);
    busy.push(
      `port ${port} (${what}) is already in use${holder ? ` by pid ${holder.pid}: ${holder.command.slice(0, 160)}` : ""}.\n` +
        `  Fix: stop it${holder ? ` (kill ${holder.pid})` : ""}, or change the port in the template. ` +
        `See who holds it: ss -ltnp 'sport = :${port}'  (or: lsof -nP -iTCP:${port} -sTCP:LISTEN)`,
    );
  }
  if (busy.length) throw new StartError(busy.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// subscriptions/ is generated from handlers/: bring it in line instead of losing events silently.

function syncSubscriptions() {
  const node = process.execPath;
  const env = { ...process.env, DAPRLET_ROOT: root };
  const check = spawnSync(node, ["scripts/generate.ts", "--check"], { cwd: root, env, encoding: "utf8" });
  if (check.status === 0) return;
  const generate = spawnSync(node, ["scripts/generate.ts"], { cwd: root, env, encoding: "utf8" });
  if (generate.status !== 0) {
    throw new StartError(`handlers/ do not load, so subscriptions/ cannot be generated:\n${generate.stderr || generate.stdout}`);
  }
  const drift = (check.stderr ?? "").split("\n").filter((l) => l.startsWith("✗"));
  say(`subscriptions/ disagreed with handlers/; regenerated it (npm run generate):\n  ${drift.join("\n  ")}`);
  for (const line of (generate.stderr ?? "").split("\n").filter(Boolean)) say(line);
}

// ---------------------------------------------------------------------------------------------
// Processes.

const children: { name: string; proc: ChildProcess }[] = [];
const exited = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null;
const waitExit = (proc: ChildProcess, ms: number) =>
  exited(proc)
    ? Promise.resolve(true)
    : new Promise<boolean>((done) => {
        const timer = setTimeout(() => done(false), ms);
        proc.once("exit", () => {
          clearTimeout(timer);
          done(true);
        });
      });

/** Alive and not a zombie (daprd and the app are the CLI's children: it reaps them, we only watch). */
function alive(pid: number) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number) {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  return !alive(pid);
}

/** The CLI's children (daprd and the app's command), from /proc. */
function childrenOf(pid: number) {
  const found: { pid: number; command: string }[] = [];
  for (const entry of existsSync("/proc") ? readdirSync("/proc") : []) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ") });
    } catch {}
  }
  return found;
}

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {}
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function schedulerPorts(address: string) {
  const port = Number(address.split(":").pop());
  // Derived from the scheduler's port so one template setting moves them all; metrics are off because
  // the scheduler's default metrics port (9090) is daprd's.
  return { port, healthz: port + 1, etcdClient: port + 2, etcdPeer: port + 3 };
}

function placementPorts(address: string) {
  const port = Number(address.split(":").pop());
  // Derived from placement's port, as the scheduler's are: its defaults (healthz 8080, raft 8201,
  // metrics 9090) would collide with other tools and with daprd's metrics.
  return { port, healthz: port + 10, raft: port + 11 };
}

const isLocal = (address: string) => ["localhost", "127.0.0.1", "[::1]"].includes(address.split(":")[0]);

function startScheduler(address: string) {
  const ports = schedulerPorts(address);
  const dataDir = join(root, ".data", "scheduler");
  mkdirSync(dataDir, { recursive: true });
  const args = [
    `--port=${ports.port}`,
    "--listen-address=127.0.0.1",
    `--healthz-port=${ports.healthz}`,
    "--healthz-listen-address=127.0.0.1",
    "--enable-metrics=false",
    `--etcd-data-dir=${dataDir}`,
    `--etcd-client-port=${ports.etcdClient}`,
    `--etcd-initial-cluster=dapr-scheduler-server-0=http://localhost:${ports.etcdPeer}`,
  ];
  return startControlPlane("scheduler", args, ports.healthz, `If its data is damaged, remove it: rm -rf ${dataDir}`);
}

/** Placement keeps its tables in memory: daprd re-registers its actor types when it reconnects. */
function startPlacement(address: string) {
  const ports = placementPorts(address);
  const args = [
    `--port=${ports.port}`,
    "--listen-address=127.0.0.1",
    `--healthz-port=${ports.healthz}`,
    "--healthz-listen-address=127.0.0.1",
    "--enable-metrics=false",
    `--initial-cluster=dapr-placement-0=127.0.0.1:${ports.raft}`,
  ];
  return startControlPlane("placement", args, ports.healthz, "");
}

/** Starts a Dapr control-plane binary and waits until its healthz answers. */
async function startControlPlane(name: "scheduler" | "placement", args: string[], healthz: number, hint: string) {
  const logFile = join(root, ".dapr", "logs", `${name}.log`);
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  // Its own process group: the terminal's Ctrl-C must not stop it before daprd has let go of it.
  const proc = spawn(join(bin, name), args, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  children.push({ name, proc });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited(proc)) break;
    const ok = await fetch(`http://127.0.0.1:${healthz}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, logFile };
    await sleep(200);
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n  ") : "";
  throw new StartError(`the ${name} did not become healthy on :${healthz} (log: ${logFile}):\n  ${tail}${hint ? `\n  ${hint}` : ""}`);
}

// ---------------------------------------------------------------------------------------------
// Readiness, as daprd sees it.

interface Watch {
  /** When daprd logged "App entered healthy status" (0: not healthy). */
  healthySince: number;
  appExit?: string;
  daprdExit?: string;
  appLines: string[];
}

function expectedSubscriptions(appDir: string) {
  const dir = join(appDir, "subscriptions");
  const topics: string[] = [];
  for (const name of existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : []) {
    const doc = parse(readFileSync(join(dir, name), "utf8")) as { spec?: { pubsubname?: string; topic?: string } };
    if (doc?.spec?.pubsubname && doc.spec.topic) topics.push(`${doc.spec.pubsubname}/${doc.spec.topic}`);
  }
  return topics.sort();
}

async function waitReady(app: App, watch: Watch, scheduled: boolean, placed: boolean) {
  const want = expectedSubscriptions(app.appDir);
  const deadline = Date.now() + readyTimeoutMs;
  let state = "daprd has not answered yet";
  while (Date.now() < deadline) {
    if (watch.appExit) throw new StartError(crashReport(app, watch, "during start-up"));
    if (watch.daprdExit) throw new StartError(`daprd exited during start-up (${watch.daprdExit}); its log is above`);
    const base = `http://127.0.0.1:${app.daprHTTPPort}/v1.0`;
    try {
      const healthz = (await fetch(`${base}/healthz`)).status;
      const meta = (await (await fetch(`${base}/metadata`)).json()) as {
        subscriptions?: { pubsubname: string; topic: string }[];
        scheduler?: { connected_addresses?: string[] };
        actorRuntime?: { placement?: string };
      };
      const listed = new Set((meta.subscriptions ?? []).map((s) => `${s.pubsubname}/${s.topic}`));
      const missing = want.filter((t) => !listed.has(t));
      // daprd starts the subscriptions right after it finds the app healthy, which it logs but does not
      // expose in the metadata (pkg/runtime appHealthChanged → StartAppSubscriptions; declarative
      // subscriptions get no log line of their own): give it a moment past that line.
      const appHealthy =
        (watch.healthySince > 0 && Date.now() - watch.healthySince > 300) ||
        (!app.daprdLogOnConsole &&
          app.appPort !== undefined &&
          (await fetch(`http://127.0.0.1:${app.appPort}/healthz`).then(
            (r) => r.ok,
            () => false,
          )));
      const schedulerOk = !scheduled || (meta.scheduler?.connected_addresses?.length ?? 0) > 0;
      // Actor calls fail with ERR_ACTOR_RUNTIME_NOT_FOUND until daprd has its placement table.
      const placementOk = !placed || meta.actorRuntime?.placement === "placement: connected";
      if (healthz === 204 && !missing.length && appHealthy && schedulerOk && placementOk) {
        return { want, scheduler: meta.scheduler?.connected_addresses ?? [] };
      }
      state = `healthz ${healthz}; app ${appHealthy ? "healthy" : "not healthy yet"}; scheduler ${schedulerOk ? "connected" : "not connected"}; ${placed ? `${meta.actorRuntime?.placement ?? "placement: not reported"}; ` : ""}${
        missing.length ? `subscriptions not listed: ${missing.join(", ")}` : "subscriptions listed"
      }`;
    } catch (error) {
      state = `daprd not answering on :${app.daprHTTPPort} (${(error as Error).message})`;
    }
    await sleep(250);
  }
  throw new StartError(`${app.appID} was not ready after ${readyTimeoutMs / 1000} s: ${state}`);
}

/** The CLI's words for a process that ended (cli: cmd/run.go startAppProcess, startDaprdProcess). */
function exitOf(line: string, who: "App" | "daprd") {
  const error = new RegExp(`The ${who} process exited with error code: (.*)$`).exec(line);
  if (error) return error[1];
  return line.includes(who === "App" ? "Exited App successfully" : "Exited Dapr successfully") ? "exit status 0" : undefined;
}

function crashReport(app: App, watch: Watch, when: string) {
  const lines = watch.appLines.length ? watch.appLines.map((l) => `  ${l}`).join("\n") : "  (no output)";
  return `the app ${app.appID} exited ${when} (${watch.appExit}). Its last output:\n${lines}`;
}

// ---------------------------------------------------------------------------------------------
// Traces: a Zipkin from `npm run zipkin` is used when no exporter is configured.

async function zipkinEnv(): Promise<Record<string, string>> {
  const configured = [
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  ];
  if (configured.some((key) => process.env[key])) return {};
  const zipkin = "http://127.0.0.1:9411";
  const up = await fetch(`${zipkin}/health`, { signal: AbortSignal.timeout(500) }).then(
    async (r) => r.ok && (await r.text()).includes("UP"),
    () => false,
  );
  if (!up) return {};
  say(`traces go to the Zipkin of npm run zipkin: ${zipkin}/zipkin/`);
  // config/dapr-config.yaml expands it for daprd; the app reads it too.
  return { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin}/api/v2/spans` };
}

// ---------------------------------------------------------------------------------------------
// Arguments: profiles (folders under components/) and at most one template.

function readArguments() {
  const profiles: string[] = [];
  const templates: string[] = [];
  for (const arg of args.filter((a) => !a.startsWith("--"))) {
    const path = resolve(root, arg);
    const profileDir = join(root, "components", arg);
    if (!arg.includes("/") && !arg.endsWith(".yaml") && existsSync(profileDir) && statSync(profileDir).isDirectory()) profiles.push(arg);
    else if (existsSync(path)) templates.push(path);
    else {
      const known = readdirSync(join(root, "components")).filter((d) => statSync(join(root, "components", d)).isDirectory());
      throw new StartError(
        `${arg} is neither a profile (a folder under components/: ${known.join(", ")}) nor a run template.\n` +
          "  Usage: npm start [profile ...] [template]   e.g. npm start postgres-kafka",
      );
    }
  }
  if (templates.length > 1) throw new StartError(`one run template at a time, not ${templates.join(" and ")}`);
  return { profiles, template: templates[0] ?? join(root, "dapr.yaml") };
}

// ---------------------------------------------------------------------------------------------
// The template as run (scripts/run-template.ts): dapr.yaml itself, or .dapr/run.yaml with the profile.

function runTemplate(file: string, profiles: string[]) {
  try {
    const run = writeRunTemplate({ root, file, dev, profiles });
    for (const warning of run.warnings) complain(warning);
    return run;
  } catch (error) {
    throw new StartError((error as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// A profile's servers: started here, unless another terminal runs them (`npm run servers <profile>`).

const servers = serverSet();

async function startServers(profiles: string[]) {
  for (const name of profiles) {
    const profile: ServerProfile | undefined = serverProfiles[name];
    if (!profile) continue; // a profile of components only (no server of its own)
    const busy = await Promise.all(profile.ports.map(isBusy));
    if (busy.every(Boolean)) {
      say(`${name}: using the servers already listening on ${profile.ports.join(", ")} (${profile.what})`);
      continue;
    }
    if (busy.some(Boolean)) {
      const taken = profile.ports.filter((_, i) => busy[i]);
      throw new StartError(
        `${name} needs ports ${profile.ports.join(", ")}, and only ${taken.join(", ")} ${taken.length > 1 ? "are" : "is"} in use: ` +
          `stop what holds ${taken.join(", ")} (ss -ltnp), or run all of them with: npm run servers ${name}`,
      );
    }
    const at = Date.now();
    try {
      await profile.start(servers.keep);
    } catch (error) {
      throw new StartError(`${name}'s servers did not start: ${(error as Error).message}`);
    }
    say(`${name}: ${profile.what}, up in ${((Date.now() - at) / 1000).toFixed(1)} s (their data goes when this stops)`);
  }
}

let lastChange: { path: string; at: number } | undefined;
let restarts = 0; // a newer restart (or a failed one) makes an older poll stop

/** Node's watch mode says when it restarts the app and when the app failed; tell how long a change took. */
function noticeWatchMode(app: App, line: string) {
  if (line.includes("Failed running")) {
    restarts++;
    complain("the app failed to start (its error is above): fix it and save; daprd keeps running");
  } else if (/Restarting '/.test(line)) {
    const since = lastChange?.at ?? Date.now();
    const restart = ++restarts;
    void (async () => {
      await sleep(100); // the old process answers until Node has stopped it
      for (let i = 0; i < 100 && restart === restarts; i++) {
        const ok = await fetch(`http://127.0.0.1:${app.appPort}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return say(`app restarted ${Date.now() - since} ms after ${lastChange?.path ?? "a change"} changed (daprd kept running)`);
        await sleep(50);
      }
    })();
  }
}

function watchProject(app: App, layers: RunTemplate["layers"]) {
  let timer: NodeJS.Timeout | undefined;
  for (const dir of ["handlers", "components", "resiliency"]) {
    if (!existsSync(join(app.appDir, dir))) continue;
    watchFiles(join(app.appDir, dir), { recursive: true }, (_event, name) => {
      if (!name || stopping) return;
      const path = `${dir}/${name}`;
      lastChange = { path, at: Date.now() };
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (dir === "components") for (const { folders, out } of layers) layerComponents(root, folders, out);
        if (dir !== "handlers") return say(`${path} changed: daprd reloads it`);
        try {
          syncSubscriptions();
        } catch (error) {
          complain((error as Error).message);
        }
      }, 100);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Main.

let cli: ChildProcess | undefined;
let stopping: Promise<void> | undefined;

async function stopAll(reason: string) {
  stopping ??= (async () => {
    if (cli || children.length || servers.count()) {
      say(
        `${reason}: stopping daprd, the app, the CLI, placement and the scheduler${servers.count() ? ", then the profile's servers" : ""}`,
      );
    }
    if (cli?.pid && !exited(cli)) {
      const procs = childrenOf(cli.pid);
      const daprd = procs.filter((p) => /(^|\/)daprd /.test(p.command));
      const apps = procs.filter((p) => !daprd.includes(p));
      // daprd first: it stops delivering and lets in-flight calls finish; then the app flushes its spans.
      for (const p of daprd) signal(p.pid, "SIGTERM");
      for (const p of daprd) await waitGone(p.pid, 8000);
      for (const p of apps) signal(p.pid, "SIGTERM");
      for (const p of apps) await waitGone(p.pid, 5000);
      signal(cli.pid, "SIGINT");
      if (!(await waitExit(cli, 5000))) signal(cli.pid, "SIGKILL");
      // Whatever the app left in the CLI's process group (its own children).
      signal(-cli.pid, "SIGKILL");
    }
    for (const { proc } of children) {
      if (proc.pid && !exited(proc)) {
        signal(proc.pid, "SIGTERM");
        if (!(await waitExit(proc, 5000))) signal(-proc.pid, "SIGKILL");
      }
    }
    await servers.stop();
  })();
  return stopping;
}

async function main() {
  const { profiles, template: templateFile } = readArguments();
  const template = readTemplate(templateFile);
  const app = template.apps[0];
  const runScheduler = isLocal(app.schedulerHostAddress);
  const sched = schedulerPorts(app.schedulerHostAddress);
  const runPlacement = app.placementHostAddress !== "" && isLocal(app.placementHostAddress);
  const place = placementPorts(app.placementHostAddress);
  await checkPorts([
    ...template.apps.flatMap((a) => a.ports),
    ...(runScheduler
      ? [
          { port: sched.port, what: `the scheduler (schedulerHostAddress ${app.schedulerHostAddress})` },
          { port: sched.healthz, what: "the scheduler's healthz" },
          { port: sched.etcdClient, what: "the scheduler's etcd client port" },
          { port: sched.etcdPeer, what: "the scheduler's etcd peer port" },
        ]
      : []),
    ...(runPlacement
      ? [
          { port: place.port, what: `placement (placementHostAddress ${app.placementHostAddress})` },
          { port: place.healthz, what: "placement's healthz" },
          { port: place.raft, what: "placement's raft port" },
        ]
      : []),
  ]);

  const setup = spawnSync("bash", [join(root, "scripts", "setup-dapr.sh")], { stdio: ["ignore", "ignore", "inherit"] });
  if (setup.status !== 0) throw new StartError("setup failed (its messages are above): npm run setup");
  syncSubscriptions();
  const run = runTemplate(template.file, profiles);
  if (profiles.length) say(`profile ${profiles.join(" + ")} layered over the template's components (merged into .dapr/layered/)`);

  if (stopping) return; // Ctrl-C during setup: start nothing more
  await startServers(profiles);
  if (stopping) return;
  // The state store's SQLite file (embedded profile) lives here; SQLite does not create folders.
  mkdirSync(join(app.appDir, ".data"), { recursive: true });
  const placement = runPlacement ? await startPlacement(app.placementHostAddress) : undefined;
  if (placement) say(`placement on ${app.placementHostAddress} (in memory, log ${placement.logFile.slice(root.length + 1)})`);
  if (stopping) return;
  const scheduler = runScheduler ? await startScheduler(app.schedulerHostAddress) : undefined;
  if (scheduler) say(`scheduler on ${app.schedulerHostAddress} (data .data/scheduler, log ${scheduler.logFile.slice(root.length + 1)})`);

  const env = { ...process.env, DAPR_RUNTIME_PATH: home, ...(await zipkinEnv()) };
  if (stopping) return;
  const watch: Watch = { healthySince: 0, appLines: [] };
  let ready = false;
  cli = spawn(join(bin, "dapr"), ["run", "--runtime-path", home, "-f", run.file], {
    cwd: root,
    // The CLI finds daprd through DAPR_RUNTIME_PATH for run-file apps (it ignores --runtime-path there);
    // it hands this environment to daprd and to the app.
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const appPrefix = `== APP - ${app.appID} == `;
  const pump = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) =>
    createInterface({ input: stream }).on("line", (line) => {
      if (line.includes("You're up and running!")) return; // printed before the app is ready; ours follows
      out.write(`${line}\n`);
      const plain = stripVTControlCharacters(line);
      if (plain.includes(appPrefix))
        watch.appLines = [...watch.appLines, plain.slice(plain.indexOf(appPrefix) + appPrefix.length)].slice(-30);
      if (plain.includes("App entered healthy status")) watch.healthySince = Date.now();
      if (plain.includes("App entered un-healthy status")) watch.healthySince = 0;
      if (dev && plain.includes(appPrefix)) noticeWatchMode(app, plain);
      const appExit = exitOf(plain, "App");
      if (appExit && !stopping) {
        watch.appExit = appExit;
        if (ready) void fail(crashReport(app, watch, "while running"));
      }
      const daprdExit = exitOf(plain, "daprd");
      if (daprdExit && !stopping) {
        watch.daprdExit = daprdExit;
        if (ready) void fail(`daprd exited (${watch.daprdExit}); its log is above`);
      }
    });
  pump(cli.stdout!, process.stdout);
  pump(cli.stderr!, process.stderr);
  cli.on("exit", (code, sig) => {
    if (!stopping) void fail(`the dapr CLI exited (${sig ?? `code ${code}`}); its output is above`);
  });
  for (const [name, started] of [
    ["the scheduler", scheduler],
    ["placement", placement],
  ] as const)
    started?.proc.on("exit", (code, sig) => {
      if (!stopping) void fail(`${name} exited (${sig ?? `code ${code}`}); see ${started.logFile}`);
    });

  const { want, scheduler: connected } = await waitReady(app, watch, runScheduler, runPlacement);
  ready = true;
  say(
    `ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${app.appID} on 127.0.0.1:${app.appPort} behind daprd :${app.daprHTTPPort} ` +
      `(healthz 204, app healthy, topics ${want.join(", ") || "none"}${connected.length ? `, scheduler ${connected.join(",")}` : ""}). ` +
      (dev ? "Watching handlers/, components/, resiliency/. " : "") +
      "Ctrl-C stops it all.",
  );
  if (dev) watchProject(app, run.layers);
}

async function fail(message: string) {
  if (stopping) return;
  complain(message);
  await stopAll("failed");
  process.exit(1);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, async () => {
    if (stopping) return; // npm forwards the terminal's SIGINT too: one stop is enough
    await stopAll(`${sig} received`);
    say("stopped");
    process.exit(0);
  });
}

main().catch((error: unknown) => fail(error instanceof StartError ? error.message : ((error as Error).stack ?? String(error))));
