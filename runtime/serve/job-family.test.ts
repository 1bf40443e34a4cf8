// Jobs scheduled by handlers (scheduleJob/deleteJob) and served by a job family, through the
// runtime's own app and the fake sidecar's Jobs API.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { deleteJob, scheduleJob } from "../index.ts";
import { jobFamilyKind } from "../kinds/job-family.ts";
import { jobFamilyEvent, jobRequest } from "../testing/builders.ts";
import { createFakeSidecar } from "../testing/fake-sidecar.ts";
import { cancelReminder } from "../testing/fixture/handlers/cancelReminder.ts";
import { onReminder } from "../testing/fixture/handlers/onReminder.ts";
import { scheduleReminder } from "../testing/fixture/handlers/scheduleReminder.ts";
import { testApp } from "../testing/run.ts";

const sidecar = createFakeSidecar({ port: 3593 });
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const app = testApp({ onReminder, scheduleReminder, cancelReminder }, { client: sidecar.client });
const post = (path: string, body: unknown) =>
  app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("scheduleJob and deleteJob", () => {
  it("schedules <prefix>-<key> through the Jobs API, overwriting, with the data wrapped with when it is due", async () => {
    const before = Date.now();
    expect((await post("/reminders/o-1", { note: "call back" })).status).toBe(202);
    const scheduled = sidecar.jobs.get("reminder-o-1") as { data: { daprlet: { dueAt: string } } };
    expect(scheduled).toMatchObject({
      name: "reminder-o-1",
      dueTime: "3s",
      data: { daprlet: { dueAt: expect.any(String) }, data: { note: "call back" } },
    });
    const dueAt = Date.parse(scheduled.data.daprlet.dueAt);
    expect(dueAt).toBeGreaterThanOrEqual(before + 3000);
    expect(dueAt).toBeLessThan(Date.now() + 3000 + 1);
  });

  it("replaces the job when the same event comes again, never schedules a second one", async () => {
    await post("/reminders/o-1", { note: "first" });
    await post("/reminders/o-1", { note: "again" });
    expect([...sidecar.jobs.keys()]).toEqual(["reminder-o-1"]);
    expect(sidecar.jobs.get("reminder-o-1")?.data).toMatchObject({ data: { note: "again" } });
  });

  it("deletes the job; deleting one that is gone is no error", async () => {
    await post("/reminders/o-2", { note: "x" });
    expect((await app.request("/reminders/o-2", { method: "DELETE" })).status).toBe(204);
    expect(sidecar.jobs.has("reminder-o-2")).toBe(false);
    expect((await app.request("/reminders/o-2", { method: "DELETE" })).status).toBe(204);
  });

  it("are plain data a test compares, named by the family's prefix and the key", () => {
    expect(scheduleJob(onReminder, "o-1", { dueTime: "30m", data: { note: "n" } })).toEqual({
      kind: "scheduleJob",
      name: "reminder-o-1",
      dueTime: "30m",
      data: { note: "n" },
    });
    expect(deleteJob(onReminder, "o-1")).toEqual({ kind: "deleteJob", name: "reminder-o-1" });
    expect(deleteJob("nightly")).toEqual({ kind: "deleteJob", name: "nightly" });
  });

  it("refuses a key that is not part of one path segment, naming the family", () => {
    expect(() => scheduleJob(onReminder, "a/b", { dueTime: "1s", data: { note: "" } })).toThrow(/job key "a\/b" for family reminder/);
    expect(() => deleteJob(onReminder, "a b")).toThrow(/job key "a b"/);
  });

  it("types the data by the family handler's schema, and the timing by Dapr's formats", () => {
    // @ts-expect-error: note must be a string (onReminder's schema)
    scheduleJob(onReminder, "k", { dueTime: "1s", data: { note: 1 } });
    // @ts-expect-error: a 5-field cron (Dapr's has seconds first)
    scheduleJob("j", { schedule: "0 * * * *" });
    // @ts-expect-error: "1d" is no Go duration
    scheduleJob("j", { dueTime: "1d" });
    // @ts-expect-error: neither schedule nor dueTime
    scheduleJob("j", { data: 1 });
    expectTypeOf(scheduleJob("j", { schedule: "@every 1m30s" })).toMatchTypeOf<{ kind: "scheduleJob" }>();
    expectTypeOf(scheduleJob("j", { dueTime: "2026-01-01T00:00:00Z" })).toMatchTypeOf<{ kind: "scheduleJob" }>();
  });
});

describe("a job family's deliveries (POST /job/<prefix>-<key>)", () => {
  it("hands the handler the data, the key, the job's name, when it was due and when it fired", async () => {
    const res = await app.send("onReminder", jobRequest(onReminder, { note: "n" }, { key: "o-1", dueAt: "2026-01-01T00:00:03.000Z" }));
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(sidecar.get("statestore", "reminded-o-1")).toEqual({
      note: "n",
      job: "reminder-o-1",
      dueAt: "2026-01-01T00:00:03.000Z",
      firedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("fires what scheduleJob scheduled, as daprd would: the handler sees the due time the runtime recorded", async () => {
    await post("/reminders/o-3", { note: "later" });
    const { dueAt } = (sidecar.jobs.get("reminder-o-3") as { data: { daprlet: { dueAt: string } } }).data.daprlet;
    expect((await app.send("onReminder", sidecar.fire("reminder-o-3"))).status).toBe(200);
    expect(sidecar.get("statestore", "reminded-o-3")).toMatchObject({ note: "later", dueAt });
  });

  it("serves only <prefix>-<something>: the bare prefix and other names are 404", async () => {
    expect((await post("/job/reminder", {})).status).toBe(404);
    expect((await post("/job/reminder-", {})).status).toBe(404);
    expect((await post("/job/reminders-x", {})).status).toBe(404);
  });

  it("reads a job scheduled by someone else (plain data, no wrapper) as its data", async () => {
    await post("/job/reminder-cli", { note: "from the dapr CLI" });
    expect(sidecar.get("statestore", "reminded-cli")).toMatchObject({ note: "from the dapr CLI", job: "reminder-cli" });
  });

  it("answers 200 DROP when the data fails the schema (a job has no dead letter)", async () => {
    const res = await post("/job/reminder-bad", { daprlet: {}, data: { note: 5 } });
    expect(await res.json()).toMatchObject({ status: "DROP" });
  });

  it("types the event, and handle can be called directly with jobFamilyEvent", () => {
    expectTypeOf<Parameters<typeof onReminder.handle>[0]>().toMatchTypeOf<{ data: { note: string }; key: string; firedAt: string }>();
    const event = jobFamilyEvent(onReminder, "o-9", { note: "n" });
    expect(onReminder.handle(event)).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "reminded-o-9",
        value: { note: "n", job: "reminder-o-9", dueAt: undefined, firedAt: event.firedAt },
      },
    ]);
  });

  it("describes itself and claims its prefix", () => {
    const t = onReminder.trigger;
    expect(jobFamilyKind.describe(t)).toBe("job family reminder-*");
    expect(jobFamilyKind.route(t, "onReminder")).toBe("/job/reminder-:key");
    expect(jobFamilyKind.span(t, "/job/reminder-:key", { method: "POST", path: "/job/reminder-o-1" }).attributes).toMatchObject({
      "dapr.job.name": "reminder-o-1",
    });
  });
});
