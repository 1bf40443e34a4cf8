import { join } from "node:path";
import { ActivityDropped, callActivity, defineWorkflow, type Steps, waitForEvent } from "daprlet";
import { readWorkflowRecording, replayHistory, runWorkflow } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import type { CheckoutOutcome } from "./lib/checkout.ts";
import { OrderWorkflow } from "./OrderWorkflow.ts";

const order = { orderId: "o-1", userId: "u-1", amount: 50, items: [{ sku: "abc", quantity: 2 }] };
const reservation = { orderId: "o-1", items: order.items };
const ok = () => ({ ok: true });
const happy = { validateUser: ok, reserveInventory: ok, releaseInventory: ok, createOrder: () => ({ orderId: "o-1" }) };
const paid = [{ name: "payment-approved", afterSeconds: 5, data: { reference: "p-1" } }];
const run = (input: unknown, script: Parameters<typeof runWorkflow>[3]) => runWorkflow("OrderWorkflow", OrderWorkflow, input, script);

describe("OrderWorkflow", () => {
  it("creates the order once the payment is approved", async () => {
    const r = await run(order, { activities: happy, events: paid });
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toEqual({ orderId: "o-1", status: "created" });
    expect(r.calls.map((c) => c.name)).toEqual(["validateUser", "reserveInventory", "createOrder"]);
    expect(r.elapsedSeconds).toBe(5);
  });

  it("refuses a blocked user and reserves nothing", async () => {
    const r = await run(
      { ...order, userId: "blocked-1" },
      { activities: { ...happy, validateUser: () => ({ ok: false, reason: "blocked" }) } },
    );
    expect(r.output).toEqual({ orderId: "o-1", status: "rejected", reason: "blocked" });
    expect(r.calls.map((c) => c.name)).toEqual(["validateUser"]);
  });

  it("answers out-of-stock when a reservation is refused, releasing nothing (it reserved nothing)", async () => {
    const r = await run(order, { activities: { ...happy, reserveInventory: () => ({ ok: false }) } });
    expect(r.output).toEqual({ orderId: "o-1", status: "out-of-stock" });
    expect(r.calls.map((c) => c.name)).toEqual(["validateUser", "reserveInventory"]);
  });

  it("times out after 30 virtual minutes and releases the reservation, in well under a second", async () => {
    const started = performance.now();
    const r = await run({ ...order, paymentTimeoutSeconds: 1800 }, { activities: happy });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.output).toEqual({ orderId: "o-1", status: "payment-timeout" });
    expect(r.elapsedSeconds).toBe(1800);
    expect(r.calls.map((c) => [c.name, c.atSeconds])).toEqual([
      ["validateUser", 0],
      ["reserveInventory", 0],
      ["releaseInventory", 1800],
    ]);
    expect(r.steps.map((s) => (s.kind === "activity" ? `${s.kind} ${s.name}` : s.kind))).toEqual([
      "activity validateUser",
      "activity reserveInventory",
      "event",
      "compensate",
    ]);
    expect(r.steps[2]).toEqual(waitForEvent("payment-approved", { timeoutSeconds: 1800 }));
    expect(r.steps[1]).toMatchObject({
      input: reservation,
      compensate: { kind: "activity", name: "releaseInventory", input: reservation },
    });
  });

  it("defaults the payment timeout to 60 s", async () => {
    const r = await run(order, { activities: happy });
    expect(r.elapsedSeconds).toBe(60);
  });

  it("retries a failing createOrder on durable timers, then compensates", async () => {
    const r = await run(
      { ...order, amount: 20_000 },
      {
        activities: {
          ...happy,
          createOrder: () => {
            throw new Error("amount over the limit");
          },
        },
        events: paid,
      },
    );
    expect(r.output).toEqual({ orderId: "o-1", status: "failed", compensated: true });
    expect(r.calls.filter((c) => c.name === "createOrder").map((c) => c.atSeconds)).toEqual([5, 6, 8]);
    expect(r.calls.at(-1)).toMatchObject({ name: "releaseInventory", input: reservation });
  });

  it("does not retry an activity's DROP", async () => {
    const r = await run(order, {
      activities: {
        ...happy,
        createOrder: () => {
          throw new ActivityDropped("bad order");
        },
      },
      events: paid,
    });
    expect(r.output).toMatchObject({ status: "failed" });
    expect(r.calls.filter((c) => c.name === "createOrder")).toHaveLength(1);
  });

  it("retries a failing compensation", async () => {
    const r = await run(
      { ...order, paymentTimeoutSeconds: 1 },
      {
        activities: {
          ...happy,
          releaseInventory: (_i, { attempt }) => {
            if (attempt < 3) throw new Error("store down");
            return { ok: true };
          },
        },
      },
    );
    expect(r.output).toMatchObject({ status: "payment-timeout" });
    expect(r.calls.filter((c) => c.name === "releaseInventory").map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  it("releases the reservation and fails when cancelled while waiting for the payment", async () => {
    const r = await run(order, { activities: happy, events: [{ name: "cancel-order", afterSeconds: 20 }] });
    expect([r.status, r.failure?.type]).toEqual(["FAILED", "WorkflowCancelled"]);
    expect(r.calls.map((c) => [c.name, c.atSeconds])).toEqual([
      ["validateUser", 0],
      ["reserveInventory", 0],
      ["releaseInventory", 20],
    ]);
  });

  it("fails an instance whose input fails the schema", async () => {
    const r = await run({ orderId: "o-1" }, { activities: happy });
    expect(r.status).toBe("FAILED");
    expect(r.failure?.message).toMatch(/input fails its schema/);
  });
});

describe("OrderWorkflow's recorded history (daprd 1.18.2, the created outcome)", () => {
  const recording = readWorkflowRecording(join(import.meta.dirname, "../runtime/testing/recordings/workflow-order-created.json"));

  it("replays against the current code", async () => {
    expect(recording.source).toBe("daprd 1.18.2");
    await expect(replayHistory("OrderWorkflow", OrderWorkflow, recording)).resolves.toBeUndefined();
  });

  it("replays the failed outcome too: retries on durable timers, failed tasks, the compensation", async () => {
    const failed = readWorkflowRecording(join(import.meta.dirname, "../runtime/testing/recordings/workflow-order-failed.json"));
    expect(failed.events.filter((e) => e.type === "taskfailed")).toHaveLength(3);
    await expect(replayHistory("OrderWorkflow", OrderWorkflow, failed)).resolves.toBeUndefined();
    // and against code that validates the user twice: its second step is not the history's
    const twice = defineWorkflow({
      ...OrderWorkflow,
      *run(ctx, order): Steps<CheckoutOutcome> {
        yield* callActivity("validateUser", { userId: order.userId });
        return yield* OrderWorkflow.run(ctx, order);
      },
    });
    await expect(replayHistory("OrderWorkflow", twice, failed)).rejects.toThrow(/does not replay/);
  });

  it("catches an incompatible change to the running code", async () => {
    const reordered = defineWorkflow({
      ...OrderWorkflow,
      *run(ctx, order) {
        // reserving before validating: instance o-created's history says otherwise
        yield* callActivity("reserveInventory", { orderId: order.orderId, items: order.items });
        return yield* OrderWorkflow.run(ctx, order);
      },
    });
    await expect(replayHistory("OrderWorkflow", reordered, recording)).rejects.toThrow(/does not replay its history/);
  });

  it("replays under a new version that keeps the old code as a named version", async () => {
    const v2 = defineWorkflow({
      ...OrderWorkflow,
      version: "2",
      versions: { "1": OrderWorkflow.run },
      *run(ctx, order): Steps<CheckoutOutcome> {
        yield* callActivity("fraudCheck", { orderId: order.orderId });
        return yield* OrderWorkflow.run(ctx, order);
      },
    });
    await expect(replayHistory("OrderWorkflow", v2, recording)).resolves.toBeUndefined();
    // new instances run version 2
    const r = await runWorkflow("OrderWorkflow", v2, order, { activities: { ...happy, fraudCheck: ok }, events: paid });
    expect(r.calls.map((c) => c.name)).toEqual(["fraudCheck", "validateUser", "reserveInventory", "createOrder"]);
    await expect(replayHistory("OrderWorkflow", v2, r.history)).resolves.toBeUndefined();
    await expect(replayHistory("OrderWorkflow", OrderWorkflow, r.history)).rejects.toThrow(/version "2"/);
  });
});
