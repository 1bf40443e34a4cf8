import { describeEffect, type Effect } from "../kinds/effects.ts";
import { errorText, type Issues, summarizeIssues, type Verdict } from "../kinds/verdict.ts";

/** What each stage of the pipeline found, as far as the message got. */
export interface Facts {
  /** Parse: the request could not be read (with the HTTP status an invoked route answers). */
  refused?: { reason: string; status: number };
  /** Validate: the schema's issues. */
  issues?: Issues;
  /** Load inputs or execute: a value that would address daprd outside its path segment (`..`, empty, control characters). */
  unsafe?: { reason: string };
  /** Load inputs: a read that failed (`unavailable`: retry later; `invalid`: a stored value fails its schema). */
  input?: { fault: "unavailable" | "invalid"; reason: string };
  /** Handle: it threw (or returned something that is not an effect). */
  thrown?: unknown;
  /** Handle: what it returned. */
  effects?: readonly Effect[];
  /** Execute: the sidecar effect that failed, its position, and why. */
  failed?: { effect: Effect; index: number; of: number; error: unknown };
  /** Execute: every attempt met a concurrent write (ETag conflict), `attempts` times. */
  conflict?: { attempts: number; reason: string };
}

/**
 * The one place that decides a message's fate, once every stage has run. A throw is never
 * SUCCESS; bad input is DROP, because redelivering the same bytes cannot fix it; a failed effect
 * is RETRY, so resiliency retries the whole delivery; then the handler's own retry or drop.
 */
export function decide(facts: Facts): Verdict {
  if (facts.refused) return { status: "DROP", reason: facts.refused.reason, cause: "parse", httpStatus: facts.refused.status };
  if (facts.issues)
    return { status: "DROP", reason: `schema validation failed: ${summarizeIssues(facts.issues).join("; ")}`, cause: "schema" };
  if (facts.unsafe) return { status: "DROP", reason: `unsafe value: ${facts.unsafe.reason}`, cause: "unsafe" };
  if (facts.input) {
    // A value that fails its schema will fail again: DROP. A store or app that did not answer may answer later: RETRY.
    const status = facts.input.fault === "invalid" ? "DROP" : "RETRY";
    return { status, reason: `input ${facts.input.reason}`, cause: "input" };
  }
  if (facts.thrown !== undefined) return { status: "RETRY", reason: `handler threw: ${errorText(facts.thrown)}`, cause: "throw" };
  if (facts.conflict) {
    return {
      status: "RETRY",
      reason: `conflict: ${facts.conflict.attempts} attempts met a concurrent write (${facts.conflict.reason})`,
      cause: "conflict",
    };
  }
  if (facts.failed) {
    const { effect, index, of, error } = facts.failed;
    return {
      status: "RETRY",
      reason: `effect ${index + 1} of ${of} (${describeEffect(effect)}) failed: ${errorText(error)}`,
      cause: "effect",
    };
  }
  const asked = facts.effects?.find((e) => e.kind === "retry" || e.kind === "drop");
  if (asked?.kind === "retry") return { status: "RETRY", reason: asked.reason, cause: "handler" };
  if (asked?.kind === "drop") return { status: "DROP", reason: asked.reason, cause: "handler" };
  return { status: "SUCCESS" };
}
