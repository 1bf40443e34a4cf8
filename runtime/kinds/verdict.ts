import type { BaseIssue } from "valibot";

/** daprd's three answers, in the exact upper case it compares against (anything else is RETRY). */
export type DaprStatus = "SUCCESS" | "RETRY" | "DROP";

/** What a delivery's fate is, and why. Made in one place: `serve/decide.ts`. */
export interface Verdict {
  status: DaprStatus;
  reason?: string;
  /** Which stage decided it; invoked routes pick their HTTP status by it. */
  cause?: "parse" | "schema" | "unsafe" | "input" | "throw" | "deadline" | "busy" | "conflict" | "effect" | "handler";
  /** For parse failures: 400, 413 or 415. */
  httpStatus?: number;
}

export type Issues = readonly BaseIssue<unknown>[];

/** `["amount: Invalid type: Expected number but received "x""]`: issues as a log line can show them. */
export const summarizeIssues = (issues: Issues) =>
  issues.map((i) => `${i.path?.map((p) => String(p.key)).join(".") || "(root)"}: ${i.message}`);

/** A thrown value as a log line can show it: `Error: boom`, a string as is, anything else as JSON (or its `String`). */
export const errorText = (error: unknown): string => {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error); // undefined, functions and symbols have no JSON
  } catch {
    return Object.prototype.toString.call(error) === "[object BigInt]" ? `${String(error)}n` : "[unserializable value]"; // a BigInt or a cycle
  }
};
