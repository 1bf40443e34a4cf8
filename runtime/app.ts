import { timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import { type Answer, type DeliverOptions, deliver, type Observer, passThrough } from "./deliver.ts";
import type { HandlerDescriptor } from "./discover.ts";
import type { WireRequest } from "./envelope.ts";
import { FailureLog } from "./failures.ts";
import { createMetrics, type Metrics } from "./observe/metrics.ts";
import { type Watcher, watchDeliveries } from "./observe/watch.ts";
import { toBindingAnswer, toInvokeAnswer, toTopicAnswer, type Verdict } from "./outcome.ts";

export interface AppOptions extends Omit<DeliverOptions, "params"> {
  handlers: HandlerDescriptor[];
  /** daprd's APP_API_TOKEN: when set, every request but the health probe must carry it. */
  appApiToken?: string;
  /** Bodies above this are refused before parsing (daprd's own default `maxBodySize` is 4 MiB). */
  maxBodyBytes?: number;
  /** Sees every request exactly as it arrived, before anything else (record/replay). */
  record?: (req: WireRequest) => void;
  /** Served on `GET /metrics`; one is made for the handlers when not given. */
  metrics?: Metrics;
  /** Hear how each invocation ended, besides the metrics (the delivery log). */
  watchers?: Watcher[];
}

/** The path daprd's app health check probes by default (`--app-health-check-path`). */
export const healthPath = "/healthz";
/** Prometheus scrapes this; like the health probe it needs no token (scrapers do not have daprd's). */
export const metricsPath = "/metrics";

/**
 * The Hono app daprd talks to, derived from the handler list: one route per handler, plus
 * health and `/dapr/subscribe`. No route exists for anything else, so unknown paths are 404.
 */
export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  const metrics = options.metrics ?? createMetrics(options.handlers);
  const observer = watchDeliveries(options.observer ?? passThrough, [metrics, ...(options.watchers ?? [])]);
  const deliverOptions = { ...options, observer, failures: options.failures ?? new FailureLog() };
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;

  app.get(healthPath, (c) => c.json({ status: "ok" }));
  app.get(metricsPath, (c) => c.body(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
  if (options.appApiToken) app.use("*", requireToken(options.appApiToken));
  // Subscriptions are declarative (generated YAML). An empty list, rather than programmatic copies,
  // keeps daprd from replacing the declarative ones (a programmatic entry wins for the same topic).
  app.get("/dapr/subscribe", (c) => c.json([]));

  for (const d of options.handlers) {
    const serve = async (c: Context) => {
      const req = await wireRequest(c, maxBodyBytes);
      options.record?.(req.wire);
      if (req.tooLarge) return send(refuse(d, req.wire, req.tooLarge, observer));
      const { answer } = await deliver(d, req.wire, { ...deliverOptions, params: c.req.param() as Record<string, string> });
      return send(answer);
    };
    const { trigger } = d;
    if (trigger.kind === "invoke") app.on(trigger.method, d.route, serve);
    else app.post(d.route, serve);
    // daprd probes each input binding with OPTIONS /<name>; only a 2xx or 405 makes it read the binding.
    if (trigger.kind === "binding") app.options(d.route, (c) => c.body(null, 200));
  }
  return app;
}

async function wireRequest(c: Context, maxBodyBytes: number): Promise<{ wire: WireRequest; tooLarge?: string }> {
  const url = new URL(c.req.url);
  const headers = Object.fromEntries(c.req.raw.headers);
  const declared = Number(headers["content-length"] ?? 0);
  const base = { method: c.req.method, path: url.pathname + url.search, headers };
  const limit = `body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`;
  if (declared > maxBodyBytes) return { wire: { ...base, body: new Uint8Array() }, tooLarge: limit };
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.length > maxBodyBytes) {
    return { wire: { ...base, body }, tooLarge: `body of ${body.length} bytes exceeds the ${maxBodyBytes}-byte limit` };
  }
  return { wire: { ...base, body } };
}

/** Oversize input is bad input: DROP for pub/sub and bindings, 413 for invoked routes. */
function refuse(d: HandlerDescriptor, req: WireRequest, reason: string, observer: Observer): Answer {
  const verdict: Verdict = { status: "DROP", reason, cause: "parse", httpStatus: 413 };
  // Observed like any delivery (span, metrics, the delivery log), though the body was never read.
  observer.start(d, req).end({ verdict, effects: [] });
  if (d.trigger.kind === "invoke") return toInvokeAnswer(verdict, []);
  return d.trigger.kind === "binding" ? toBindingAnswer(verdict) : toTopicAnswer(verdict);
}

function send(answer: Answer): Response {
  const headers = new Headers(answer.headers);
  if (answer.body === undefined) return new Response(null, { status: answer.status, headers });
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  const body = headers.get("content-type")?.includes("json") ? JSON.stringify(answer.body) : String(answer.body);
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
