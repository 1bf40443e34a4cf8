import type { BaseIssue } from "valibot";
import type { Effect, Reply } from "./effects.ts";

/** daprd's three answers, in the exact upper case it compares against (anything else is RETRY). */
export type DaprStatus = "SUCCESS" | "RETRY" | "DROP";

export interface Verdict {
  status: DaprStatus;
  reason?: string;
  /** Why an invoked route fails: which HTTP status fits. */
  cause?: "parse" | "schema" | "throw" | "effect" | "handler";
  /** For parse failures of invoked routes: 400, 413 or 415. */
  httpStatus?: number;
}

export type Issues = readonly BaseIssue<unknown>[];

/** `["amount: Invalid type: Expected number but received "x""]`: issues as a log line can show them. */
export const summarizeIssues = (issues: Issues) =>
  issues.map((i) => `${i.path?.map((p) => String(p.key)).join(".") || "(root)"}: ${i.message}`);

/**
 * The one place that decides a delivery's fate. A throw is never SUCCESS; bad input is DROP,
 * because redelivering the same bytes cannot fix it.
 */
export function decide(input: {
  parseError?: { reason: string; status: number };
  issues?: Issues;
  thrown?: unknown;
  effects?: readonly Effect[];
}): Verdict {
  if (input.parseError) {
    return { status: "DROP", reason: input.parseError.reason, cause: "parse", httpStatus: input.parseError.status };
  }
  if (input.issues) {
    return { status: "DROP", reason: `schema validation failed: ${summarizeIssues(input.issues).join("; ")}`, cause: "schema" };
  }
  if (input.thrown !== undefined) return { status: "RETRY", reason: `handler threw: ${errorText(input.thrown)}`, cause: "throw" };
  const verdict = input.effects?.find((e) => e.kind === "retry" || e.kind === "drop");
  if (verdict?.kind === "retry") return { status: "RETRY", reason: verdict.reason, cause: "handler" };
  if (verdict?.kind === "drop") return { status: "DROP", reason: verdict.reason, cause: "handler" };
  return { status: "SUCCESS" };
}

export const errorText = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : typeof error === "string" ? error : JSON.stringify(error);

/** The pub/sub answer: always 200 with the status in the body (a non-2xx would be read as a retriable error). */
export const toTopicAnswer = (v: Verdict) => ({ status: 200, body: { status: v.status, ...(v.reason ? { reason: v.reason } : {}) } });

/**
 * The input-binding answer. Exactly 200 for success: with an inbound retry policy daprd retries
 * even a 204. Bindings have no dead letter, so DROP is acknowledged (and logged) rather than
 * retried forever; RETRY is a 500, which daprd's resiliency and the component then retry.
 */
export const toBindingAnswer = (v: Verdict) =>
  v.status === "RETRY"
    ? { status: 500, body: { status: v.status, reason: v.reason } }
    : { status: 200, body: { status: v.status, ...(v.reason ? { reason: v.reason } : {}) } };

/** The invoked route's answer: the handler's reply, or a 4xx/5xx that says what went wrong. */
export function toInvokeAnswer(v: Verdict, effects: readonly Effect[], issues?: Issues) {
  if (v.status === "SUCCESS") {
    const reply = effects.find((e): e is Reply => e.kind === "reply");
    return reply ? { status: reply.status, body: reply.body, headers: reply.headers } : { status: 204 };
  }
  switch (v.cause) {
    case "parse":
      return { status: v.httpStatus ?? 400, body: { error: v.reason } };
    case "schema":
      return { status: 400, body: { error: "invalid request body", issues: summarizeIssues(issues ?? []) } };
    case "effect":
      return { status: 502, body: { error: v.reason } };
    case "throw":
      return { status: 500, body: { error: v.reason } };
    default:
      // An explicit drop rejects the request; an explicit retry asks the caller to come back.
      return v.status === "DROP" ? { status: 422, body: { error: v.reason } } : { status: 503, body: { error: v.reason } };
  }
}
