import { describe, expect, it } from "vitest";
import { job } from "../../kinds/job.ts";
import { jobTriggerBody } from "../../serve/jobs.ts";
import { type ContractTarget, connect, unique } from "./connect.ts";

/**
 * How daprd answers the Jobs API calls the runtime makes at start (`serve/jobs.ts`), with a
 * scheduler, or (`scheduler: false`) run without `--scheduler-host-address`.
 */
export function describeJobsContract(name: string, target: () => ContractTarget, options: { scheduler: boolean }) {
  const { client, fails } = connect(target);
  const schedule = (job: string, body: unknown) =>
    client({ api: "jobs.schedule", method: "POST", path: `/jobs/${job}`, body: JSON.stringify(body) });
  const remove = (job: string) => client({ api: "jobs.delete", method: "DELETE", path: `/jobs/${job}` });
  const refusal = (work: Promise<unknown>) => fails(work).then(({ status, errorCode }) => ({ status, errorCode }));
  const body = jobTriggerBody(job("contract", { schedule: "@every 1h", data: { n: 1 } }));

  describe(`jobs contract: ${name}`, () => {
    if (!options.scheduler) {
      it("answers 500 DAPR_SCHEDULER_* 'scheduler clients are disabled' to every call, at once", async () => {
        const scheduled = await fails(schedule(unique(), body));
        expect(scheduled).toMatchObject({ status: 500, errorCode: "DAPR_SCHEDULER_SCHEDULE_JOB" });
        expect(scheduled.message).toMatch(/scheduler clients are disabled/);
        expect(await refusal(remove(unique()))).toEqual({ status: 500, errorCode: "DAPR_SCHEDULER_DELETE_JOB" });
      });
      return;
    }

    it("schedules with 204, upserts with overwrite: true, and answers 409 to a second schedule without it", async () => {
      const name = unique();
      expect((await schedule(name, body)).status).toBe(204);
      expect((await schedule(name, body)).status).toBe(204);
      const { overwrite: _, ...once } = body;
      expect(await refusal(schedule(name, once))).toEqual({ status: 409, errorCode: "DAPR_SCHEDULER_SCHEDULE_JOB" });
      await remove(name);
    });

    it("refuses a job with neither schedule nor dueTime, and a name in the body, with 400", async () => {
      expect(await refusal(schedule(unique(), { data: {}, overwrite: true }))).toEqual({
        status: 400,
        errorCode: "DAPR_SCHEDULER_SCHEDULE_EMPTY",
      });
      expect(await refusal(schedule(unique(), { ...body, name: "x" }))).toEqual({ status: 400, errorCode: "DAPR_SCHEDULER_JOB_NAME" });
    });

    // What `npm run check` refuses (kinds/job-schedule.ts) the scheduler refuses too, and the
    // runtime reads this answer as refused for good (serve/jobs.ts), which stops start-up.
    it.each(["1m", "0 * * * *", "0 61 * * * *"])("refuses the schedule %s with 500 'job failed validation'", async (bad) => {
      const refused = await fails(schedule(unique(), { ...body, schedule: bad }));
      expect(refused).toMatchObject({ status: 500, errorCode: "DAPR_SCHEDULER_SCHEDULE_JOB" });
      expect(refused.message).toMatch(/job failed validation/);
    });

    it("deletes with 204, a job that does not exist too", async () => {
      const name = unique();
      await schedule(name, body);
      expect((await remove(name)).status).toBe(204);
      expect((await remove(name)).status).toBe(204);
    });
  });
}
