// What a job's schedule may say, shared by the job trigger (scheduled at start), the scheduleJob
// effect (scheduled by a handler) and `npm run check`: the types refuse what they can, and
// `scheduleProblem` refuses the rest with the fix.

type Unit = "ns" | "us" | "µs" | "ms" | "s" | "m" | "h";
/** A Go duration: `"30s"`, `"1.5h"`, `"1m30s"`, `"1h2m3s"` (no days: `"24h"`). */
export type GoDuration = `${number}${Unit}` | `${number}${Unit}${number}${Unit}` | `${number}${Unit}${number}${Unit}${number}${Unit}`;
type Every = "@yearly" | "@annually" | "@monthly" | "@weekly" | "@daily" | "@midnight" | "@hourly";
/**
 * 6-field cron WITH seconds (`"0 30 * * * *"`), `@every <Go duration>`, or `@hourly`/`@daily`/….
 * A 5-field cron does not type-check (daprd's cron has a seconds field first).
 */
export type JobSchedule = `${string} ${string} ${string} ${string} ${string} ${string}` | `@every ${GoDuration}` | Every;
/** When a one-shot firing is due: a Go duration from scheduling (`"30m"`), an RFC3339 time, or an ISO8601 duration (`"PT30M"`). */
export type JobDueTime = GoDuration | `${number}-${number}-${number}T${string}` | `P${string}`;

/** What the scheduler does when a delivery fails (answered anything but 2xx or 404). Default: constant 1 s × 3. */
export type JobFailurePolicy = { drop: Record<string, never> } | { constant: { interval: GoDuration; maxRetries?: number } };

/** When and how often a job fires: a schedule, a due time, or both (the schedule starts at the due time). */
export type JobTiming = ({ schedule: JobSchedule; dueTime?: JobDueTime } | { dueTime: JobDueTime; schedule?: JobSchedule }) & {
  /** How many times it fires in all; unset: for ever (or once, with only a dueTime). */
  repeats?: number;
  /** When the job expires: an RFC3339 time or a Go duration from scheduling. */
  ttl?: JobDueTime;
  /** Retries of a failed firing (a thrown handler, RETRY): `{ drop: {} }` or `{ constant: { interval, maxRetries? } }` (unset maxRetries: for ever). */
  failurePolicy?: JobFailurePolicy;
};

/** The same fields as plain strings: what the runtime holds once the types have done their job. */
export interface LooseTiming {
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  failurePolicy?: { drop: Record<string, never> } | { constant: { interval: string; maxRetries?: number } };
}

/** What a job scheduled by `scheduleJob` carries around its data: when it was due (daprd tells nothing). */
export interface JobEnvelope {
  daprlet: { dueAt?: string };
  data: unknown;
}

/** Characters that keep a job name one URL path segment, in daprd's route and in ours. */
export const jobNamePattern = /^[A-Za-z0-9][\w.-]*$/;

/** A Go duration (`1s`, `500ms`, `1m30s`) in seconds; undefined when it is not one. */
export function goDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const parts = [...String(text).matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== String(text)) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const isoDuration = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** The instant a one-shot firing is due, when `dueTime` names one (RFC3339, or a Go duration from `now`). */
export function dueAt(dueTime: string | undefined, now: number): string | undefined {
  if (dueTime === undefined) return undefined;
  if (rfc3339.test(dueTime)) return new Date(dueTime).toISOString();
  const seconds = goDuration(dueTime);
  return seconds === undefined ? undefined : new Date(now + seconds * 1000).toISOString();
}

// Field ranges of the scheduler's cron (robfig-style, seconds first): sec min hour dom month dow.
const cronFields: [string, number, number][] = [
  ["second", 0, 59],
  ["minute", 0, 59],
  ["hour", 0, 23],
  ["day of month", 1, 31],
  ["month", 1, 12],
  ["day of week", 0, 6],
];
const names: Record<number, string[]> = {
  4: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  5: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};

function cronFieldProblem(field: string, index: number): string | undefined {
  const [what, min, max] = cronFields[index];
  for (const part of field.split(",")) {
    const [range, step] = part.split("/");
    if (step !== undefined && !/^\d+$/.test(step)) return `${what} "${field}": the step after "/" must be a number`;
    if (range === "*" || range === "?") continue;
    for (const bound of range.split("-")) {
      const named = names[index]?.indexOf(bound.toUpperCase()) ?? -1;
      const n = named >= 0 ? named + (index === 4 ? 1 : 0) : /^\d+$/.test(bound) ? Number(bound) : Number.NaN;
      if (Number.isNaN(n) || n < min || n > max) return `${what} "${field}" is not in ${min}-${max}`;
    }
  }
  return undefined;
}

/** Why the scheduler would refuse a schedule, with the fix; undefined when it accepts it. */
export function scheduleProblem(schedule: string): string | undefined {
  const s = schedule.replace(/^(CRON_)?TZ=\S+\s+/, "");
  if (s.startsWith("@every ")) {
    const d = s.slice(7).trim();
    return goDuration(d) === undefined
      ? `schedule "${schedule}": "${d}" is not a Go duration (e.g. "@every 30s", "@every 1h30m")`
      : undefined;
  }
  if (s.startsWith("@"))
    return ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"].includes(s)
      ? undefined
      : `schedule "${schedule}" is not one of @yearly, @monthly, @weekly, @daily, @hourly or "@every <duration>"`;
  if (goDuration(s.trim()) !== undefined)
    return `schedule "${schedule}" is a duration, not a schedule: write "@every ${s.trim()}" (or dueTime: "${s.trim()}" to fire once)`;
  const fields = s.trim().split(/\s+/);
  if (fields.length === 5) return `schedule "${schedule}" has 5 fields: Dapr's cron has 6, seconds first: "0 ${fields.join(" ")}"`;
  if (fields.length !== 6)
    return `schedule "${schedule}" has ${fields.length} fields: Dapr's cron has 6 (second minute hour day-of-month month day-of-week)`;
  for (const [i, f] of fields.entries()) {
    const problem = cronFieldProblem(f, i);
    if (problem) return `schedule "${schedule}": ${problem}`;
  }
  return undefined;
}

/** Why a due time (or ttl) would be refused, with the fix; undefined when it is fine. */
export function dueTimeProblem(field: "dueTime" | "ttl", value: string): string | undefined {
  if (goDuration(value) !== undefined || rfc3339.test(value) || isoDuration.test(value)) return undefined;
  return `${field} "${value}" is neither a Go duration ("30s", "1h30m"; no "d": use "24h"), an RFC3339 time ("2026-01-01T00:00:00Z") nor an ISO8601 duration ("PT30M")`;
}

/** Everything wrong with a job's timing, each with its fix. */
export function timingProblems(t: LooseTiming): string[] {
  const problems: string[] = [];
  if (t.schedule === undefined && t.dueTime === undefined)
    problems.push("it needs a schedule or a dueTime (daprd refuses a job with neither)");
  const schedule = t.schedule === undefined ? undefined : scheduleProblem(t.schedule);
  if (schedule) problems.push(schedule);
  for (const field of ["dueTime", "ttl"] as const) {
    const value = t[field];
    const problem = value === undefined ? undefined : dueTimeProblem(field, value);
    if (problem) problems.push(problem);
  }
  if (t.repeats !== undefined && (!Number.isInteger(t.repeats) || t.repeats < 1))
    problems.push(`repeats ${t.repeats}: use a whole number ≥ 1`);
  const interval = t.failurePolicy && "constant" in t.failurePolicy ? t.failurePolicy.constant.interval : undefined;
  if (interval !== undefined && goDuration(interval) === undefined)
    problems.push(`failurePolicy interval "${interval}" is not a Go duration (e.g. "5s")`);
  return problems;
}

/**
 * The body of `POST /v1.0/jobs/<name>`: always with `data` (daprd 1.18.2 never delivers a job
 * scheduled without it), always overwriting (a redelivered event, or a restart, reschedules the
 * same name instead of failing with 409).
 */
export function jobBody(t: LooseTiming, data: unknown) {
  return {
    ...(t.schedule !== undefined ? { schedule: t.schedule } : {}),
    ...(t.dueTime !== undefined ? { dueTime: t.dueTime } : {}),
    ...(t.repeats !== undefined ? { repeats: t.repeats } : {}),
    ...(t.ttl !== undefined ? { ttl: t.ttl } : {}),
    data: data ?? {},
    overwrite: true,
    ...(t.failurePolicy ? { failurePolicy: t.failurePolicy } : {}),
  };
}
