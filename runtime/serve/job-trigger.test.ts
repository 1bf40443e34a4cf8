// The job trigger kind through the runtime's own app and pipeline: what daprd's scheduler is
// answered for each outcome, and what the handler receives.
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { describeHandler } from "../descriptor.ts";
import { defineHandler, drop, invoke, job, retry, saveState } from "../index.ts";
import type { Executor } from "../kinds/effects.ts";
import { jobKind } from "../kinds/job.ts";
import { findConflicts } from "../project/discover.ts";
import { jobEvent, jobRequest } from "../testing/builders.ts";
import { runHandler, testApp } from "../testing/run.ts";

const Report = v.object({ report: v.string() });
const onReport = defineHandler({
  trigger: job("nightly-report", {
    schedule: "0 30 * * * *",
    data: { report: "daily" },
    failurePolicy: { constant: { interval: "5s", maxRetries: 3 } },
  }),
  schema: Report,
  handle: ({ data, job }) => {
    if (data.report === "boom") throw new Error("warehouse down");
    if (data.report === "later") return [retry("not ready")];
    if (data.report === "never") return [drop("report retired")];
    return [saveState("statestore", `report-${job}`, data)];
  },
});
const onTick = defineHandler({
  trigger: job("tick", { schedule: "@every 1s" }),
  schema: v.object({}),
  handle: () => [saveState("statestore", "tick", true)],
});

const calls: Parameters<Executor>[0][] = [];
const recording: Executor = async (effect) => {
  calls.push(effect);
  if (effect.kind === "saveState" && effect.key === "report-broken") throw new Error("sidecar answered 500");
};
const app = testApp({ onReport, onTick }, { sidecar: recording });
const answer = async (res: Response | Promise<Response>) => {
  const r = await res;
  return { status: r.status, body: (await r.json()) as { status?: string; reason?: string } };
};

describe("job deliveries (POST /job/<name>)", () => {
  it("routes a job to /job/<name>, whatever the handler is called", () => {
    expect(describeHandler("onReport", onReport).route).toBe("/job/nightly-report");
  });

  it("answers 200 SUCCESS and carries out the effects, with the job's data and name as the event", async () => {
    calls.length = 0;
    expect(await answer(app.send("onReport", jobRequest(onReport)))).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(calls).toEqual([{ kind: "saveState", store: "statestore", key: "report-nightly-report", value: { report: "daily" } }]);
  });

  it("answers 500 when the handler throws, asks for a retry, or an effect fails: the job's failure policy retries it", async () => {
    expect(await answer(app.send("onReport", jobRequest(onReport, { report: "boom" })))).toEqual({
      status: 500,
      body: { status: "RETRY", reason: "handler threw: Error: warehouse down" },
    });
    expect((await app.send("onReport", jobRequest(onReport, { report: "later" }))).status).toBe(500);
    const broken = defineHandler({ ...onReport, handle: () => [saveState("statestore", "report-broken", 1)] });
    expect((await testApp({ broken }, { sidecar: recording }).send("broken", jobRequest(broken))).status).toBe(500);
  });

  it("answers 200 DROP with the reason for bad data or an explicit drop: a job has no dead letter", async () => {
    expect(await answer(app.send("onReport", jobRequest(onReport, { report: "never" })))).toEqual({
      status: 200,
      body: { status: "DROP", reason: "report retired" },
    });
    const bad = await answer(app.send("onReport", jobRequest(onReport, { report: 7 } as never)));
    expect(bad).toMatchObject({
      status: 200,
      body: { status: "DROP", reason: expect.stringMatching(/^schema validation failed: report/) },
    });
    const malformed = await answer(app.send("onReport", jobRequest(onReport, undefined, { body: "{" })));
    expect(malformed).toMatchObject({ status: 200, body: { status: "DROP" } });
  });

  it("delivers {} for a job declared without data (what the runtime schedules), and an empty body as no data", async () => {
    expect(new TextDecoder().decode(jobRequest(onTick).body)).toBe("{}");
    expect((await runHandler(onTick, jobRequest(onTick))).status).toBe("SUCCESS");
    const empty = await runHandler(onTick, jobRequest(onTick, undefined, { body: "" }));
    expect(empty).toMatchObject({ status: "DROP", reason: expect.stringMatching(/^schema validation failed/) });
  });

  it("runs through runHandler with the same answer as over HTTP", async () => {
    const result = await runHandler(onReport, jobRequest(onReport, { report: "weekly" }));
    expect(result).toMatchObject({ status: "SUCCESS", answer: { status: 200, body: { status: "SUCCESS" } } });
    expect(result.effects).toEqual([saveState("statestore", "report-nightly-report", { report: "weekly" })]);
  });

  it("types the event from the schema, and handle can be called directly with jobEvent", () => {
    expectTypeOf<Parameters<typeof onReport.handle>[0]>().toEqualTypeOf<{
      data: { report: string };
      job: string;
      firedAt: string;
      dueAt?: string;
    }>();
    expect(onReport.handle(jobEvent({ report: "daily" }, { job: "nightly-report" }))).toEqual([
      saveState("statestore", "report-nightly-report", { report: "daily" }),
    ]);
  });

  it("names its span after the job, with dapr.job.name and the answer's status", () => {
    const t = onReport.trigger;
    expect(jobKind.span(t, "/job/nightly-report", { method: "POST", path: "/job/nightly-report" })).toEqual({
      name: "job nightly-report",
      kind: "consumer",
      attributes: {
        "http.request.method": "POST",
        "http.route": "/job/nightly-report",
        "url.path": "/job/nightly-report",
        "messaging.system": "dapr",
        "dapr.job.name": "nightly-report",
      },
    });
    expect(jobKind.answered(t, { status: 500 })).toEqual({ "http.response.status_code": 500 });
    expect(jobKind.describe(t)).toBe("job nightly-report (0 30 * * * *)");
  });

  it("refuses a name that is not one path segment, and a job with neither schedule nor dueTime", () => {
    expect(() => job("a/b", { schedule: "@every 1s" })).toThrow(/job name "a\/b"/);
    // @ts-expect-error: the types ask for a schedule or a dueTime too
    expect(() => job("a", {})).toThrow(/needs a schedule or a dueTime/);
  });

  it("claims its name: two handlers of one job, or an invoked POST /job/<name>, conflict", () => {
    const twin = defineHandler({ ...onTick });
    const route = defineHandler({ trigger: invoke("POST", "/job/tick"), schema: v.unknown(), handle: () => [] });
    const d = (name: string, h: typeof onTick | typeof route) => ({ ...describeHandler(name, h), file: `handlers/${name}.ts` });
    expect(findConflicts([d("onTick", onTick), d("twin", twin), d("route", route)])).toEqual([
      "handlers/onTick.ts and handlers/twin.ts both claim job tick (POST /job/tick): keep one, or give them different triggers",
      "handlers/onTick.ts and handlers/route.ts both claim POST /job/tick: keep one, or give them different triggers",
    ]);
  });
});
