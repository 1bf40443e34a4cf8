import type { BaseIssue } from "valibot";

/** daprd's three answers, in the exact upper case it compares against (anything else is RETRY). */
export type DaprStatus = "SUCCESS" | "RETRY" | "DROP";

/** What a delivery's fate is, and why. Made in one place: `serve/decide.ts`. */
export interface Verdict {
  status: DaprStatus;
  reason?: string;
  /** Which stage decided it; invoked routes pick their HTTP status by it. */
  cause?: "parse" | "schema" | "unsafe" | "input" | "throw" | "conflict" | "effect" | "handler";
  /** For parse failures: 400, 413 or 415. */
  httpStatus?: number;
}

export type Issues = readonly BaseIssue<unknown>[];

/** `["amount: Invalid type: Expected number but received "x""]`: issues as a log line can show them. */
export const summarizeIssues = (issues: Issues) =>
  issues.map((i) => `${i.path?.map((p) => String(p.key)).join(".") || "(root)"}: ${i.message}`);

export const errorText = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : typeof error === "string" ? error : JSON.stringify(error);
