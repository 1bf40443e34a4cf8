import type { GenericSchema, InferInput } from "valibot";
import { daprdPath } from "./daprd-path.ts";
import { type EffectKind, json } from "./effect.ts";
import { dueAt, type JobEnvelope, type JobTiming, jobBody, jobNamePattern, type LooseTiming } from "./job-schedule.ts";

export interface ScheduleJob extends LooseTiming {
  kind: "scheduleJob";
  /** The job's name in the scheduler: `<family prefix>-<key>` when scheduled for a family. */
  name: string;
  data?: unknown;
}

/** A handler serving a job family, as `scheduleJob` and `deleteJob` take it: its schema types the job's data. */
export interface FamilyHandler<S extends GenericSchema = GenericSchema> {
  // The job family trigger's shape, not its module: the effect tables stay apart from the trigger tables.
  trigger: { kind: "jobFamily"; prefix: string };
  schema: S;
}

const keyPattern = /^[\w.-]+$/;
/** The name of a family's job for `key`: `<prefix>-<key>`. */
export function familyJobName(family: FamilyHandler, key: string): string {
  if (!keyPattern.test(key))
    throw new TypeError(
      `job key "${key}" for family ${family.trigger.prefix}: use letters, digits, ".", "_" and "-" (it becomes part of a URL path segment)`,
    );
  return `${family.trigger.prefix}-${key}`;
}

/**
 * Schedules (or replaces: a redelivered event overwrites, it never schedules twice) a Dapr job.
 * Given a family's handler and a key, the job is `<prefix>-<key>` and its `data` is typed by that
 * handler's schema. A Go-duration `dueTime` counts from when the effect runs; an RFC3339 one
 * (e.g. from the event's own time) stays put when the event is redelivered.
 * @example scheduleJob(onShipmentLate, data.orderId, { dueTime: "30m", data: { orderId: data.orderId } })
 * @example scheduleJob("cleanup-tmp", { schedule: "@every 1h" })
 */
export function scheduleJob<S extends GenericSchema>(
  family: FamilyHandler<S>,
  key: string,
  options: JobTiming & { data: InferInput<S> },
): ScheduleJob;
export function scheduleJob(name: string, options: JobTiming & { data?: unknown }): ScheduleJob;
export function scheduleJob(
  target: string | FamilyHandler,
  keyOrOptions: string | (JobTiming & { data?: unknown }),
  options?: JobTiming & { data?: unknown },
): ScheduleJob {
  const name = typeof target === "string" ? target : familyJobName(target, keyOrOptions as string);
  if (!jobNamePattern.test(name))
    throw new TypeError(`job name "${name}": use letters, digits, ".", "_" and "-" (it is a URL path segment)`);
  const timing = (typeof target === "string" ? keyOrOptions : options) as LooseTiming & { data?: unknown };
  return { kind: "scheduleJob", name, ...timing };
}

export const scheduleJobKind: EffectKind<ScheduleJob> = {
  kind: "scheduleJob",
  describe: (e) => `scheduleJob ${e.name}`,
  sidecar: {
    api: "jobs.schedule",
    call(e) {
      // daprd delivers nothing but the data: the runtime wraps it with when a one-shot job is due,
      // and the job kinds unwrap it into `event.dueAt`.
      const due = e.schedule === undefined ? dueAt(e.dueTime, Date.now()) : undefined;
      const envelope: JobEnvelope = { daprlet: due ? { dueAt: due } : {}, data: e.data ?? {} };
      return { api: "jobs.schedule", method: "POST", path: daprdPath("jobs", { name: e.name }), body: json(jobBody(e, envelope)) };
    },
    span: (e) => ({ name: `scheduleJob ${e.name}`, kind: "client", attributes: { "dapr.job.name": e.name } }),
    example: scheduleJob("cleanup-tmp", { schedule: "@every 1h", data: { dir: "/tmp" } }),
  },
};
