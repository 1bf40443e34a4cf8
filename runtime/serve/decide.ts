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
  /**
   * The handler's code threw, whatever it threw (`undefined` included), or returned what is not
   * an effect, or a reply that cannot be serialized: `where` names the function.
   */
  threw?: { thrown: unknown; where: string };
  /** The delivery's deadline passed in `stage` (no effect started after it). */
  deadline?: { ms: number; stage: string };
  /** Another delivery of this message holds its lock: it is being applied right now. */
  busy?: { reason: string };
  /** Handle: what it returned. */
  effects?: readonly Effect[];
  /** Execute: the sidecar effect that failed, its position, and why. */
  failed?: { effect: Effect; index: number; of: number; error: unknown };
  /** Execute: every attempt met a concurrent write (ETag conflict), `attempts` times. */
  conflict?: { attempts: number; reason: string };
}

/**
 * The one place that decides a message's fate, once every stage has run: an ordered list, the
 * first fact that holds wins. A throw (of anything) is never SUCCESS, nor is a deadline that passed; bad input is DROP, because redelivering the same bytes cannot fix it; a failed effect
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
  if (facts.threw) {
    const { thrown, where } = facts.threw;
    return { status: "RETRY", reason: `handler threw${where === "handle" ? "" : ` in ${where}`}: ${errorText(thrown)}`, cause: "throw" };
  }
  if (facts.deadline)
    return { status: "RETRY", reason: `deadline of ${facts.deadline.ms} ms passed in ${facts.deadline.stage}`, cause: "deadline" };
  if (facts.busy) return { status: "RETRY", reason: facts.busy.reason, cause: "busy" };
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
