// Wiring only: read the project, build the app, listen. Run with `npm run serve` (or by `dapr run`).
import { serve } from "@hono/node-server";
import { createApp, metricsPath } from "./app.ts";
import { describeTrigger } from "./discover.ts";
import { createSidecarExecutor } from "./execute.ts";
import { deliveryLogFromEnv } from "./observe/log.ts";
import { tracingFromEnv } from "./observe/otel-env.ts";
import { createTracingObserver } from "./observe/tracing.ts";
import { loadProject } from "./project.ts";
import { createRecorder } from "./testing/record.ts";

const project = await loadProject(process.env.DAPRLET_ROOT ?? process.cwd());
const port = Number(process.env.APP_PORT ?? 3000);
// No OTEL_* exporter configured: no tracer, and the app keeps its pass-through observer.
const tracing = tracingFromEnv(process.env, project.appId);
const log = deliveryLogFromEnv(process.env);
const app = createApp({
  handlers: project.handlers,
  execute: createSidecarExecutor(),
  observer: tracing ? createTracingObserver(tracing.tracer) : undefined,
  watchers: log ? [log] : [],
  appApiToken: process.env.APP_API_TOKEN || undefined,
  record: process.env.DAPRLET_RECORD_DIR ? createRecorder(process.env.DAPRLET_RECORD_DIR) : undefined,
});

// Every route exists before the port opens: daprd fetches /dapr/subscribe once, right after it can connect.
const server = serve({ fetch: app.fetch, port, hostname: process.env.APP_CHANNEL_ADDRESS ?? "127.0.0.1" }, () => {
  const lines = project.handlers.map((d) => `  ${d.name.padEnd(24)} ${describeTrigger(d.trigger).padEnd(36)} → ${d.route}`);
  const observability = `  traces: ${tracing ? tracing.exporters.join(", ") : "off (no OTEL_* exporter)"}; metrics: GET ${metricsPath}`;
  console.log(
    `[daprlet] ${project.appId} listening on :${port} with ${project.handlers.length} handlers\n${lines.join("\n")}\n${observability}`,
  );
});

// Spans wait in the batch processor: export them before exiting, or the last seconds of traces are lost.
const stop = async () => {
  await Promise.all([new Promise((done) => server.close(done)), tracing?.shutdown().catch(() => {})]);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
