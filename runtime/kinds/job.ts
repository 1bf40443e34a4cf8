import { httpSpanAttributes, type TriggerKind } from "./trigger.ts";
import { readJsonOrText } from "./wire.ts";

/** What the scheduler does when a delivery fails (answered anything but 2xx or 404). Default: constant 1 s × 3. */
export type JobFailurePolicy = { drop: Record<string, never> } | { constant: { interval: string; maxRetries?: number } };

export interface JobOptions {
  /**
   * 6-field cron with seconds (`"0 30 * * * *"`: at minute 30 of every hour), `@every <duration>`
   * (`"@every 1s"`), or `@hourly`/`@daily`/…. Without one the job fires once, at `dueTime`.
   */
  schedule?: string;
  /** When the first firing is due: RFC3339, a Go duration from scheduling (`"10s"`), or ISO8601. */
  dueTime?: string;
  /** How many times it fires in all; unset: for ever. */
  repeats?: number;
  /** When the job expires: RFC3339 or a Go duration from scheduling. */
  ttl?: string;
  /**
   * What each firing delivers as the event's `data` (any JSON value). Always sent: daprd 1.18.2
   * never delivers a job scheduled without it, so a job that declares none is scheduled with `{}`.
   */
  data?: unknown;
  /** Retries of a failed firing (a thrown handler, RETRY): `{ drop: {} }` or `{ constant: { interval, maxRetries? } }` (unset maxRetries: for ever). */
  failurePolicy?: JobFailurePolicy;
}

export interface JobTrigger<N extends string = string> extends JobOptions {
  kind: "job";
  /** The job's name in the scheduler (unique per app id); daprd delivers it to `POST /job/<name>`. */
  name: N;
}

/** Characters that keep a job name one URL path segment, in daprd's route and in ours. */
const jobName = /^[A-Za-z0-9][\w.-]*$/;

/**
 * A Dapr job (Jobs API): scheduled by the runtime at start, fired by Dapr's scheduler once per
 * tick across all replicas of the app id (unlike the cron binding, which fires on every replica).
 * @example job("nightly-report", { schedule: "0 0 2 * * *", data: { kind: "daily" } })
 */
export function job<const N extends string>(name: N, options: JobOptions): JobTrigger<N> {
  if (!jobName.test(name)) throw new TypeError(`job name "${name}": use letters, digits, ".", "_" and "-" (it is a URL path segment)`);
  if (options.schedule === undefined && options.dueTime === undefined)
    throw new TypeError(`job "${name}" needs a schedule or a dueTime (daprd refuses a job with neither)`);
  return { kind: "job", name, ...options };
}

export interface JobEvent<D> {
  /** The job's `data`: daprd sends it, and nothing else, as the request body. */
  data: D;
  /** The job's name. */
  job: string;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    job: JobEvent<D>;
  }
}

export const jobKind: TriggerKind<JobTrigger> = {
  kind: "job",
  route: (t) => `/job/${t.name}`,
  describe: (t) =>
    `job ${t.name} (${[t.schedule, t.dueTime && `due ${t.dueTime}`, t.repeats !== undefined && `×${t.repeats}`].filter(Boolean).join(", ")})`,
  mount: (app, route, _t, serve) => app.post(route, serve),
  parse(t, req) {
    // daprd sends the job's data as JSON (application/json). An empty body (daprd 1.18.3+ for a
    // job without data) is no data; anything that is not JSON is handed over as text.
    if (req.body.length === 0) return { bulk: false, messages: [{ ok: true, event: { data: undefined, job: t.name } }] };
    const data = readJsonOrText(req.body);
    if (!data.ok) return { bulk: false, messages: [{ ok: false, reason: data.reason, status: 400 }] };
    return { bulk: false, messages: [{ ok: true, event: { data: data.value, job: t.name } }] };
  },
  /**
   * The scheduler reads 2xx (and 404) as done and anything else as a failure its failure policy
   * retries. So RETRY is a 500; DROP (bad data, an explicit drop) is a 200 with the reason: a job
   * has no dead letter, and the same data would fail again on every retry.
   */
  answer(_t, { results }) {
    const { verdict } = results[0].outcome;
    const body = { status: verdict.status, ...(verdict.reason ? { reason: verdict.reason } : {}) };
    return { status: verdict.status === "RETRY" ? 500 : 200, body };
  },
  span: (t, route, req) => ({
    name: `job ${t.name}`,
    kind: "consumer",
    attributes: { ...httpSpanAttributes(route, req), "messaging.system": "dapr", "dapr.job.name": t.name },
  }),
  answered: (_t, answer) => ({ "http.response.status_code": answer.status }),
  // The route is the name: one claim keeps both unique (and apart from an invoked POST /job/<name>).
  claims: (t, route) => [{ key: `route POST ${route}`, what: `job ${t.name} (POST ${route})` }],
  needs: () => [],
  // daprd sends only the data: no tick time, no attempt number, nothing that tells a retry of a
  // firing from the next firing.
  track: () => undefined,
  guarded: false,
};
