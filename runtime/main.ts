// Wiring only: read the project, build the app, listen. Run with `npm run serve` (or by `dapr run`).
import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { describeTrigger } from "./discover.ts";
import { createSidecarExecutor } from "./execute.ts";
import { loadProject } from "./project.ts";
import { createRecorder } from "./testing/record.ts";

const project = await loadProject(process.env.DAPRLET_ROOT ?? process.cwd());
const port = Number(process.env.APP_PORT ?? 3000);
const app = createApp({
  handlers: project.handlers,
  execute: createSidecarExecutor(),
  appApiToken: process.env.APP_API_TOKEN || undefined,
  record: process.env.DAPRLET_RECORD_DIR ? createRecorder(process.env.DAPRLET_RECORD_DIR) : undefined,
});

// Every route exists before the port opens: daprd fetches /dapr/subscribe once, right after it can connect.
const server = serve({ fetch: app.fetch, port, hostname: process.env.APP_CHANNEL_ADDRESS ?? "127.0.0.1" }, () => {
  const lines = project.handlers.map((d) => `  ${d.name.padEnd(24)} ${describeTrigger(d.trigger).padEnd(36)} → ${d.route}`);
  console.log(`[daprlet] ${project.appId} listening on :${port} with ${project.handlers.length} handlers\n${lines.join("\n")}`);
});

const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
