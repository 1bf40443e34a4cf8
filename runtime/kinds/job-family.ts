import { answerJob, type JobEvent, jobMessage } from "./job.ts";
import { jobNamePattern } from "./job-schedule.ts";
import { httpSpanAttributes, type TriggerKind } from "./trigger.ts";

export interface JobFamilyTrigger<P extends string = string> {
  kind: "jobFamily";
  /** Serves every job named `<prefix>-<key>`, as handlers schedule them with `scheduleJob(handler, key, …)`. */
  prefix: P;
}

/**
 * Jobs scheduled at run time by handlers (`scheduleJob`), one per entity: `jobFamily("shipment-late")`
 * serves `shipment-late-o-1`, `shipment-late-o-2`, …, each delivered to `POST /job/<name>`.
 * @example trigger: jobFamily("shipment-late"), handle: ({ key, data }) => [publish("pubsub", "shipment-late", data)]
 */
export function jobFamily<const P extends string>(prefix: P): JobFamilyTrigger<P> {
  if (!jobNamePattern.test(prefix))
    throw new TypeError(`job family "${prefix}": use letters, digits, ".", "_" and "-" (job names are URL path segments)`);
  return { kind: "jobFamily", prefix };
}

export interface JobFamilyEvent<D> extends JobEvent<D> {
  /** The job's name without `<prefix>-`: the entity it was scheduled for. */
  key: string;
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    jobFamily: JobFamilyEvent<D>;
  }
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The job's name, the last segment of `/job/<name>`. */
const nameOf = (path: string) => decodeURIComponent(path.split("?")[0].split("/").pop() ?? "");

export const jobFamilyKind: TriggerKind<JobFamilyTrigger> = {
  kind: "jobFamily",
  route: (t) => `/job/${t.prefix}-:key`,
  serves: (_t, route) => [{ method: "POST", path: route }],
  describe: (t) => `job family ${t.prefix}-*`,
  // One path segment starting with `<prefix>-` (Hono's regexp param), so `/job/<prefix>` alone is not ours.
  mount: (app, _route, t, serve) => app.post(`/job/:job{${escapeRegExp(t.prefix)}-[^/]+}`, serve),
  parse(t, req) {
    const job = nameOf(req.path);
    return { bulk: false, messages: [jobMessage(req.body, { job, key: job.slice(t.prefix.length + 1) })] };
  },
  answer: (_t, delivery) => answerJob(delivery),
  span: (t, route, req) => ({
    name: `job ${t.prefix}-*`,
    kind: "consumer",
    attributes: { ...httpSpanAttributes(route, req), "messaging.system": "dapr", "dapr.job.name": nameOf(req.path) },
  }),
  answered: (_t, answer) => ({ "http.response.status_code": answer.status }),
  claims: (t, route) => [{ key: `jobFamily ${t.prefix}`, what: `job family ${t.prefix}-* (POST ${route})` }],
  needs: () => [],
  // No tick identity either: a family job is one entity's, and its handler is idempotent per key.
  track: () => undefined,
  guarded: false,
};
