// The inventory actor end to end on a real daprd with placement and the scheduler (embedded
// profile: actor state in state.sqlite): concurrent reservations serialised by the actor lock
// (no ETag in its code), a reservation named by its order taken and given back once, state that
// survives stopping and starting daprd and the app, and a reminder set before an app restart
// firing after it.
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

  // The orders that got a unit in the race below; the tests after it release one of them.
  let held: string[] = [];

  it("100 concurrent reserve {quantity: 1} of 50 units, each for its own order: exactly 50 reserved, all 200", async () => {
    expect(await call("InventoryActor", "sku-race", "setStock", { available: 50 })).toEqual({
      status: 200,
      error: null,
      body: { sku: "sku-race", available: 50, reserved: 0 },
    });
    const orders = Array.from({ length: 100 }, (_, i) => `o-${i}`);
    const results = await Promise.all(orders.map((order) => call("InventoryActor", "sku-race", "reserve", { order, quantity: 1 })));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(results.filter((r) => r.body.reserved === true)).toHaveLength(50);
    expect(results.filter((r) => r.body.reserved === false)).toHaveLength(50);
    held = orders.filter((_, i) => results[i].body.reserved === true);
    expect((await call("InventoryActor", "sku-race", "get")).body).toEqual({
      sku: "sku-race",
      available: 0,
      reserved: 50,
      holds: Object.fromEntries(held.map((order) => [order, 1])),
    });
  });

  it("a reserve of an order already held is a replay: reserved: true, nothing more taken", async () => {
    expect((await call("InventoryActor", "sku-race", "reserve", { order: held[0], quantity: 1 })).body).toEqual({
      reserved: true,
      available: 0,
    });
  });

  it("bad input is 200 with the actor-error header and changes nothing; release gives back exactly the order's hold, once", async () => {
    const bad = await call("InventoryActor", "sku-race", "reserve", { order: "o-bad", quantity: 0 });
    expect(bad).toMatchObject({ status: 200, error: "true", body: { error: "invalid input" } });
    expect((await call("InventoryActor", "sku-race", "release", { order: held[0] })).body).toEqual({ available: 1, reserved: 49 });
    expect((await call("InventoryActor", "sku-race", "release", { order: held[0] })).body).toEqual({ available: 1, reserved: 49 });
    expect((await call("InventoryActor", "sku-race", "release", { order: "o-unknown" })).body).toEqual({ available: 1, reserved: 49 });
  });

  it("an unknown method is daprd's 500 ERR_ACTOR_INVOKE_METHOD (the app's 404)", async () => {
    const res = await stack.dapr("/v1.0/actors/InventoryActor/sku-race/method/nope", { method: "PUT" });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { errorCode: string }).errorCode).toBe("ERR_ACTOR_INVOKE_METHOD");
  });

  it("keeps the state when daprd and the app are stopped and started again (state.sqlite)", async () => {
    await stack.restart();
    expect((await call("InventoryActor", "sku-race", "get")).body).toEqual({
      sku: "sku-race",
      available: 1,
      reserved: 49,
      holds: Object.fromEntries(held.slice(1).map((order) => [order, 1])),
    });
  });

  it("a reminder set before an app restart fires after it", async () => {
    expect((await call("Alarm", "a-1", "arm", { dueTime: "4s" })).body).toBe("armed");
    await stack.killApp();
    stack.restartApp();
    // daprd keeps the reminder in the scheduler; it is delivered once the app answers again.
    await waitFor("the reminder to ring", async () => ((await call("Alarm", "a-1", "get")).body?.rang === 1 ? true : undefined), 60_000);
  });
});
