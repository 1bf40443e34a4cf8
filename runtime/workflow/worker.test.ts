// Activities run through the pipeline: effects before completion, applied once per call, DROP final.
import { setupServer } from "msw/node";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { activity, defineHandler, drop, reply, saveState, state } from "../index.ts";
import { createFakeSidecar } from "../testing/fake-sidecar.ts";
import { runActivity } from "../testing/workflow.ts";

const sidecar = createFakeSidecar();
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const take = defineHandler({
  trigger: activity("take"),
  schema: v.object({ n: v.number() }),
  inputs: () => ({ stock: state("statestore", "stock", { schema: v.number() }) }),
  handle: ({ data, instanceId }, { stock }) => {
    if (data.n < 0) return drop("n must not be negative");
    const left = (stock.value ?? 0) - data.n;
    return [saveState("statestore", "stock", left, { etag: stock.etag }), reply(200, { left, instanceId })];
  },
});

describe("activities as handlers", () => {
  it("carries out the effects before completing, with the reply as output", async () => {
    sidecar.seed("statestore", "stock", 10);
    await expect(runActivity(take, { n: 3 }, { client: sidecar.client, instanceId: "i-1" })).resolves.toEqual({
      left: 7,
      instanceId: "i-1",
    });
    expect(sidecar.get("statestore", "stock")).toBe(7);
  });

  it("applies a redelivered call once and completes it with the recorded output", async () => {
    sidecar.seed("statestore", "stock", 10);
    const call = { client: sidecar.client, instanceId: "i-1", taskId: 4 };
    const first = await runActivity(take, { n: 3 }, call);
    const again = await runActivity(take, { n: 3 }, call);
    expect(again).toEqual(first);
    expect(sidecar.get("statestore", "stock")).toBe(7);
    // another call (a retry is a new task id) applies again
    await runActivity(take, { n: 3 }, { ...call, taskId: 6 });
    expect(sidecar.get("statestore", "stock")).toBe(4);
  });

  it("fails a DROP for good and a failed effect for a retry", async () => {
    await expect(runActivity(take, { n: -1 }, { client: sidecar.client })).rejects.toMatchObject({ name: "ActivityDropped" });
    await expect(runActivity(take, { n: "x" }, { client: sidecar.client })).rejects.toMatchObject({
      name: "ActivityDropped",
      message: expect.stringMatching(/schema/),
    });
    sidecar.fail({ operation: "transaction", status: 500 });
    sidecar.fail({ operation: "saveState", status: 500 });
    await expect(runActivity(take, { n: 1 }, { client: sidecar.client, taskId: 9 })).rejects.toMatchObject({ name: "ActivityFailed" });
  });
});
