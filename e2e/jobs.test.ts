// Dapr jobs on a real daprd and scheduler: the runtime schedules the fixture's jobs at start, the
// scheduler fires them at POST /job/<name>, a thrown handler is retried by the job's failure
// policy and a success is not; with two replicas of one app id a job fires once per tick in all,
// while the cron binding fires on every replica. Counts, not latencies: the machine is shared.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { type Server, startRedis, startScheduler } from "./servers.ts";

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const stop of cleanup.reverse()) await stop();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const handlers = {
  // Fires once (dueTime) and always throws: its failure policy retries it twice, then gives up.
  onFailingJob: `import * as v from "valibot";
import { defineHandler, job } from "daprlet";
export const onFailingJob = defineHandler({
  trigger: job("failing", { dueTime: "1s", data: { n: 1 }, failurePolicy: { constant: { interval: "1s", maxRetries: 2 } } }),
  schema: v.object({ n: v.number() }),
  handle: () => { throw new Error("always fails"); },
});
`,
  // No failure policy: daprd's default (constant 1 s × 3 retries).
  onFailingDefaultJob: `import * as v from "valibot";
import { defineHandler, job } from "daprlet";
export const onFailingDefaultJob = defineHandler({
  trigger: job("failing-default", { dueTime: "1s" }),
  schema: v.object({}),
  handle: () => { throw new Error("always fails"); },
});
`,
  // Fires once and succeeds: delivered once, never again.
  onOnceJob: `import * as v from "valibot";
import { defineHandler, job, saveState } from "daprlet";
export const onOnceJob = defineHandler({
  trigger: job("once", { dueTime: "1s", data: { at: "start" } }),
  schema: v.object({ at: v.string() }),
  handle: ({ data }) => [saveState("statestore", "job-once", data)],
});
`,
};

describe("jobs on one replica", () => {
  let stack: Stack;
  beforeAll(async () => {
    const scheduler = await startScheduler();
    cleanup.push(scheduler.stop);
    stack = await startStack({ schedulerAddress: scheduler.address, handlers });
    cleanup.push(stack.stop);
  });

  it("schedules the fixture's job at start (data and schedule as declared) and its firings' effects land", async () => {
    await waitFor("the app to log the job as scheduled", () => /job report scheduled \(@every 1s\)/.test(stack.logs()), 60_000);
    const stored = await (await stack.dapr("/v1.0/jobs/report")).json();
    expect(stored).toMatchObject({ name: "report", schedule: "@every 1s", data: { value: { report: "daily" } } });
    expect(await waitFor("onReportJob to store its data", () => stack.getState("job-report"), 30_000)).toEqual({ report: "daily" });
    await waitFor("a few firings", () => stack.deliveries("/job/report").length >= 3, 30_000);
  });

  it("retries a thrown handler by the job's failure policy (and daprd's default), and never a success", async () => {
    // Each attempt answers 500; the policies' retries are 1 s apart, so 10 s is plenty after the last.
    await waitFor("the failing jobs' retries", () => stack.deliveries("/job/failing").length >= 3, 60_000);
    await waitFor("the default policy's retries", () => stack.deliveries("/job/failing-default").length >= 4, 60_000);
    await waitFor("the once job", () => stack.getState("job-once"), 30_000);
    await sleep(10_000);
    const counts = {
      failing: stack.deliveries("/job/failing").length,
      failingDefault: stack.deliveries("/job/failing-default").length,
      once: stack.deliveries("/job/once").length,
    };
    console.log(
      `[jobs] deliveries: failing (constant 1s × 2 retries) ${counts.failing}, failing-default (daprd's default) ${counts.failingDefault}, once (succeeds) ${counts.once}`,
    );
    expect(counts).toEqual({ failing: 3, failingDefault: 4, once: 1 });
    expect(stack.logs()).toMatch(/handler threw: Error: always fails/);
  });
  it("fires a job a handler scheduled (dueTime 3s) once, replaced not doubled when scheduled again; a deleted one never", async () => {
    // The fixture's scheduleReminder / cancelReminder schedule and delete reminder-<id>; onReminder serves the family.
    const call = (method: string, id: string, body?: unknown) =>
      stack.dapr(`/v1.0/invoke/order-service/method/reminders/${id}`, {
        method,
        ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
    expect((await call("POST", "fires", { note: "first" })).status).toBe(202);
    expect((await call("POST", "fires", { note: "again" })).status).toBe(202);
    expect((await call("POST", "cancelled", { note: "never" })).status).toBe(202);
    expect((await call("DELETE", "cancelled")).status).toBe(204);
    const stored = (await waitFor("reminder-fires to fire", () => stack.getState("reminded-fires"), 30_000)) as Record<string, string>;
    await sleep(5_000); // a second firing, or the deleted job, would arrive now
    const counts = { fires: stack.deliveries("/job/reminder-fires").length, cancelled: stack.deliveries("/job/reminder-cancelled").length };
    const [delivery] = stack.deliveries("/job/reminder-fires");
    console.log(
      `[jobs] scheduled by a handler: ${JSON.stringify(counts)}; delivery headers ${Object.keys(delivery.headers).sort().join(", ")}`,
    );
    expect(counts).toEqual({ fires: 1, cancelled: 0 });
    expect(stored).toMatchObject({ note: "again", job: "reminder-fires", dueAt: expect.any(String), firedAt: expect.any(String) });
    // The scheduler is never early; daprd's delivery carries the data and no time of its own (no such header).
    expect(Date.parse(stored.firedAt)).toBeGreaterThanOrEqual(Date.parse(stored.dueAt));
    expect(Object.keys(delivery.headers).filter((h) => /time|date|schedule|due|tick/i.test(h))).toEqual([]);
    expect(JSON.parse(delivery.body ?? "")).toEqual({ daprlet: { dueAt: stored.dueAt }, data: { note: "again" } });
  });
});

describe("two replicas of one app id, one scheduler", () => {
  let redisServer: Server;
  const stacks: Stack[] = [];
  beforeAll(async () => {
    const scheduler = await startScheduler();
    cleanup.push(scheduler.stop);
    redisServer = await startRedis();
    cleanup.push(redisServer.stop);
    const prepare = (dir: string) => {
      setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redisServer.port}`);
      setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redisServer.port}`);
      setMetadata(dir, "common/cron.yaml", "schedule", "@every 1s");
    };
    // One after the other: two daprd starting at once on two shared cores is slow enough already.
    for (let i = 0; i < 2; i++) {
      const stack = await startStack({ profiles: ["redis"], prepare, schedulerAddress: scheduler.address });
      cleanup.push(stack.stop);
      stacks.push(stack);
    }
  });

  const count = (path: string) => stacks.map((s) => s.deliveries(path).length);

  it("competes for pub/sub messages: daprd's Redis consumer group is the app id, and each message reaches one replica", async () => {
    const messages = 20;
    for (let i = 0; i < messages; i++) {
      const res = await stacks[i % 2].dapr(`/v1.0/publish/pubsub/orders?metadata.cloudevent.id=replicas-${i}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId: `replicas-${i}`, amount: 1 }),
      });
      expect(res.status).toBe(204);
    }
    const redis = (...args: string[]) => execFileSync("redis-cli", ["-p", String(redisServer.port), ...args], { encoding: "utf8" });
    await waitFor("every message handled", () => count("/events/onOrderCreated").reduce((a, b) => a + b) >= messages, 60_000);
    await sleep(2_000); // a duplicate would arrive now
    const handled = count("/events/onOrderCreated");
    // components-contrib's pubsub.redis uses consumerID (default: the app id) as the group AND the
    // consumer name: both replicas read as one consumer "order-service", and XREADGROUP hands each
    // new entry to one of them.
    const groups = redis("XINFO", "GROUPS", "orders");
    const consumers = redis("XINFO", "CONSUMERS", "orders", "order-service");
    console.log(
      `[replicas] ${messages} messages on "orders": replica 1 handled ${handled[0]}, replica 2 ${handled[1]}; Redis consumer group ${JSON.stringify(groups.split("\n")[1])}, consumers ${JSON.stringify(consumers.split("\n").filter((_, i, l) => l[i - 1] === "name"))}`,
    );
    expect(groups).toMatch(/^name\norder-service$/m);
    expect(handled[0] + handled[1]).toBe(messages);
    expect(handled.every((n) => n > 0)).toBe(true);
  });

  it("fires a job at @every 1s once per tick across both replicas, while the cron binding fires on each", async () => {
    // Both apps have scheduled the job (each upserts it at start) and both daprd deliver cron.
    for (const s of stacks) await waitFor("the job scheduled", () => /job report scheduled/.test(s.logs()), 60_000);
    await waitFor("cron on both replicas", () => count("/cron").every((n) => n > 0), 30_000);
    await waitFor("the job firing", () => count("/job/report").some((n) => n > 0), 30_000);
    const window = 10_000;
    const jobBefore = count("/job/report");
    const cronBefore = count("/cron");
    await sleep(window);
    const job = count("/job/report").map((n, i) => n - jobBefore[i]);
    const cron = count("/cron").map((n, i) => n - cronBefore[i]);
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    console.log(
      `[replicas] over ${window / 1000} s: job "report" (@every 1s) fired ${total(job)} times in all (replica 1: ${job[0]}, replica 2: ${job[1]}); cron binding (@every 1s) fired ${total(cron)} times (replica 1: ${cron[0]}, replica 2: ${cron[1]})`,
    );
    // Once per tick: about 10 in all, never about 20. A loaded machine may deliver late, never twice.
    expect(total(job)).toBeGreaterThanOrEqual(5);
    expect(total(job)).toBeLessThanOrEqual(window / 1000 + 2);
    // The cron binding: each replica fires on its own schedule, so the total is about twice the ticks.
    expect(cron[0]).toBeGreaterThanOrEqual(5);
    expect(cron[1]).toBeGreaterThanOrEqual(5);
    expect(total(cron)).toBeGreaterThan(total(job) + 3);
  });
});
