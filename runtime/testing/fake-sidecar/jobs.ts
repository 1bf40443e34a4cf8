// The Jobs API, as daprd 1.18.2 answers it with (or without) a scheduler.
import { HttpResponse, http } from "msw";
import { scheduleProblem } from "../../kinds/job-schedule.ts";
import { type Context, daprError, type Routes } from "./context.ts";
import type { ScheduledJob } from "./types.ts";

/** Scheduling and deleting jobs. */
export function jobRoutes(ctx: Context): Routes<"jobs.schedule" | "jobs.delete"> {
  const { base, options, appId, jobs, injected } = ctx;
  return {
    // daprd 1.18.2: 204 on success, 409 for an existing name without `overwrite`, 400 without a
    // schedule or dueTime or with a name in the body; any other scheduler failure is a 500
    // DAPR_SCHEDULER_SCHEDULE_JOB (a bad schedule: "job failed validation", by the runtime's own rules).
    "jobs.schedule": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.post(`${base}/${version}/jobs/:name`, async ({ request, params }) => {
        const name = String(params.name);
        if (options.scheduler === false)
          return daprError(500, "DAPR_SCHEDULER_SCHEDULE_JOB", "failed to schedule job due to: scheduler clients are disabled");
        const failure = await injected("scheduleJob");
        if (failure) return failure;
        const body = (await request.json()) as Omit<ScheduledJob, "name"> & { overwrite?: boolean; name?: unknown };
        if (body.name !== undefined) return daprError(400, "DAPR_SCHEDULER_JOB_NAME", "Set the job name in the url only");
        if (body.schedule === undefined && body.dueTime === undefined)
          return daprError(400, "DAPR_SCHEDULER_SCHEDULE_EMPTY", "Schedule is empty");
        const invalid = body.schedule === undefined ? undefined : scheduleProblem(body.schedule);
        if (invalid)
          return daprError(
            500,
            "DAPR_SCHEDULER_SCHEDULE_JOB",
            `failed to schedule job due to: rpc error: code = InvalidArgument desc = job failed validation: ${invalid}`,
          );
        if (jobs.has(name) && !body.overwrite)
          return daprError(
            409,
            "DAPR_SCHEDULER_SCHEDULE_JOB",
            `failed to schedule job due to: rpc error: code = AlreadyExists desc = job already exists: 'app||default||${appId}||${name}'`,
          );
        const { schedule, dueTime, repeats, ttl, data, failurePolicy } = body;
        jobs.set(name, { name, schedule, dueTime, repeats, ttl, data, failurePolicy });
        return new HttpResponse(null, { status: 204 });
      }),
    ),
    "jobs.delete": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.delete(`${base}/${version}/jobs/:name`, async ({ params }) => {
        if (options.scheduler === false)
          return daprError(500, "DAPR_SCHEDULER_DELETE_JOB", "failed to delete job due to: scheduler clients are disabled");
        const failure = await injected("deleteJob");
        if (failure) return failure;
        jobs.delete(String(params.name)); // a missing job is 204 too
        return new HttpResponse(null, { status: 204 });
      }),
    ),
  };
}
