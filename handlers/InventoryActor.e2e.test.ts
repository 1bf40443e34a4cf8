// The inventory actor end to end on a real daprd with placement and the scheduler (embedded
// profile: actor state in state.sqlite): concurrent reservations serialised by the actor lock
// (no ETag in its code), state that survives stopping and starting daprd and the app, and a
// reminder set before an app restart firing after it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot, type Stack, startStack, waitFor } from "../e2e/harness.ts";
import { type Server, startPlacement, startScheduler } from "../e2e/servers.ts";

// A second actor, only in the test's copy: a reminder it sets delivers to its `ring` method.
const Alarm = `import { defineActor, setReminder } from "daprlet";
import * as v from "valibot";
export const Alarm = defineActor({
  state: v.object({ rang: v.number() }),
  initial: () => ({ rang: 0 }),
  methods: (method) => ({
    arm: method(v.object({ dueTime: v.string() }), (state, { dueTime }) => ({
      reply: "armed",
      effects: [setReminder("ring", { method: "ring", input: { by: 1 }, dueTime })],
    })),
    ring: method(v.object({ by: v.number() }), (state, { by }) => ({ state: { rang: state.rang + by } })),
    get: method((state) => ({ reply: state })),
  }),
});
`;

const servers: Server[] = [];
let stack: Stack;
beforeAll(async () => {
  const [placement, scheduler] = await Promise.all([startPlacement(), startScheduler()]);
  servers.push(placement, scheduler);
  stack = await startStack({
    project: projectRoot,
    handlers: { Alarm },
    placementAddress: placement.address,
    schedulerAddress: scheduler.address,
  });
});
afterAll(async () => {
  await stack?.stop();
  for (const s of servers) s.stop();
});

const call = async (type: string, id: string, method: string, body?: unknown) => {
  const res = await stack.dapr(`/v1.0/actors/${type}/${id}/method/${method}`, {
    method: "PUT",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, error: res.headers.get("x-daprerrorresponseheader"), body: text ? JSON.parse(text) : undefined };
};

describe("InventoryActor through daprd", () => {
  it("daprd hosts the actor types the app lists in GET /dapr/config", async () => {
    const meta = (await (await stack.dapr("/v1.0/metadata")).json()) as { actorRuntime?: { hostReady?: boolean; placement?: string } };
    expect(meta.actorRuntime).toMatchObject({ hostReady: true, placement: "placement: connected" });
  });

  it("100 concurrent reserve {quantity: 1} of 50 units: exactly 50 reserved, all 200", async () => {
    expect(await call("InventoryActor", "sku-race", "setStock", { available: 50 })).toEqual({
      status: 200,
      error: null,
      body: { sku: "sku-race", available: 50, reserved: 0 },
    });
    const results = await Promise.all(Array.from({ length: 100 }, () => call("InventoryActor", "sku-race", "reserve", { quantity: 1 })));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(results.filter((r) => r.body.reserved === true)).toHaveLength(50);
    expect(results.filter((r) => r.body.reserved === false)).toHaveLength(50);
    expect((await call("InventoryActor", "sku-race", "get")).body).toEqual({ sku: "sku-race", available: 0, reserved: 50 });
  });

  it("bad input is 200 with the actor-error header and changes nothing", async () => {
    const bad = await call("InventoryActor", "sku-race", "reserve", { quantity: 0 });
    expect(bad).toMatchObject({ status: 200, error: "true", body: { error: "invalid input" } });
    expect((await call("InventoryActor", "sku-race", "release", { quantity: 5 })).body).toEqual({ available: 5, reserved: 45 });
  });

  it("an unknown method is daprd's 500 ERR_ACTOR_INVOKE_METHOD (the app's 404)", async () => {
    const res = await stack.dapr("/v1.0/actors/InventoryActor/sku-race/method/nope", { method: "PUT" });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { errorCode: string }).errorCode).toBe("ERR_ACTOR_INVOKE_METHOD");
  });

  it("keeps the state when daprd and the app are stopped and started again (state.sqlite)", async () => {
    await stack.restart();
    expect((await call("InventoryActor", "sku-race", "get")).body).toEqual({ sku: "sku-race", available: 5, reserved: 45 });
  });

  it("a reminder set before an app restart fires after it", async () => {
    expect((await call("Alarm", "a-1", "arm", { dueTime: "4s" })).body).toBe("armed");
    await stack.killApp();
    stack.restartApp();
    // daprd keeps the reminder in the scheduler; it is delivered once the app answers again.
    await waitFor("the reminder to ring", async () => ((await call("Alarm", "a-1", "get")).body?.rang === 1 ? true : undefined), 60_000);
  });
});
