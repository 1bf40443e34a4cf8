// The interpreter's guarantees, through the offline kit (the SDK's executor, virtual time).
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { runWorkflow } from "../testing/workflow.ts";
import {
  all,
  any,
  callActivity,
  callChild,
  compensate,
  continueAsNew,
  defineWorkflow,
  sleep,
  WorkflowCancelled,
  waitForEvent,
} from "./define.ts";

const Any = v.unknown();

describe("the workflow interpreter", () => {
  it("refuses the clock, random numbers and fetch inside workflow code, naming what to use", async () => {
    for (const [what, body] of [
      ["the clock", () => Date.now()],
      ["the clock", () => new Date()],
      ["Math.random()", () => Math.random()],
      ["fetch()", () => fetch("http://example.invalid")],
    ] as const) {
      const w = defineWorkflow({
        input: Any,
        output: Any,
        *run() {
          yield* sleep(1);
          return body();
        },
      });
      const r = await runWorkflow("W", w, {});
      expect([r.status, r.failure?.type, r.failure?.message]).toEqual(["FAILED", "NondeterministicCall", expect.stringContaining(what)]);
    }
    expect(typeof Date.now()).toBe("number"); // restored
  });

  it("gives the workflow the history's clock", async () => {
    const w = defineWorkflow({
      input: Any,
      output: Any,
      *run(ctx) {
        const before = ctx.now().toISOString();
        yield* sleep(90);
        return [before, ctx.now().toISOString(), new Date(ctx.now()).getTime() > 0];
      },
    });
    const r = await runWorkflow("W", w, {}, { startAt: new Date("2030-01-01T00:00:00Z") });
    expect(r.output).toEqual(["2030-01-01T00:00:00.000Z", "2030-01-01T00:01:30.000Z", true]);
  });

  it("fans out with all() (each branch with its own retries) and takes the first with any()", async () => {
    const w = defineWorkflow({
      input: Any,
      output: Any,
      *run() {
        const both = yield* all([callActivity("a", 1, { retry: { maxAttempts: 2 } }), callActivity("b", 2)]);
        const first = yield* any([sleep(30), waitForEvent("go")]);
        return { both, first };
      },
    });
    const r = await runWorkflow(
      "W",
      w,
      {},
      {
        activities: {
          a: (i, { attempt }) => {
            if (attempt === 1) throw new Error("once");
            return `a${i}`;
          },
          b: (i) => `b${i}`,
        },
        events: [{ name: "go", afterSeconds: 10, data: "now" }],
      },
    );
    expect(r.output).toEqual({ both: ["a1", "b2"], first: { index: 1, value: { received: true, data: "now" } } });
    expect(r.calls.map((c) => [c.name, c.atSeconds])).toEqual([
      ["a", 0],
      ["b", 0],
      ["a", 1],
    ]);
  });

  it("compensates newest first when the workflow throws, then fails", async () => {
    const w = defineWorkflow({
      input: Any,
      output: Any,
      *run() {
        yield* callActivity("one", undefined, { compensate: callActivity("undoOne") });
        yield* callActivity("two", undefined, { compensate: callActivity("undoTwo") });
        throw new Error("later step failed");
      },
    });
    const r = await runWorkflow("W", w, {}, { activities: { one: () => 1, two: () => 2, undoOne: () => 0, undoTwo: () => 0 } });
    expect(r.status).toBe("FAILED");
    expect(r.failure?.message).toMatch(/later step failed/);
    expect(r.calls.map((c) => c.name)).toEqual(["one", "two", "undoTwo", "undoOne"]);
  });

  it("cancels on its cancel event: the current step throws WorkflowCancelled, compensations run, the instance fails", async () => {
    const w = defineWorkflow({
      input: Any,
      output: Any,
      cancelEvent: "cancel",
      *run() {
        yield* callActivity("reserve", undefined, { compensate: callActivity("release", undefined, { retry: { maxAttempts: 3 } }) });
        return yield* waitForEvent("payment");
      },
    });
    const r = await runWorkflow(
      "W",
      w,
      {},
      {
        activities: {
          reserve: () => 1,
          release: (_i, { attempt }) => {
            if (attempt === 1) throw new Error("busy");
            return 0;
          },
        },
        events: [{ name: "cancel", afterSeconds: 10 }],
      },
    );
    expect([r.status, r.failure?.type]).toEqual(["FAILED", "WorkflowCancelled"]);
    expect(r.calls.map((c) => [c.name, c.atSeconds])).toEqual([
      ["reserve", 0],
      ["release", 10],
      ["release", 11],
    ]);
  });

  it("lets a workflow catch its cancellation, compensate and complete", async () => {
    const w = defineWorkflow({
      input: Any,
      output: Any,
      cancelEvent: "cancel",
      *run() {
        yield* callActivity("reserve", undefined, { compensate: callActivity("release") });
        try {
          yield* sleep(3600);
          return { status: "done" };
        } catch (error) {
          if (!(error instanceof WorkflowCancelled)) throw error;
          return { status: "cancelled", undone: yield* compensate() };
        }
      },
    });
    const r = await runWorkflow(
      "W",
      w,
      {},
      { activities: { reserve: () => 1, release: () => 0 }, events: [{ name: "cancel", afterSeconds: 5 }] },
    );
    expect([r.status, r.output, r.elapsedSeconds]).toEqual(["COMPLETED", { status: "cancelled", undone: ["release"] }, 5]);
  });

  it("runs child workflows and continues as new", async () => {
    const child = defineWorkflow({
      input: v.number(),
      output: v.number(),
      *run(_ctx, n) {
        yield* sleep(1);
        return n * 2;
      },
    });
    const loop = defineWorkflow({
      input: v.number(),
      output: Any,
      *run(_ctx, n) {
        const doubled = yield* callChild<number>("Double", n);
        if (n < 3) yield* continueAsNew(n + 1);
        return { n, doubled, compensated: yield* compensate() };
      },
    });
    const r = await runWorkflow("Loop", loop, 1, { children: { Double: child } });
    expect(r.output).toEqual({ n: 3, doubled: 6, compensated: [] });
    expect(r.steps.filter((s) => s.kind === "continueAsNew")).toHaveLength(2);
  });

  it("reports a workflow waiting for an event the script never raises as RUNNING", async () => {
    const w = defineWorkflow({
      input: Any,
      output: Any,
      *run() {
        return yield* waitForEvent("never");
      },
    });
    expect((await runWorkflow("W", w, {})).status).toBe("RUNNING");
  });
});
