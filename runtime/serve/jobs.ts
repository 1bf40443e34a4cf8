// Jobs are not declarative in Dapr: the runtime upserts each job handler's job through daprd's
// Jobs API once the app listens, and deletes the jobs it scheduled before that no handler declares
// any more. Runs beside serving, never in front of it: daprd fetches the app's routes once it can
// connect to the port, and a scheduler that is not up yet must not keep the app from serving.

import type { HandlerDescriptor } from "../descriptor.ts";
import { daprdPath } from "../kinds/daprd-path.ts";
import type { SidecarClient } from "../kinds/input.ts";
import type { JobTrigger } from "../kinds/job.ts";
import { jobBody } from "../kinds/job-schedule.ts";
import { SidecarError } from "./sidecar.ts";

/** The body of `POST /v1.0/jobs/<name>` for a declared job: its data as declared, overwriting. */
export const jobTriggerBody = (t: JobTrigger) => jobBody(t, t.data);

/** The jobs a project's handlers declare. */
export const jobTriggers = (handlers: HandlerDescriptor[]): JobTrigger[] =>
  handlers.flatMap((d) => (d.trigger.kind === "job" ? [d.trigger] : []));

/** Why start-up stops when the scheduler refused jobs: each with the handler file that declares it. */
export function describeRefusals(refused: ScheduleResult["refused"], handlers: HandlerDescriptor[]): string {
  const fileOf = (name: string) => handlers.find((d) => d.trigger.kind === "job" && d.trigger.name === name)?.file;
  const lines = refused.map((r) => `  - ${fileOf(r.name) ?? `job ${r.name}`}: the scheduler refused job ${r.name}: ${r.reason}`);
  return `[daprlet] ✗ start-up failed: fix the job's schedule and start again\n${lines.join("\n")}`;
}

/** The state key listing the jobs this app id scheduled (state stores prefix keys with the app id by default too). */
export const scheduledJobsKey = (appId: string) => `daprlet-jobs-${appId}`;

export interface ScheduleOptions {
  client: SidecarClient;
  appId: string;
  jobs: JobTrigger[];
  /**
   * The state store remembering which jobs this app scheduled, so a job whose handler was
   * removed is deleted at the next start. `false`: removed jobs stay in the scheduler.
   */
  store?: string | false;
  /** Give up (with a log line) after this long. Default 10 minutes. */
  timeoutMs?: number;
  /** The wait before the n-th retry (1-based). Default 1 s doubling up to 10 s. */
  backoffMs?: (retry: number) => number;
  log?: (line: string) => void;
  /** Stops the retries (shutdown). */
  signal?: AbortSignal;
}

export interface ScheduleResult {
  scheduled: string[];
  /** Jobs daprd refused for good (a bad schedule), with why. */
  refused: { name: string; reason: string }[];
  /** Jobs of earlier runs that no handler declares any more, deleted. */
  deleted: string[];
  /** Why scheduling stopped before every job was scheduled. */
  gaveUp?: string;
}

/**
 * daprd's answers that retrying cannot change: no scheduler configured at all (no
 * `--scheduler-host-address`), a request it refuses (4xx), a schedule the scheduler cannot parse.
 * Anything else (daprd not up yet, "context deadline exceeded" while the scheduler is
 * unreachable: daprd waits 30 s for it) is retried.
 */
const noScheduler = (e: unknown) => e instanceof SidecarError && /scheduler clients are disabled/.test(e.message);
const refusedForGood = (e: unknown) =>
  e instanceof SidecarError && ((e.status >= 400 && e.status < 500) || /job failed validation/.test(e.message));

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

const describeSchedule = (t: JobTrigger) =>
  [t.schedule, t.dueTime && `due ${t.dueTime}`, t.repeats !== undefined && `${t.repeats} times`, t.ttl && `until ${t.ttl}`]
    .filter(Boolean)
    .join(", ");

/**
 * Schedules every job, retrying until daprd and its scheduler accept them (or `timeoutMs`
 * passes), then deletes the jobs an earlier run scheduled that are no longer declared. Never
 * throws: what fails is logged and returned.
 */
export async function scheduleJobs(options: ScheduleOptions): Promise<ScheduleResult> {
  const { client, jobs } = options;
  const log = options.log ?? ((line) => console.log(line));
  const backoff = options.backoffMs ?? ((n) => Math.min(1000 * 2 ** (n - 1), 10_000));
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const context = { headers: {} };
  const result: ScheduleResult = { scheduled: [], refused: [], deleted: [] };
  let pending = [...jobs];
  let lastError = "";
  let lastLogged = 0;

  for (let retry = 0; pending.length > 0; retry++) {
    if (retry > 0) {
      if (Date.now() + backoff(retry) > deadline) {
        result.gaveUp = lastError;
        log(
          `[daprlet] ✗ gave up scheduling jobs ${pending.map((j) => j.name).join(", ")} after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s: ${lastError}. They will not fire until the app restarts with daprd connected to a scheduler`,
        );
        return result;
      }
      await sleep(backoff(retry), options.signal);
      if (options.signal?.aborted) return { ...result, gaveUp: "stopped" };
    }
    const still: JobTrigger[] = [];
    for (const t of pending) {
      try {
        await client(
          { api: "jobs.schedule", method: "POST", path: daprdPath("jobs", { name: t.name }), body: JSON.stringify(jobTriggerBody(t)) },
          context,
        );
        result.scheduled.push(t.name);
        log(`[daprlet] job ${t.name} scheduled (${describeSchedule(t)}) → POST /job/${t.name}`);
      } catch (error) {
        if (noScheduler(error)) {
          result.gaveUp = errorText(error);
          log(
            `[daprlet] ✗ jobs ${pending.map((j) => j.name).join(", ")} not scheduled: daprd runs without a scheduler (no --scheduler-host-address). \`npm start\` runs one; on Kubernetes Dapr's control plane does`,
          );
          return result;
        }
        if (refusedForGood(error)) {
          result.refused.push({ name: t.name, reason: errorText(error) });
          log(`[daprlet] ✗ job ${t.name} refused: ${errorText(error)}`);
          continue;
        }
        still.push(t);
        lastError = errorText(error);
        // One line when it starts failing, then one every 30 s: daprd may take a while to reach its scheduler.
        if (Date.now() - lastLogged > 30_000) {
          lastLogged = Date.now();
          log(`[daprlet] scheduling job ${t.name} failed (${lastError}); retrying until daprd and its scheduler accept it`);
        }
      }
    }
    pending = still;
  }

  if (options.store !== false) await cleanUp(options, options.store ?? "statestore", result, log);
  return result;
}

/** Deletes the jobs recorded by an earlier start that no handler declares now, then records the current list. */
async function cleanUp(options: ScheduleOptions, store: string, result: ScheduleResult, log: (line: string) => void) {
  const { client, jobs, appId } = options;
  const context = { headers: {} };
  const key = scheduledJobsKey(appId);
  const path = daprdPath("state", { store });
  let before: string[] = [];
  try {
    const res = await client({ api: "state.get", method: "GET", path: daprdPath("state", { store }, { key }) }, context);
    const parsed = res.status === 200 ? (JSON.parse(new TextDecoder().decode(res.body)) as unknown) : [];
    before = Array.isArray(parsed) ? parsed.filter((n): n is string => typeof n === "string") : [];
  } catch (error) {
    // No such store (an app without state) or daprd cannot read it: jobs of removed handlers stay scheduled.
    if (jobs.length > 0)
      log(`[daprlet] ! could not read ${store}/${key} (${errorText(error)}): jobs removed from handlers/ are not deleted`);
    return;
  }
  const current = new Set(jobs.map((j) => j.name));
  const unrecorded = before.filter((n) => !current.has(n));
  for (const name of unrecorded) {
    try {
      await client({ api: "jobs.delete", method: "DELETE", path: daprdPath("jobs", { name }) }, context);
      result.deleted.push(name);
      log(`[daprlet] job ${name} deleted: no handler declares it any more`);
    } catch (error) {
      log(`[daprlet] ! could not delete job ${name}, which no handler declares any more: ${errorText(error)}`);
    }
  }
  const kept = [...current, ...unrecorded.filter((n) => !result.deleted.includes(n))].sort();
  if (kept.length === 0 && before.length === 0) return;
  try {
    await client({ api: "state.save", method: "POST", path, body: JSON.stringify([{ key, value: kept }]) }, context);
  } catch (error) {
    log(`[daprlet] ! could not record the scheduled jobs in ${store}/${key}: ${errorText(error)}`);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        done();
      },
      { once: true },
    );
  });
