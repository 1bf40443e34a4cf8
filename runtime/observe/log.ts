import { describeTrigger } from "../kinds/triggers.ts";
import type { DeliveryReport, Watcher } from "./observer.ts";
import { idsOf } from "./trace-ids.ts";

/** Reasons quote the handler's error or valibot's issues; a cap keeps one odd message from flooding the log. */
const maxReason = 500;

/**
 * One JSON line per handler invocation: handler, trigger, outcome, the reason for RETRY/DROP,
 * duration, trace and span ids, and the attempt when known. Never the payload, never headers
 * (tokens travel there).
 * @example {"time":"2026-01-01T00:00:00.000Z","level":"warn","msg":"delivery","handler":"onOrderCreated","trigger":"topic pubsub/orders","outcome":"RETRY","reason":"handler threw: Error: db down","durationMs":2.1,"traceId":"4bf9…","spanId":"00f0…","attempt":2}
 */
export function createDeliveryLog(write: (line: string) => void = batchedStdout()): Watcher {
  return {
    delivered(report: DeliveryReport) {
      write(report.outcome.verdict.status === "SUCCESS" ? successLine(report) : JSON.stringify(deliveryLine(report)));
    },
  };
}

/**
 * The line of a SUCCESS, the common case, built as text: the same JSON `deliveryLine` gives,
 * with the constant part written once per handler and the time formatted once per millisecond.
 */
function successLine(report: DeliveryReport): string {
  const { handler, outcome, durationMs, traceparent, messageId, at } = report;
  const ids = idsOf(traceparent);
  let line = `{"time":"${isoTime(at)}",${prefixOf(handler)}`;
  if (messageId) line += `,"messageId":${JSON.stringify(messageId)}`;
  else if (ids) line += `,"requestId":"${ids.spanId}"`;
  line += `,"outcome":"SUCCESS","durationMs":${Math.round(durationMs * 100) / 100}`;
  if (ids) line += `,"traceId":"${ids.traceId}","spanId":"${ids.spanId}"`;
  if (outcome.attempt) line += `,"attempt":${outcome.attempt}`;
  if (outcome.duplicate) line += `,"duplicate":true`;
  if (outcome.conflicts) line += `,"conflicts":${outcome.conflicts}`;
  return `${line}}`;
}

const prefixes = new WeakMap<DeliveryReport["handler"], string>();
const prefixOf = (handler: DeliveryReport["handler"]) => {
  let prefix = prefixes.get(handler);
  if (prefix === undefined) {
    prefix = `"level":"info","msg":"delivery","handler":${JSON.stringify(handler.name)},"trigger":${JSON.stringify(triggerOf(handler))}`;
    prefixes.set(handler, prefix);
  }
  return prefix;
};
let lastMs = 0;
let lastTime = "";
const isoTime = (ms: number) => {
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = new Date(ms).toISOString();
  }
  return lastTime;
};

/**
 * Lines go to stdout in batches: one `write` per turn of the event loop instead of one per
 * delivery (a synchronous write per delivery cost about a quarter of the throughput, see
 * bench/RESULTS.md). Still one line per delivery, in order; what is pending is written on exit.
 */
export function batchedStdout(out: { write(text: string): unknown } = process.stdout): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    out.write(text);
  };
  process.once("exit", flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}

// One description per handler, not one per delivery.
const triggers = new WeakMap<DeliveryReport["handler"], string>();
const triggerOf = (handler: DeliveryReport["handler"]) => {
  let described = triggers.get(handler);
  if (described === undefined) {
    described = describeTrigger(handler.trigger);
    triggers.set(handler, described);
  }
  return described;
};

/** The log line as an object, so tests (and other sinks) see exactly what is written. */
export function deliveryLine({ handler, outcome, durationMs, traceparent, messageId, at }: DeliveryReport) {
  const { status, reason } = outcome.verdict;
  const ids = idsOf(traceparent);
  return {
    time: new Date(at).toISOString(),
    level: status === "SUCCESS" ? "info" : "warn",
    msg: "delivery",
    handler: handler.name,
    trigger: triggerOf(handler),
    // Which message: the CloudEvent id (the same on every redelivery), else this request's span.
    ...(messageId ? { messageId } : ids ? { requestId: ids.spanId } : {}),
    outcome: status,
    ...(status !== "SUCCESS" && reason ? { reason: reason.length > maxReason ? `${reason.slice(0, maxReason)}…` : reason } : {}),
    durationMs: Math.round(durationMs * 100) / 100,
    ...(ids ? { traceId: ids.traceId, spanId: ids.spanId } : {}),
    ...(outcome.attempt ? { attempt: outcome.attempt } : {}),
    ...(outcome.duplicate ? { duplicate: true } : {}),
    ...(outcome.conflicts ? { conflicts: outcome.conflicts } : {}),
  };
}

/** The log, unless `DAPRLET_LOG=off` (tests, or a platform that logs requests already). */
export const deliveryLogFromEnv = (env: NodeJS.ProcessEnv = process.env): Watcher | undefined =>
  env.DAPRLET_LOG === "off" ? undefined : createDeliveryLog();
