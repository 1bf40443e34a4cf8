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
// The machinery lives in scripts/start/ (one module per job, sharing one Supervisor) and scripts/servers/.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeRunTemplate } from "./run-template.ts";
import { controlPlaneOf, startPlacement, startScheduler } from "./start/control-plane.ts";
import { watchProject } from "./start/dev.ts";
import { checkPorts } from "./start/ports.ts";
import { stopAll } from "./start/processes.ts";
import { startServers } from "./start/profile-servers.ts";
import { type Watch, waitReady } from "./start/ready.ts";
import { syncSubscriptions } from "./start/subscriptions.ts";
import { bin, complain, createSupervisor, home, root, StartError, say } from "./start/supervisor.ts";
import { readArguments, readTemplate } from "./start/template.ts";
import { templatePorts } from "./start/template-ports.ts";
import { pump } from "./start/terminal.ts";
import { zipkinEnv } from "./start/zipkin.ts";

const startedAt = Date.now();
const args = process.argv.slice(2);
const sup = createSupervisor(args.includes("--dev"));
// In dev mode an app that fails to start waits for the fix (node --watch), so there is no deadline.
const readyTimeoutMs = sup.dev ? Number.POSITIVE_INFINITY : Number(process.env.DAPRLET_START_TIMEOUT_MS ?? 90_000);
// A closed terminal (SIGHUP) makes writes fail; shutting down matters more than telling about it.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

async function main() {
  const { profiles, template: templateFile } = readArguments(root, args);
  const template = readTemplate(templateFile);
  const app = template.apps[0];
  const control = controlPlaneOf(app);
  await checkPorts(templatePorts(template));

  const setup = spawnSync("bash", [join(root, "scripts", "setup-dapr.sh")], { stdio: ["ignore", "ignore", "inherit"] });
  if (setup.status !== 0) throw new StartError("setup failed (its messages are above): npm run setup");
  syncSubscriptions();
  // The template as run (scripts/run-template.ts): dapr.yaml itself, or .dapr/run.yaml with the profile.
  const run = (() => {
    try {
      return writeRunTemplate({ root, file: template.file, dev: sup.dev, profiles });
    } catch (error) {
      throw new StartError((error as Error).message);
    }
  })();
  for (const warning of run.warnings) complain(warning);
  if (profiles.length) say(`profile ${profiles.join(" + ")} layered over the template's components (merged into .dapr/layered/)`);

  if (sup.stopping) return; // Ctrl-C during setup: start nothing more
  await startServers(sup, profiles);
  if (sup.stopping) return;
  // The state store's SQLite file (embedded profile) lives here; SQLite does not create folders.
  mkdirSync(join(app.appDir, ".data"), { recursive: true });
  const placement = control.placement ? await startPlacement(sup, app.placementHostAddress) : undefined;
  if (placement) say(`placement on ${app.placementHostAddress} (in memory, log ${placement.logFile.slice(root.length + 1)})`);
  if (sup.stopping) return;
  const scheduler = control.scheduler ? await startScheduler(sup, app.schedulerHostAddress) : undefined;
  if (scheduler) say(`scheduler on ${app.schedulerHostAddress} (data .data/scheduler, log ${scheduler.logFile.slice(root.length + 1)})`);

  const env = { ...process.env, DAPR_RUNTIME_PATH: home, ...(await zipkinEnv()) };
  if (sup.stopping) return;
  const watch: Watch = { healthySince: 0, appLines: [] };
  let ready = false;
  const cli = spawn(join(bin, "dapr"), ["run", "--runtime-path", home, "-f", run.file], {
    cwd: root,
    // The CLI finds daprd through DAPR_RUNTIME_PATH for run-file apps (it ignores --runtime-path there);
    // it hands this environment to daprd and to the app.
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  sup.cli = cli;
  const on = { ready: () => ready, fail: (message: string) => void fail(message) };
  pump(sup, app, watch, cli.stdout, process.stdout, on);
  pump(sup, app, watch, cli.stderr, process.stderr, on);
  cli.on("exit", (code, sig) => {
    if (!sup.stopping) void fail(`the dapr CLI exited (${sig ?? `code ${code}`}); its output is above`);
  });
  for (const [name, started] of [
    ["the scheduler", scheduler],
    ["placement", placement],
  ] as const)
    started?.proc.on("exit", (code, sig) => {
      if (!sup.stopping) void fail(`${name} exited (${sig ?? `code ${code}`}); see ${started.logFile}`);
    });

  const { want, scheduler: connected } = await waitReady(app, watch, {
    scheduled: control.scheduler,
    placed: control.placement,
    timeoutMs: readyTimeoutMs,
  });
  ready = true;
  say(
    `ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${app.appID} on 127.0.0.1:${app.appPort} behind daprd :${app.daprHTTPPort} ` +
      `(healthz 204, app healthy, topics ${want.join(", ") || "none"}${connected.length ? `, scheduler ${connected.join(",")}` : ""}). ` +
      (sup.dev ? "Watching handlers/, components/, resiliency/. " : "") +
      "Ctrl-C stops it all.",
  );
  if (sup.dev) watchProject(sup, app, run.layers);
}

async function fail(message: string) {
  if (sup.stopping) return;
  complain(message);
  await stopAll(sup, "failed");
  process.exit(1);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, async () => {
    if (sup.stopping) return; // npm forwards the terminal's SIGINT too: one stop is enough
    await stopAll(sup, `${sig} received`);
    say("stopped");
    process.exit(0);
  });
}

main().catch((error: unknown) => fail(error instanceof StartError ? error.message : ((error as Error).stack ?? String(error))));
