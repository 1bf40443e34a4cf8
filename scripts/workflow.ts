// `npm run workflow <instanceId>`: an instance's status, input and output (daprd's HTTP API) and
// its history, one line per event (daprd 1.18's GetInstanceHistory over gRPC, which the HTTP API
// does not serve and the CLI 1.16.5's `dapr workflow history` cannot read).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { describeEvent, fetchHistory } from "../runtime/testing/workflow.ts";

const root = resolve(process.env.DAPRLET_ROOT ?? process.cwd());
const [id] = process.argv.slice(2);
if (!id) {
  process.stderr.write("[daprlet] usage: npm run workflow <instanceId>\n");
  process.exit(2);
}
const template = parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as { apps: { daprHTTPPort?: number; daprGRPCPort?: number }[] };
const httpPort = Number(process.env.DAPR_HTTP_PORT ?? template.apps[0]?.daprHTTPPort ?? 3500);
const grpcPort = Number(process.env.DAPR_GRPC_PORT ?? template.apps[0]?.daprGRPCPort ?? 50001);
const token = process.env.DAPR_API_TOKEN;
const res = await fetch(`http://127.0.0.1:${httpPort}/v1.0/workflows/dapr/${encodeURIComponent(id)}`, {
  headers: token ? { "dapr-api-token": token } : {},
}).catch((error: Error) => {
  process.stderr.write(`[daprlet] daprd does not answer on :${httpPort} (${error.message}): start the app with \`npm start\`\n`);
  process.exit(1);
});
const s = (await res.json()) as { runtimeStatus?: string; workflowName?: string; message?: string; properties?: Record<string, string> };
if (!s.runtimeStatus) {
  process.stderr.write(`[daprlet] ${id}: ${s.message ?? res.status}\n`);
  process.exit(1);
}
console.log(`${id} (${s.workflowName}): ${s.runtimeStatus}`);
for (const [key, label] of [
  ["dapr.workflow.input", "input"],
  ["dapr.workflow.output", "output"],
  ["dapr.workflow.custom_status", "custom status"],
])
  if (s.properties?.[key]) console.log(`  ${label}: ${s.properties[key]}`);
const events = await fetchHistory(`127.0.0.1:${grpcPort}`, id, token);
console.log(`history (${events.length} events):`);
for (const e of events) console.log(`  ${e.getTimestamp()?.toDate().toISOString() ?? ""}  ${describeEvent(e)}`);
