// Scheduling jobs at start, against the fake sidecar's Jobs API (daprd's answers pinned from 1.18.2).
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { job } from "../kinds/job.ts";
import { createFakeSidecar } from "../testing/fake-sidecar.ts";
import { describeRefusals, jobTriggerBody, type ScheduleOptions, scheduledJobsKey, scheduleJobs } from "./jobs.ts";
import { createSidecarClient } from "./sidecar.ts";

const sidecar = createFakeSidecar({ port: 3597 });
const disabled = createFakeSidecar({ port: 3596, scheduler: false });
const server = setupServer(...sidecar.handlers, ...disabled.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const report = job("report", { schedule: "0 30 * * * *", data: { report: "daily" }, failurePolicy: { drop: {} } });
const tick = job("tick", { schedule: "@every 1s" });
const once = job("once", { dueTime: "10s", repeats: 1, ttl: "1h" });

function run(jobs: ScheduleOptions["jobs"], o: Partial<ScheduleOptions> = {}) {
  const lines: string[] = [];
  const result = scheduleJobs({
    client: sidecar.client,
    appId: "order-service",
    jobs,
    backoffMs: () => 1,
    log: (l) => lines.push(l),
    ...o,
  });
  return result.then((r) => ({ ...r, lines }));
}

describe("scheduling the handlers' jobs", () => {
  it("reports a job the scheduler refuses as refused, naming the handler file (start-up then stops)", async () => {
    const bad = job("bad", { schedule: "1m" as never });
    const result = await run([bad]);
    expect(result.refused).toEqual([{ name: "bad", reason: expect.stringMatching(/job failed validation: schedule "1m" is a duration/) }]);
    const handler = { name: "onBad", file: "handlers/onBad.ts", trigger: bad, route: "/job/bad" } as never;
    expect(describeRefusals(result.refused, [handler])).toMatch(
      /^\[daprlet\] ✗ start-up failed: fix the job's schedule and start again\n {2}- handlers\/onBad.ts: the scheduler refused job bad: sidecar answered 500/,
    );
  });

  it("always sends data ({} when none is declared) and overwrite: true", () => {
    expect(jobTriggerBody(tick)).toEqual({ schedule: "@every 1s", data: {}, overwrite: true });
    expect(jobTriggerBody(report)).toEqual({
      schedule: "0 30 * * * *",
      data: { report: "daily" },
      overwrite: true,
      failurePolicy: { drop: {} },
    });
    expect(jobTriggerBody(once)).toEqual({ dueTime: "10s", repeats: 1, ttl: "1h", data: {}, overwrite: true });
  });

  it("schedules each job, logs it, and upserts on the next start", async () => {
    const first = await run([report, tick]);
    expect(first).toMatchObject({ scheduled: ["report", "tick"], refused: [], deleted: [] });
    expect(first.lines).toEqual([
      "[daprlet] job report scheduled (0 30 * * * *) → POST /job/report",
      "[daprlet] job tick scheduled (@every 1s) → POST /job/tick",
    ]);
    expect(sidecar.jobs.get("report")).toEqual({
      name: "report",
      schedule: "0 30 * * * *",
      data: { report: "daily" },
      failurePolicy: { drop: {} },
    });
    expect((await run([report, tick])).scheduled).toEqual(["report", "tick"]);
  });

  it("retries while daprd or its scheduler do not answer, logging the failure once", async () => {
    sidecar.fail({ operation: "scheduleJob", status: 500, errorCode: "DAPR_SCHEDULER_SCHEDULE_JOB", times: 3 });
    const result = await run([tick]);
    expect(result.scheduled).toEqual(["tick"]);
    expect(result.lines.filter((l) => /failed/.test(l))).toEqual([
      "[daprlet] scheduling job tick failed (sidecar answered 500 DAPR_SCHEDULER_SCHEDULE_JOB: injected failure of scheduleJob); retrying until daprd and its scheduler accept it",
    ]);
    // Not reached at all (daprd not up yet) is retried too.
    const unreachable = await run([tick], { client: createSidecarClient({ port: 1, timeoutMs: 200 }), timeoutMs: 50, backoffMs: () => 20 });
    expect(unreachable).toMatchObject({ scheduled: [], gaveUp: expect.stringMatching(/sidecar unreachable/) });
    expect(unreachable.lines.at(-1)).toMatch(/^\[daprlet\] ✗ gave up scheduling jobs tick after 0 s: sidecar unreachable/);
  });

  it("stops at once, with one loud line, when daprd runs without a scheduler", async () => {
    const result = await run([report, tick], { client: disabled.client });
    expect(result).toMatchObject({ scheduled: [], gaveUp: expect.stringMatching(/scheduler clients are disabled/) });
    expect(result.lines).toEqual([
      "[daprlet] ✗ jobs report, tick not scheduled: daprd runs without a scheduler (no --scheduler-host-address). `npm start` runs one; on Kubernetes Dapr's control plane does",
    ]);
  });

  it("does not retry a job daprd refuses for good, and schedules the others", async () => {
    const bad = job("bad", { schedule: "@every 1s" });
    sidecar.fail({ operation: "scheduleJob", status: 400, errorCode: "DAPR_SCHEDULER_SCHEDULE_EMPTY" });
    const result = await run([bad, tick]);
    expect(result).toMatchObject({ scheduled: ["tick"], refused: [{ name: "bad", reason: expect.stringMatching(/400/) }] });
  });

  it("deletes the jobs it scheduled before that no handler declares any more, keeping the list in state", async () => {
    await run([report, tick]);
    expect(sidecar.get("statestore", scheduledJobsKey("order-service"))).toEqual(["report", "tick"]);
    const result = await run([report]);
    expect(result.deleted).toEqual(["tick"]);
    expect(result.lines).toContain("[daprlet] job tick deleted: no handler declares it any more");
    expect([...sidecar.jobs.keys()]).toEqual(["report"]);
    expect(sidecar.get("statestore", scheduledJobsKey("order-service"))).toEqual(["report"]);
    // The last job handler removed: its job goes too.
    expect((await run([])).deleted).toEqual(["report"]);
    expect(sidecar.jobs.size).toBe(0);
  });

  it("keeps a job it could not delete on the list, and carries on without a state store", async () => {
    await run([report, tick]);
    sidecar.fail({ operation: "deleteJob", status: 500, errorCode: "DAPR_SCHEDULER_DELETE_JOB" });
    const result = await run([report]);
    expect(result.deleted).toEqual([]);
    expect(sidecar.get("statestore", scheduledJobsKey("order-service"))).toEqual(["report", "tick"]);
    const storeless = await run([report], { store: "nostore" });
    expect(storeless.scheduled).toEqual(["report"]);
    expect(storeless.lines.at(-1)).toMatch(
      /^\[daprlet\] ! could not read nostore\/daprlet-jobs-order-service .*jobs removed from handlers\/ are not deleted$/,
    );
  });
});
