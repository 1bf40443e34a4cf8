import type { Hono } from "hono";
import { type AnyActor, isActor } from "../actor.ts";
import type { Handler } from "../define.ts";
import { describeHandler, type HandlerDescriptor } from "../descriptor.ts";
import { fanOut } from "../fan-out.ts";
import type { Effect, Executor } from "../kinds/effects.ts";
import type { SidecarClient } from "../kinds/input.ts";
import type { Issues, Verdict } from "../kinds/verdict.ts";
import type { Answer } from "../kinds/wire.ts";
import { fromRecording, type Recording } from "../observe/record.ts";
import { createApp } from "../serve/app.ts";
import { deliver } from "../serve/pipeline.ts";
import { createSidecarExecutor } from "../serve/sidecar.ts";
import type { Delivery } from "./builders.ts";

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

/** How the kit reaches a sidecar: an executor for effects, and a client for inputs (a fake sidecar has both). */
export interface SidecarOption {
  /** Carries out effects (e.g. `fake.execute`); without it effects are only collected. */
  sidecar?: Executor;
  /** Reads inputs and applied-records (e.g. `fake.client`); effects go through it too when `sidecar` is not given. */
  client?: SidecarClient;
}

const executorOf = (o: SidecarOption) => o.sidecar ?? (o.client ? createSidecarExecutor(o.client) : noSidecar);

/**
 * Runs a delivery through the runtime's own pipeline (parse, validate, load inputs, handle,
 * execute, decide), without HTTP. Pass a fake sidecar's `client` to resolve inputs and carry out
 * the effects, and see a failing effect turn into RETRY.
 */
export async function runHandler(
  handler: Handler | AnyActor,
  delivery: Delivery,
  options: SidecarOption & { params?: Record<string, string> } = {},
): Promise<RunResult> {
  const d = isActor(handler) ? actorRoute(handler, delivery) : describeHandler("handler", handler);
  const req = { ...delivery, path: delivery.path ?? d.route };
  const { answer, outcomes } = await deliver(d, req, {
    execute: executorOf(options),
    client: options.client,
    params: options.params ?? paramsOf(d, req.path),
  });
  const [first] = outcomes;
  return {
    status: first.verdict.status,
    reason: first.verdict.reason,
    effects: outcomes.flatMap((o) => o.effects),
    issues: first.issues,
    answer,
    verdicts: outcomes.map((o) => o.verdict),
  };
}

/** An actor's handler for a delivery's path (`actorCall(...)` builds one): the type comes from the path, as daprd routes it. */
function actorRoute(actor: AnyActor, delivery: Delivery): HandlerDescriptor {
  const match = /^\/actors\/([^/]+)\/[^/]+\/method\/(remind\/|timer\/)?([^/?]+)/.exec(delivery.path ?? "");
  if (!match)
    throw new TypeError("runHandler with an actor needs a delivery whose path is /actors/<type>/<id>/method/<name>: use actorCall(...)");
  const [, type, callback, method] = match;
  const name = callback ? `${type}.${callback.slice(0, -1)}` : `${type}.${method}`;
  const found = actor.handlers(decodeURIComponent(type)).find((h) => h.name === decodeURIComponent(name));
  if (!found) throw new TypeError(`${type} has no method ${method}: known ${Object.keys(actor.methods).join(", ")}`);
  return describeHandler(found.name, found.handler);
}

/** Path params as Hono reads them from the handler's route (`/orders/:id`, `/actors/T/:id/method/m`), whatever its kind. */
function paramsOf(d: HandlerDescriptor, path: string): Record<string, string> {
  const names = [...d.route.matchAll(/:(\w+)/g)].map((m) => m[1]);
  if (!names.length) return {};
  const pattern = new RegExp(`^${d.route.replace(/:\w+/g, "([^/]+)")}(?:\\?.*)?$`);
  const values = pattern.exec(path)?.slice(1) ?? [];
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values[i] ?? "")]));
}

/** The real Hono app for a set of handlers, keyed by name as discovery would name them. */
export function testApp(
  handlers: Record<string, Handler | AnyActor>,
  options: SidecarOption & { appApiToken?: string; maxBodyBytes?: number } = {},
): Hono & { send: (name: string, delivery: Delivery | Recording) => Promise<Response> } {
  // Grouped as discovery groups them: handlers of one topic share a route (fan-out).
  const descriptors = fanOut(
    Object.entries(handlers)
      .flatMap(([name, h]) => (isActor(h) ? h.handlers(name).map((a) => describeHandler(a.name, a.handler)) : [describeHandler(name, h)]))
      .sort((a, b) => a.name.localeCompare(b.name)),
  );
  const app = createApp({
    handlers: descriptors,
    execute: executorOf(options),
    client: options.client,
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
