import { timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import type { HandlerDescriptor } from "../descriptor.ts";
import { byDelivery, fanOut } from "../fan-out.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import type { Answer, WireRequest } from "../kinds/wire.ts";
import { createMetrics, type Metrics } from "../observe/metrics.ts";
import type { Watcher } from "../observe/observer.ts";
import { createRecentDeliveries } from "../observe/recent.ts";
import { healthPath, metricsPath, recentPath } from "../routes.ts";
import { FailureLog, failureRecords } from "./failures.ts";
import { deliverToAll } from "./fan-out.ts";
import type { DeliverOptions } from "./pipeline.ts";

export interface AppOptions extends Omit<DeliverOptions, "params"> {
  handlers: HandlerDescriptor[];
  /** daprd's APP_API_TOKEN: when set, every request but the health probe must carry it. */
  appApiToken?: string;
  /** Bodies above this are refused as unreadable (daprd's own default `maxBodySize` is 4 MiB). */
  maxBodyBytes?: number;
  /** Served on `GET /metrics`; one is made for the handlers when not given. */
  metrics?: Metrics;
  /** Hear each request and how each message ended, besides the metrics (the delivery log, the recorder). */
  watchers?: Watcher[];
}

export { healthPath, metricsPath, recentPath } from "../routes.ts";

/**
 * The Hono app daprd talks to, derived from the handler list: each handler's trigger kind mounts
 * its routes, plus health and `/dapr/subscribe`. Anything else is 404.
 */
export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  const metrics = options.metrics ?? createMetrics(options.handlers);
  const recent = createRecentDeliveries();
  const failures = options.failures ?? new FailureLog();
  const deliverOptions = {
    ...options,
    watchers: [metrics, recent, ...(options.watchers ?? [])],
    failures,
    failureRecords: options.failureRecords ?? failureRecords(failures, options.client, options.failureStore),
  };
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;

  app.get(healthPath, (c) => c.json({ status: "ok" }));
  if (options.appApiToken) app.use("*", requireToken(options.appApiToken));
  serveMetrics(app, metrics);
  // Subscriptions are declarative (generated YAML). An empty list, rather than programmatic copies,
  // keeps daprd from replacing the declarative ones (a programmatic entry wins for the same topic).
  app.get("/dapr/subscribe", (c) => c.json([]));
  app.get(recentPath, (c) => c.json(recent.list()));
  // Read by daprd once, when the app first turns healthy (actor types and their settings).
  const daprConfig = appConfig(options.handlers);
  app.get("/dapr/config", (c) => c.json(daprConfig));

  // One route per delivery: a handler's own, or one shared by the handlers of one topic (fan-out).
  for (const members of byDelivery(fanOut(options.handlers))) {
    const [d] = members;
    // Path params only where the route has some (invoked routes such as /orders/:id).
    const hasParams = d.route.includes(":");
    const serve = async (c: Context) => {
      const req = await readRequest(c, maxBodyBytes);
      const { answer } = await deliverToAll(
        members,
        req,
        hasParams ? { ...deliverOptions, params: c.req.param() as Record<string, string> } : deliverOptions,
      );
      const res = send(answer);
      // Past the limit the rest of the body was never read: close rather than read it to reuse the connection.
      if (req.oversize) res.headers.set("connection", "close");
      return res;
    };
    triggerKindOf(d.trigger).mount(app, d.route, d.trigger, serve);
  }
  return app;
}

const serveMetrics = (app: Hono, metrics: Metrics) =>
  app.get(metricsPath, (c) => c.body(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));

/** `GET /metrics` and nothing else, for DAPRLET_METRICS_PORT: no token, nothing a caller could drive. */
export function createMetricsApp(metrics: Metrics): Hono {
  const app = new Hono();
  serveMetrics(app, metrics);
  return app;
}

/** `GET /dapr/config`: each trigger kind's app-wide settings for its handlers, merged. */
export function appConfig(handlers: HandlerDescriptor[]): Record<string, unknown> {
  const byKind = new Map<string, HandlerDescriptor["trigger"][]>();
  for (const d of handlers) byKind.set(d.trigger.kind, [...(byKind.get(d.trigger.kind) ?? []), d.trigger]);
  const config: Record<string, unknown> = {};
  for (const triggers of byKind.values()) Object.assign(config, triggerKindOf(triggers[0]).config?.(triggers as never) ?? {});
  return config;
}

/** The request as daprd sent it; a body over the limit is not kept, only the reason. */
async function readRequest(c: Context, maxBodyBytes: number): Promise<WireRequest> {
  const base = { method: c.req.method, path: pathOf(c), headers: headersOf(c) };
  const declared = Number(base.headers["content-length"] ?? 0);
  const tooLarge = (n: number, more = "") => `body of ${n}${more} bytes exceeds the ${maxBodyBytes}-byte limit`;
  if (declared > maxBodyBytes) return { ...base, body: new Uint8Array(), oversize: tooLarge(declared) };
  const incoming = incomingOf(c);
  const body = incoming?.on ? await readIncoming(incoming as Incoming, maxBodyBytes) : await readStream(c.req.raw.body, maxBodyBytes);
  if (body === undefined) return { ...base, body: new Uint8Array(), oversize: tooLarge(maxBodyBytes, "+") };
  return { ...base, body };
}

type Incoming = NodeJS.ReadableStream & { readableEnded?: boolean };

/**
 * A Node request's body, counted while it arrives: past the limit it stops reading (undefined) and
 * is never buffered further (a chunked body has no content-length to refuse it by). The answer
 * then closes the connection, so the rest is not read either.
 */
function readIncoming(incoming: Incoming, max: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Uint8Array | undefined, error?: Error) => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
      if (error) reject(error);
      else resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        incoming.pause();
        done(undefined);
      } else chunks.push(chunk);
    };
    const onEnd = () => done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    const onError = (error: Error) => done(undefined, error);
    // A caller gone before the end of its body: nothing to answer.
    const onClose = () => {
      if (!incoming.readableEnded) done(undefined, new Error("the caller closed the connection before the end of the body"));
    };
    incoming.on("data", onData);
    incoming.on("close", onClose);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
  });
}

/** The same for a web stream (`app.request()` in tests, other runtimes). */
async function readStream(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | undefined> {
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      void reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

/** Path and query as sent: on Node, straight from the request line (the full URL is never built). */
function pathOf(c: Context): string {
  const raw = incomingOf(c)?.url;
  if (raw?.startsWith("/")) return raw;
  const url = c.req.url;
  return url.slice(url.indexOf("/", url.indexOf("//") + 2));
}

const incomingOf = (c: Context) =>
  (
    c.env as
      | { incoming?: { url?: string; headers?: Record<string, string | string[] | undefined>; on?: (...args: never[]) => unknown } }
      | undefined
  )?.incoming;

/**
 * Lower-case header names to values. On Node the server's own parsed headers are used as they are
 * (copying them through a `Headers` object was a tenth of a delivery's time); elsewhere, the Request's.
 */
function headersOf(c: Context): Record<string, string> {
  const incoming = incomingOf(c)?.headers;
  if (!incoming) return Object.fromEntries(c.req.raw.headers);
  const headers: Record<string, string> = {};
  for (const key in incoming) {
    const value = incoming[key];
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

const json = "application/json";
// A plain-object `headers` lets @hono/node-server write them without converting a Headers instance.
const jsonHeaders = { "content-type": json } as const;
function send(answer: Answer): Response {
  // The common answer (a JSON body, no headers of its own) skips copying and searching headers.
  if (!answer.headers && answer.body !== undefined)
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: jsonHeaders });
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body === undefined) return new Response(null, { status: answer.status, headers });
  const type = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1];
  if (!type) headers["content-type"] = json;
  const body = !type || type.includes("json") ? JSON.stringify(answer.body) : String(answer.body);
  return new Response(body, { status: answer.status, headers });
}

function requireToken(token: string) {
  const expected = Buffer.from(token);
  return async (c: Context, next: () => Promise<void>) => {
    const given = Buffer.from(c.req.header("dapr-api-token") ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return c.json({ error: "missing or wrong dapr-api-token: daprd sends it when APP_API_TOKEN is set on daprd" }, 401);
    }
    await next();
  };
}
