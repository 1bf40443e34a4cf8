import { describe, expect, it } from "vitest";
import { dueAt, goDuration, scheduleProblem, timingProblems } from "./job-schedule.ts";

describe("job schedules as the scheduler reads them", () => {
  it.each(["0 30 * * * *", "*/5 * * * * *", "0 0 2 * * MON-FRI", "0 0 0 1 JAN *", "@every 1m30s", "@daily", "TZ=Europe/Paris 0 0 9 * * *"])(
    "accepts %s",
    (s) => expect(scheduleProblem(s)).toBeUndefined(),
  );

  it.each([
    ["1m", 'schedule "1m" is a duration, not a schedule: write "@every 1m" (or dueTime: "1m" to fire once)'],
    ["0 * * * *", 'schedule "0 * * * *" has 5 fields: Dapr\'s cron has 6, seconds first: "0 0 * * * *"'],
    ["0 61 * * * *", 'schedule "0 61 * * * *": minute "61" is not in 0-59'],
    ["@every 1d", 'schedule "@every 1d": "1d" is not a Go duration (e.g. "@every 30s", "@every 1h30m")'],
    ["@often", 'schedule "@often" is not one of @yearly, @monthly, @weekly, @daily, @hourly or "@every <duration>"'],
  ])("refuses %s, saying what to write", (s, why) => expect(scheduleProblem(s)).toBe(why));

  it("checks due times, ttl, repeats and the failure policy's interval, all at once", () => {
    expect(timingProblems({ dueTime: "1d", ttl: "soon", repeats: 0, failurePolicy: { constant: { interval: "5" } } })).toEqual([
      'dueTime "1d" is neither a Go duration ("30s", "1h30m"; no "d": use "24h"), an RFC3339 time ("2026-01-01T00:00:00Z") nor an ISO8601 duration ("PT30M")',
      'ttl "soon" is neither a Go duration ("30s", "1h30m"; no "d": use "24h"), an RFC3339 time ("2026-01-01T00:00:00Z") nor an ISO8601 duration ("PT30M")',
      "repeats 0: use a whole number ≥ 1",
      'failurePolicy interval "5" is not a Go duration (e.g. "5s")',
    ]);
    expect(timingProblems({ dueTime: "PT30M" })).toEqual([]);
    expect(timingProblems({})).toEqual(["it needs a schedule or a dueTime (daprd refuses a job with neither)"]);
  });

  it("knows when a one-shot job is due: a Go duration from now, or an RFC3339 time; not an ISO8601 duration", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(dueAt("30m", now)).toBe("2026-01-01T00:30:00.000Z");
    expect(dueAt("2026-02-01T10:00:00+01:00", now)).toBe("2026-02-01T09:00:00.000Z");
    expect(dueAt("PT30M", now)).toBeUndefined();
  });
});

describe("goDuration", () => {
  it.each([
    ["1s", 1],
    ["500ms", 0.5],
    ["1m30s", 90],
    ["1.5h", 5400],
    ["250us", 0.00025],
    ["10ns", 1e-8],
  ])("reads %s as %d s", (text, seconds) => expect(goDuration(text)).toBeCloseTo(seconds, 12));

  it.each([undefined, "", "5", "1 s", "1d", "s", "1m-30s"])("is undefined for %s, which is no Go duration", (text) =>
    expect(goDuration(text)).toBeUndefined(),
  );
});
