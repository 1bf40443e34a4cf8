import { type JobEnvelope, type JobTiming, jobNamePattern, type LooseTiming, timingProblems } from "./job-schedule.ts";
import type { Outcome } from "./outcome.ts";
import { httpSpanAttributes, type Message, type TriggerKind } from "./trigger.ts";
import { type Answer, readJsonOrText } from "./wire.ts";

export type { JobFailurePolicy } from "./job-schedule.ts";

/** A job the runtime schedules at start: its timing, and the `data` each firing delivers. */
export type JobOptions = JobTiming & {
  /**
   * What each firing delivers as the event's `data` (any JSON value). Always sent: daprd 1.18.2
   * never delivers a job scheduled without it, so a job that declares none is scheduled with `{}`.
   */
  data?: unknown;
};

export interface JobTrigger<N extends string = string> extends LooseTiming {
  kind: "job";
  /** The job's name in the scheduler (unique per app id); daprd delivers it to `POST /job/<name>`. */
  name: N;
  data?: unknown;
}

/**
 * A Dapr job (Jobs API): scheduled by the runtime at start, fired by Dapr's scheduler once per
 * tick across all replicas of the app id (unlike the cron binding, which fires on every replica).
 * @example job("nightly-report", { schedule: "0 0 2 * * *", data: { kind: "daily" } })
 */
export function job<const N extends string>(name: N, options: JobOptions): JobTrigger<N> {
  if (!jobNamePattern.test(name))
    throw new TypeError(`job name "${name}": use letters, digits, ".", "_" and "-" (it is a URL path segment)`);
  if (options.schedule === undefined && options.dueTime === undefined)
    throw new TypeError(`job "${name}" needs a schedule or a dueTime (daprd refuses a job with neither)`);
  return { kind: "job", name, ...(options as LooseTiming & { data?: unknown }) };
}

export interface JobEvent<D> {
  /** The job's `data`: daprd sends it, and nothing else, as the request body. */
  data: D;
  /** The job's name. */
  job: string;
  /**
   * When the runtime received this firing (ISO 8601). daprd sends no tick time (no header, no
   * field: pinned in e2e/jobs.test.ts), so this is the one clock a handler needs.
   */
  firedAt: string;
  /** When the firing was due, where the runtime knows it: a one-shot job a handler scheduled (`scheduleJob`). */
  dueAt?: string;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    job: JobEvent<D>;
  }
}

export const jobKind: TriggerKind<JobTrigger> = {
  kind: "job",
  route: (t) => `/job/${t.name}`,
  serves: (_t, route) => [{ method: "POST", path: route }],
  describe: (t) =>
    `job ${t.name} (${[t.schedule, t.dueTime && `due ${t.dueTime}`, t.repeats !== undefined && `×${t.repeats}`].filter(Boolean).join(", ")})`,
  mount: (app, route, _t, serve) => app.post(route, serve),
  parse: (t, req) => ({ bulk: false, messages: [jobMessage(req.body, { job: t.name })] }),
  answer: (_t, delivery) => answerJob(delivery),
  span: (t, route, req) => ({
    name: `job ${t.name}`,
    kind: "consumer",
    attributes: { ...httpSpanAttributes(route, req), "messaging.system": "dapr", "dapr.job.name": t.name },
  }),
  answered: (_t, answer) => ({ "http.response.status_code": answer.status }),
  // The route is the name: one claim keeps both unique (and apart from an invoked POST /job/<name>).
  claims: (t, route) => [{ key: `route POST ${route}`, what: `job ${t.name} (POST ${route})` }],
  needs: () => [],
  problems: (t) => timingProblems(t).map((p) => `job("${t.name}"): ${p}`),
  // daprd sends only the data: no tick time, no attempt number, nothing that tells a retry of a
  // firing from the next firing.
  track: () => undefined,
  guarded: false,
};

const isEnvelope = (v: unknown): v is JobEnvelope =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).sort().join() === "daprlet,data";

/**
 * A firing's body read into the event's `data`, `firedAt` and (for a job a handler scheduled)
 * `dueAt`, plus `fields` (the job's name, a family's key). daprd sends the job's data as JSON; an
 * empty body (daprd 1.18.3+ for a job without data) is no data; anything that is not JSON is handed
 * over as text; a body too deep or not UTF-8 is refused (400), like every other body.
 */
export function jobMessage<F extends object>(body: Uint8Array, fields: F): Message {
  const firedAt = new Date().toISOString();
  if (body.length === 0) return { ok: true, event: { data: undefined, firedAt, ...fields } };
  const read = readJsonOrText(body);
  if (!read.ok) return { ok: false, reason: read.reason, status: 400 };
  if (!isEnvelope(read.value)) return { ok: true, event: { data: read.value, firedAt, ...fields } };
  const { dueAt } = read.value.daprlet;
  return { ok: true, event: { data: read.value.data, firedAt, ...(typeof dueAt === "string" ? { dueAt } : {}), ...fields } };
}

/**
 * The scheduler reads 2xx (and 404) as done and anything else as a failure its failure policy
 * retries. So RETRY is a 500; DROP (bad data, an explicit drop) is a 200 with the reason: a job
 * has no dead letter, and the same data would fail again on every retry.
 */
export function answerJob({ results }: { results: { outcome: Outcome }[] }): Answer {
  const { verdict } = results[0].outcome;
  const body = { status: verdict.status, ...(verdict.reason ? { reason: verdict.reason } : {}) };
  return { status: verdict.status === "RETRY" ? 500 : 200, body };
}
