// `npm run trigger <handler> [json | @file] [name=value]…`: fires one handler of the running
// app (`npm start`) the way production would, then says how the delivery ended and what its effects
// did. A topic handler gets a publish through daprd, an invoked route a service invocation through
// daprd, an input binding or a job a delivery of the shape daprd sends (daprd cannot be asked to
// fire a binding, and scheduling a job now would replace its schedule).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { HandlerDescriptor } from "../runtime/descriptor.ts";
import type { RecentDelivery } from "../runtime/observe/recent.ts";
import { loadProject } from "../runtime/project/project.ts";
import { recentPath } from "../runtime/serve/app.ts";

const root = resolve(process.env.DAPRLET_ROOT ?? process.cwd());
const [name, ...rest] = process.argv.slice(2);
const fail = (message: string): never => {
  process.stderr.write(`[daprlet] ${message}\n`);
  process.exit(2);
};
if (!name) fail("usage: npm run trigger <handler> [json | @file] [name=value]… (name=value fills a path param such as :sku)");

const params: Record<string, string> = {};
let payload: string | undefined;
// Path params are `name=value` words (not `--param`: npm would take that flag for itself).
for (const arg of rest) {
  const param = /^(\w+)=(.*)$/s.exec(arg);
  if (param) params[param[1]] = param[2];
  else payload = arg.startsWith("@") ? readFileSync(arg.slice(1), "utf8") : arg;
}
if (payload !== undefined) {
  try {
    JSON.parse(payload);
  } catch (error) {
    fail(`the payload is not JSON (${(error as Error).message}): pass JSON, or @file with JSON in it`);
  }
}

const project = await loadProject(root);
const isWorkflow = project.workflows.some((w) => w.name === name);
const d = project.handlers.find((h) => h.name === name);
if (!d && !isWorkflow)
  fail(`no handler or workflow named ${name}: known ${[...project.handlers, ...project.workflows].map((h) => h.name).join(", ")}`);
const handler = d as HandlerDescriptor;

// Ports as dapr.yaml gives them to the app (the first app is this project's own).
const template = parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as { apps: { appPort?: number; daprHTTPPort?: number }[] };
const daprPort = Number(process.env.DAPR_HTTP_PORT ?? template.apps[0]?.daprHTTPPort ?? 3500);
const appPort = Number(process.env.APP_PORT ?? template.apps[0]?.appPort ?? 3000);
const tokens = (name: "DAPR_API_TOKEN" | "APP_API_TOKEN") => (process.env[name] ? { "dapr-api-token": process.env[name] as string } : {});
const dapr = (path: string, init: RequestInit) =>
  fetch(`http://127.0.0.1:${daprPort}${path}`, { ...init, headers: { ...tokens("DAPR_API_TOKEN"), ...init.headers } });
const app = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${appPort}${path}`, { ...init, headers: { ...tokens("APP_API_TOKEN"), ...init.headers } });

const recent = async (): Promise<RecentDelivery[]> => {
  const res = await app(recentPath).catch(() => fail(`the app does not answer on :${appPort}: start it with \`npm start\``));
  return (await (res as Response).json()) as RecentDelivery[];
};
const before = Math.max(0, ...(await recent()).map((r) => r.seq));
const json = { "content-type": "application/json" };
if (isWorkflow) await triggerWorkflow();

/** Fires the handler as production would; returns what to look for among the app's recent deliveries. */
async function fire(): Promise<{ said: string; messageId?: string }> {
  const t = handler.trigger;
  switch (t.kind) {
    case "topic": {
      const id = `trigger-${randomUUID()}`;
      const raw = t.rawPayload ? "&metadata.rawPayload=true" : "";
      const res = await dapr(`/v1.0/publish/${t.pubsub}/${t.topic}?metadata.cloudevent.id=${id}${raw}`, {
        method: "POST",
        headers: json,
        body: payload ?? "{}",
      });
      return {
        said: `published to ${t.pubsub}/${t.topic} as ${id}: daprd answered ${res.status} ${await res.text()}`.trim(),
        messageId: id,
      };
    }
    case "invoke": {
      const path = t.path.replace(/:(\w+)/g, (_, k: string) => encodeURIComponent(params[k] ?? fail(`pass ${k}=<value> for ${t.path}`)));
      const res = await dapr(`/v1.0/invoke/${project.appId}/method${path}`, {
        method: t.method,
        ...(payload !== undefined ? { headers: json, body: payload } : {}),
      });
      return { said: `${t.method} ${path} through daprd: ${res.status} ${await res.text()}`.trim() };
    }
    case "binding": {
      // daprd posts the component's bytes, always labelled application/json, with its metadata as
      // headers; cron sends an empty body with its time headers.
      const cron = payload === undefined ? { timezone: "UTC", readtimeutc: new Date().toUTCString() } : {};
      const res = await app(handler.route, { method: "POST", headers: { ...json, ...cron }, body: payload ?? "" });
      return { said: `POST ${handler.route} as daprd delivers ${t.name}: ${res.status} ${await res.text()}`.trim() };
    }
    case "job": {
      // Scheduling it now through daprd would replace its schedule: deliver what the scheduler
      // delivers instead, the job's data as the body (its declared data unless you pass some).
      const body = payload ?? JSON.stringify(t.data ?? {});
      const res = await app(handler.route, { method: "POST", headers: json, body });
      return { said: `POST ${handler.route} as the scheduler delivers job ${t.name}: ${res.status} ${await res.text()}`.trim() };
    }
    case "jobFamily": {
      // Family jobs are scheduled by handlers: deliver one as the scheduler would, for key=<key> (default "test").
      const key = params.key ?? "test";
      const body = JSON.stringify({ daprlet: {}, data: payload === undefined ? {} : JSON.parse(payload) });
      const res = await app(`/job/${t.prefix}-${key}`, { method: "POST", headers: json, body });
      return {
        said: `POST /job/${t.prefix}-${key} as the scheduler delivers a job of family ${t.prefix}: ${res.status} ${await res.text()}`.trim(),
      };
    }
    case "configurationChanged": {
      // What daprd posts for one changed key: the whole event, `{ id, items }`. Pass the items as JSON.
      const items = payload === undefined ? Object.fromEntries(t.keys.map((k) => [k, { value: "" }])) : JSON.parse(payload);
      const key = params.key ?? Object.keys(items)[0] ?? "key";
      const res = await app(`/configuration/${t.store}/${key}`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ id: "trigger", items }),
      });
      return { said: `POST /configuration/${t.store}/${key} as daprd delivers a change: ${res.status} ${await res.text()}`.trim() };
    }
    case "activity":
      // An activity runs only as a step of a workflow: start the workflow instead.
      return fail(`${name} is workflow activity ${t.name}: start its workflow (npm run trigger <Workflow> '<input>') to run it`);
    case "actor": {
      // `npm run trigger InventoryActor.reserve id=sku-1 '{"order":"o-1","quantity":1}'`: an actor call through
      // daprd (placement routes it to the replica hosting that id).
      if (t.callback) return fail(`${name} is the ${t.callback} callback of ${t.type}: daprd calls it; trigger a method that sets one`);
      const id = params.id ?? fail(`pass id=<actor id> for ${t.type}`);
      const path = `/v1.0/actors/${encodeURIComponent(t.type)}/${encodeURIComponent(id)}/method/${encodeURIComponent(t.method)}`;
      const res = await dapr(path, { method: "PUT", ...(payload !== undefined ? { headers: json, body: payload } : {}) });
      const error = res.headers.has("x-daprerrorresponseheader") ? " (an actor error)" : "";
      return { said: `PUT ${path} through daprd: ${res.status}${error} ${await res.text()}`.trim() };
    }
    default: {
      const unknown: never = t;
      return fail(`npm run trigger does not know trigger kind ${(unknown as { kind: string }).kind} yet: add it to scripts/trigger.ts`);
    }
  }
}

const { said, messageId } = await fire();
console.log(`[daprlet] ${said}`);
const deadline = Date.now() + 15_000;
while (Date.now() < deadline) {
  const found = (await recent()).filter((r) => r.seq > before && r.handler === name && (!messageId || r.messageId === messageId));
  if (found.length) {
    for (const r of found) {
      console.log(
        `[daprlet] ${r.handler}: ${r.outcome}${r.reason ? ` (${r.reason})` : ""} in ${r.durationMs} ms${r.traceId ? `, trace ${r.traceId}` : ""}`,
      );
      if (r.duplicate) console.log("  already applied by an earlier delivery: nothing done again");
      for (const e of r.effects) console.log(`  ${e.failed ? "failed:  " : "effect:  "}${e.effect}`);
    }
    // A RETRY is redelivered by daprd: its next attempts show in the app's log.
    process.exit(found.some((r) => r.outcome === "SUCCESS") ? 0 : 1);
  }
  await new Promise((r) => setTimeout(r, 200));
}
fail(`no delivery to ${name} seen within 15 s: check the app's log (is its subscription in daprd's metadata?)`);

/**
 * `npm run trigger <Workflow> '<input>' id=<instance>` starts an instance through daprd;
 * `npm run trigger <Workflow> event=<name> id=<instance> ['<data>']` raises an event on one.
 * Either way it then prints the instance's status (`npm run workflow <id>` adds its history).
 */
async function triggerWorkflow(): Promise<never> {
  const id = params.id ?? randomUUID();
  const body = payload ?? "null";
  const res = params.event
    ? await dapr(`/v1.0/workflows/dapr/${encodeURIComponent(id)}/raiseEvent/${encodeURIComponent(params.event)}`, {
        method: "POST",
        headers: json,
        body,
      })
    : await dapr(`/v1.0/workflows/dapr/${encodeURIComponent(name)}/start?instanceID=${encodeURIComponent(id)}`, {
        method: "POST",
        headers: json,
        body,
      });
  console.log(
    `[daprlet] ${params.event ? `raised ${params.event} on` : `started ${name}`} ${id} through daprd: ${res.status} ${await res.text()}`.trim(),
  );
  if (res.status >= 300) process.exit(1);
  await new Promise((r) => setTimeout(r, 500));
  const status = await dapr(`/v1.0/workflows/dapr/${encodeURIComponent(id)}`, {});
  const s = (await status.json()) as { runtimeStatus?: string; properties?: Record<string, string> };
  const output = s.properties?.["dapr.workflow.output"];
  console.log(
    `[daprlet] ${id}: ${s.runtimeStatus ?? status.status}${output ? ` → ${output}` : ""} (npm run workflow ${id} shows its history)`,
  );
  process.exit(0);
}
