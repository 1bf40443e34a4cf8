import { actorCall, createFakeSidecar, runActivity, testApp } from "daprlet/testing";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InventoryActor } from "./InventoryActor.ts";
import { releaseInventory } from "./releaseInventory.ts";
import { reserveInventory } from "./reserveInventory.ts";

const sidecar = createFakeSidecar();
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const items = [
  { sku: "a", quantity: 2 },
  { sku: "b", quantity: 5 },
];
const stock = (available: Record<string, number>) =>
  sidecar.actor("InventoryActor").on("reserve", ({ id, body }) => {
    const quantity = (body as { quantity: number }).quantity;
    const reserved = (available[id] ?? 0) >= quantity;
    return { body: { reserved, available: available[id] } };
  });
const calls = () => sidecar.actorCalls.map((c) => `${c.id}.${c.method} ${JSON.stringify(c.body)}`);

describe("reserveInventory and releaseInventory (workflow activities)", () => {
  it("reserves every item through InventoryActor, for the order", async () => {
    stock({ a: 10, b: 10 });
    await expect(runActivity(reserveInventory, { orderId: "o-1", items }, { client: sidecar.client })).resolves.toEqual({ ok: true });
    expect(calls().sort()).toEqual(['a.reserve {"order":"o-1","quantity":2}', 'b.reserve {"order":"o-1","quantity":5}']);
  });

  it("reserves a sku listed twice once, with the quantities summed (the actor holds one reservation per order)", async () => {
    stock({ a: 10 });
    const twice = [
      { sku: "a", quantity: 2 },
      { sku: "a", quantity: 3 },
    ];
    await expect(runActivity(reserveInventory, { orderId: "o-1", items: twice }, { client: sidecar.client })).resolves.toEqual({
      ok: true,
    });
    expect(calls()).toEqual(['a.reserve {"order":"o-1","quantity":5}']);
  });

  it("releases the order's holds it took when one item is refused, and says which", async () => {
    stock({ a: 10, b: 1 });
    sidecar.actor("InventoryActor").on("release", { body: {} });
    await expect(runActivity(reserveInventory, { orderId: "o-1", items }, { client: sidecar.client })).resolves.toEqual({
      ok: false,
      short: ["b"],
    });
    expect(calls().filter((c) => c.includes("release"))).toEqual(['a.release {"order":"o-1"}']);
  });

  it("calls no actor again when daprd redelivers a call it applied", async () => {
    stock({ a: 10, b: 10 });
    const call = { client: sidecar.client, instanceId: "o-1", taskId: 3 };
    await runActivity(reserveInventory, { orderId: "o-1", items }, call);
    await expect(runActivity(reserveInventory, { orderId: "o-1", items }, call)).resolves.toEqual({ ok: true });
    expect(calls()).toHaveLength(2);
  });

  it("releases the order's hold on every item", async () => {
    sidecar.actor("InventoryActor").on("release", { body: {} });
    await expect(runActivity(releaseInventory, { orderId: "o-1", items }, { client: sidecar.client })).resolves.toEqual({ ok: true });
    expect(calls()).toEqual(['a.release {"order":"o-1"}', 'b.release {"order":"o-1"}']);
  });
});

describe("reserveInventory redelivered after a crash between its actor calls and its applied-record", () => {
  // The actor itself, hosted by the fake sidecar: each reserve reaches InventoryActor's reducer.
  const host = testApp({ InventoryActor }, { client: sidecar.client });
  const actor = (method: string) =>
    sidecar.actor("InventoryActor").on(method, async ({ id, body }) => {
      const res = await host.send(`InventoryActor.${method}`, actorCall("InventoryActor", id, method, body));
      return { status: res.status, body: await res.json() };
    });
  const stockOf = (sku: string) => sidecar.actorState("InventoryActor", sku) as { available: number; holds: Record<string, number> };

  it("reserves once: the actor already holds the order and answers the replay reserved: true", async () => {
    for (const method of ["reserve", "release"]) actor(method);
    sidecar.seedActor("InventoryActor", "a", { available: 10, reserved: 0, holds: {} });
    sidecar.seedActor("InventoryActor", "b", { available: 10, reserved: 0, holds: {} });
    // Two deliveries of one task without the record between them (each a task id of its own, so
    // the second finds no record): what a crash after the actor calls and before the record does.
    await runActivity(reserveInventory, { orderId: "o-1", items }, { client: sidecar.client, instanceId: "o-1", taskId: 3 });
    await expect(
      runActivity(reserveInventory, { orderId: "o-1", items }, { client: sidecar.client, instanceId: "o-1", taskId: 4 }),
    ).resolves.toEqual({ ok: true });
    expect(calls().filter((c) => c.includes("reserve"))).toHaveLength(4);
    expect([stockOf("a"), stockOf("b")]).toEqual([
      { available: 8, reserved: 2, holds: { "o-1": 2 } },
      { available: 5, reserved: 5, holds: { "o-1": 5 } },
    ]);
    // The compensation, delivered twice, gives the stock back once.
    for (const taskId of [7, 8])
      await runActivity(releaseInventory, { orderId: "o-1", items }, { client: sidecar.client, instanceId: "o-1", taskId });
    expect([stockOf("a"), stockOf("b")]).toEqual([
      { available: 10, reserved: 0, holds: {} },
      { available: 10, reserved: 0, holds: {} },
    ]);
  });
});
