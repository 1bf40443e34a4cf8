import type { Hono } from "hono";
import { createApp } from "../app.ts";
import type { AnyHandler, Handler } from "../define.ts";
import { type Answer, deliver } from "../deliver.ts";
import { type HandlerDescriptor, routeOf } from "../discover.ts";
import type { Effect } from "../effects.ts";
import type { Executor } from "../lifecycle.ts";
import type { Issues, Verdict } from "../outcome.ts";
import type { Delivery } from "./builders.ts";
import type { Recording } from "./record.ts";
import { fromRecording } from "./record.ts";

export interface RunResult {
  /** SUCCESS, RETRY or DROP: what daprd is told (for bulk: the first entry's). */
  status: Verdict["status"];
  reason?: string;
  /** Everything the handler returned, in order (for bulk: all entries'). */
  effects: Effect[];
  /** The schema's issues when validation failed. */
  issues?: Issues;
  /** The HTTP answer the runtime would give: status code and body. */
  answer: Answer;
  /** One verdict per bulk entry (a single delivery has one). */
  verdicts: Verdict[];
}

/** Effects are collected, not carried out: no sidecar, no network. */
const noSidecar: Executor = async () => {};

const describeHandler = (handler: Handler, name = "handler"): HandlerDescriptor => ({
  name,
  file: `${name} (test)`,
  trigger: handler.trigger,
  route: routeOf(name, handler.trigger),
  handler: handler as AnyHandler,
});

/**
 * Runs a delivery through the runtime's own logic (parse, validate, handle, decide), without
 * HTTP. Pass `sidecar` (e.g. a fake sidecar's executor) to also carry out the effects and see
 * a failing effect turn into RETRY.
 */
export async function runHandler(
  handler: Handler,
  delivery: Delivery,
  options: { sidecar?: Executor; params?: Record<string, string> } = {},
): Promise<RunResult> {
  const d = describeHandler(handler);
  const req = { ...delivery, path: delivery.path ?? d.route };
  const { answer, evaluations } = await deliver(d, req, {
    execute: options.sidecar ?? noSidecar,
    params: options.params ?? paramsOf(d, req.path),
  });
  const first = evaluations[0];
  return {
    status: first.verdict.status,
    reason: first.verdict.reason,
    effects: evaluations.flatMap((e) => e.effects),
    issues: first.issues,
    answer,
    verdicts: evaluations.map((e) => e.verdict),
  };
}

function paramsOf(d: HandlerDescriptor, path: string): Record<string, string> {
  if (d.trigger.kind !== "invoke") return {};
  const names = [...d.trigger.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const pattern = new RegExp(`^${d.trigger.path.replace(/:\w+/g, "([^/]+)")}(?:\\?.*)?$`);
  const values = pattern.exec(path)?.slice(1) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values[i] ?? "")]));
}

/** The real Hono app for a set of handlers, keyed by name as discovery would name them. */
export function testApp(
  handlers: Record<string, Handler>,
  options: { sidecar?: Executor; appApiToken?: string; maxBodyBytes?: number } = {},
): Hono & { send: (name: string, delivery: Delivery | Recording) => Promise<Response> } {
  const descriptors = Object.entries(handlers)
    .map(([name, h]) => describeHandler(h, name))
    .sort((a, b) => a.name.localeCompare(b.name));
  const app = createApp({
    handlers: descriptors,
    execute: options.sidecar ?? noSidecar,
    appApiToken: options.appApiToken,
    maxBodyBytes: options.maxBodyBytes,
  });
  /** Sends a delivery (or a recording) to the named handler's route, in-process, through `app.request()`. */
  const send = (name: string, delivery: Delivery | Recording) => {
    const req: Delivery = delivery.body instanceof Uint8Array ? (delivery as Delivery) : fromRecording(delivery as Recording);
    const route = descriptors.find((d) => d.name === name)?.route;
    const path = req.path ?? route;
    if (!path) throw new Error(`no handler named ${name} in this test app`);
    const hasBody = req.body.length > 0 || !["GET", "HEAD"].includes(req.method);
    return Promise.resolve(app.request(path, { method: req.method, headers: req.headers, body: hasBody ? req.body : undefined }));
  };
  return Object.assign(app, { send });
}
