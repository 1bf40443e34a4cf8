// Wiring only: read the project, build the app, listen. Started by runtime/main.js.
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { describeTrigger, triggerKindOf } from "./kinds/triggers.ts";
import { deliveryLogFromEnv } from "./observe/log.ts";
import { createMetrics } from "./observe/metrics.ts";
import type { Watcher } from "./observe/observer.ts";
import { tracingFromEnv } from "./observe/otel-env.ts";
import { createRecorder } from "./observe/record.ts";
import { loadProject } from "./project/project.ts";
import { createApp, createMetricsApp, metricsPath } from "./serve/app.ts";
import { configurationWatches, watchConfiguration } from "./serve/configuration.ts";
import { defaultDeadlineMs } from "./serve/deadline.ts";
import { createDrain } from "./serve/drain.ts";
import { defaultFailureStore } from "./serve/failures.ts";
import { describeRefusals, jobTriggers, scheduleJobs } from "./serve/jobs.ts";
import { capConnections, checkAppToken, limitsFromEnv, metricsPortFromEnv, serverOptions } from "./serve/listen.ts";
import { createSidecarClient, createSidecarExecutor } from "./serve/sidecar.ts";

const port = Number(process.env.APP_PORT ?? 3000);
// `dapr run` sets APP_CHANNEL_ADDRESS to "" when the template leaves it out: that must not mean every interface.
const hostname = process.env.APP_CHANNEL_ADDRESS || "127.0.0.1";
// Before anything else: no token on a reachable address, or a limit that is not a number, stops
// start-up with one line saying how to fix it.
const { limits, metricsPort } = startupChecks();
const project = await loadProject(process.env.DAPRLET_ROOT ?? process.cwd());
// No OTEL_* exporter configured: no tracer, and the app keeps its pass-through observer.
const tracing = await tracingFromEnv(process.env, project.appId);
const watchers = [
  deliveryLogFromEnv(process.env),
  process.env.DAPRLET_RECORD_DIR ? createRecorder(process.env.DAPRLET_RECORD_DIR) : undefined,
];
const client = createSidecarClient();
// Failure records (attempt numbers, a dead-letter handler's `failure`) are shared by every replica
// through this state store; without one the app keeps them in memory, per process.
const failureStoreName = process.env.DAPRLET_FAILURE_STORE ?? defaultFailureStore.store;
const hasFailureStore = project.components.some((c) => c.name === failureStoreName && c.type.startsWith("state."));
if (!hasFailureStore)
  console.warn(`[daprlet] no state store "${failureStoreName}": failure reasons stay in this process (set DAPRLET_FAILURE_STORE)`);
// Workflows and their activities run over daprd's gRPC work-item stream, not routes. The worker
// (and @dapr/dapr with it) is loaded only when the project has some.
const isActivity = (d: (typeof project.handlers)[number]) => triggerKindOf(d.trigger).workItem === true;
const hasWorkflows = project.workflows.length > 0 || project.handlers.some(isActivity);
const host = hasWorkflows ? await import("./workflow/worker.ts") : undefined;
const handlers = host ? project.handlers.map((d) => (isActivity(d) ? host.withRecordedOutput(d) : d)) : project.handlers;
const metrics = createMetrics(handlers);
const deliverOptions = {
  client,
  execute: createSidecarExecutor(client),
  failureStore: hasFailureStore ? { store: failureStoreName } : (false as const),
  // Loaded only when traces are exported: OpenTelemetry is not on the path of an app without tracing.
  observer: tracing ? (await import("./observe/tracing.ts")).createTracingObserver(tracing.tracer) : undefined,
  watchers: watchers.filter((w): w is Watcher => w !== undefined),
};
const app = createApp({
  ...deliverOptions,
  handlers,
  metrics,
  maxBodyBytes: limits.maxBodyBytes,
  appApiToken: process.env.APP_API_TOKEN || undefined,
});
const worker = host?.startWorkflowWorker({
  workflows: project.workflows,
  activities: handlers.filter(isActivity),
  deliver: { ...deliverOptions, watchers: [metrics, ...deliverOptions.watchers] },
  apiToken: process.env.DAPR_API_TOKEN || undefined,
});
worker?.catch((error) => console.error(`[daprlet] workflows: the worker did not start: ${(error as Error).message}`));

// Every route exists before the port opens: daprd fetches /dapr/subscribe once, right after it can connect.
const drain = createDrain();
let watcher: ReturnType<typeof watchConfiguration> | undefined;
const server = serve({ fetch: drain.wrap(app.fetch), port, hostname, serverOptions: serverOptions(limits) }, () => {
  const lines = [
    ...project.handlers.map((d) => `  ${d.name.padEnd(24)} ${describeTrigger(d.trigger).padEnd(36)} → ${d.route}`),
    ...project.workflows.map((w) => `  ${w.name.padEnd(24)} ${"workflow".padEnd(36)} → daprd gRPC work items`),
  ];
  const scrape = metricsPort
    ? `GET ${metricsPath} on :${metricsPort} (no token)`
    : `GET ${metricsPath}${process.env.APP_API_TOKEN ? " (with the app token)" : ""}`;
  const observability = `  traces: ${tracing ? tracing.exporters.join(", ") : "off (no OTEL_* exporter)"}; metrics: ${scrape}`;
  // Where the idempotency store's transactions are not atomic (state.redis), only a lock store keeps
  // two concurrent deliveries of one message from both applying it (see serve/guarantees.ts).
  const locks = project.components.filter((c) => c.type.startsWith("lock.")).map((c) => c.name);
  const lockName = process.env.DAPRLET_LOCK_STORE ?? locks[0];
  const guarantees = `  deadline: ${defaultDeadlineMs()} ms (DAPRLET_DEADLINE_MS); per-message lock on non-atomic stores: ${lockName ? `${lockName} (if daprd loads it)` : "none, so concurrent deliveries of one message on state.redis can both apply (add a lock.redis component)"}`;
  console.log(
    `[daprlet] ${project.appId} listening on ${hostname}:${port} with ${project.handlers.length} handlers\n${lines.join("\n")}\n${observability}\n${guarantees}`,
  );
  // Configuration subscriptions need the app to listen (daprd refuses them without an app channel)
  // and are renewed after a daprd restart.
  const watches = configurationWatches(project.handlers);
  if (watches.length > 0) watcher = watchConfiguration({ client: createSidecarClient({ timeoutMs: 10_000 }), watches });
  // Jobs are upserted once the port is open, beside serving: scheduling waits (and retries) for daprd and its scheduler.
  // DAPRLET_JOBS_STORE="" keeps no list of scheduled jobs, so jobs of removed handlers are not deleted.
  const store = process.env.DAPRLET_JOBS_STORE ?? "statestore";
  void scheduleJobs({
    client: createSidecarClient({ timeoutMs: 45_000 }),
    appId: project.appId,
    jobs: jobTriggers(project.handlers),
    store: store || false,
  }).then(({ refused }) => {
    // A job the scheduler refuses would never fire: that is a broken app, not a log line to miss.
    if (refused.length === 0) return;
    console.error(describeRefusals(refused, project.handlers));
    void stop("a refused job", 1);
  });
});

capConnections(server as Server, limits);
// Prometheus has no daprd token: on its own port the metrics need none, and that port serves nothing else.
const metricsServer = metricsPort ? serve({ fetch: createMetricsApp(metrics).fetch, port: metricsPort, hostname }) : undefined;

// Graceful drain, within daprd's graceful-shutdown window (--dapr-graceful-shutdown-seconds, 5 s by
// default): refuse new requests with 503 (daprd retries them, here once the app is back or on
// another replica), let those in flight finish with their effects, then close. Spans wait in the
// batch processor: export them before exiting, or the last seconds of traces are lost.
const drainMs = Number(process.env.DAPRLET_DRAIN_TIMEOUT_MS ?? 4_000);
let stopping = false;
const stop = async (signal: string, code = 0) => {
  if (stopping) return;
  stopping = true;
  console.log(`[daprlet] ${signal}: draining ${drain.inFlight} request(s) in flight`);
  // No new configuration deliveries: daprd would send them to a closing app.
  await Promise.race([watcher?.stop(), new Promise((done) => setTimeout(done, 1_000))]);
  const left = await drain.start(drainMs);
  // Work items in flight finish (their effects included) before the stream closes; daprd hands
  // the rest to the next worker.
  // A worker still waiting for daprd to answer is not waited for.
  const started = await Promise.race([worker?.catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 0))]);
  await started?.stop(drainMs);
  if (left) console.warn(`[daprlet] ${left} request(s) still in flight after ${drainMs} ms: daprd will redeliver them`);
  server.close();
  metricsServer?.close();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  await tracing?.shutdown().catch(() => {});
  console.log("[daprlet] drained, exiting");
  process.exit(code);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));

function startupChecks() {
  try {
    const noToken = checkAppToken(process.env, hostname);
    if (noToken) console.warn(noToken);
    return { limits: limitsFromEnv(process.env), metricsPort: metricsPortFromEnv(process.env.DAPRLET_METRICS_PORT) };
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
