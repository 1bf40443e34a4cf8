import { createFakeSidecar, runActivity } from "daprlet/testing";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
  it("reserves every item through InventoryActor", async () => {
    stock({ a: 10, b: 10 });
    await expect(runActivity(reserveInventory, { orderId: "o-1", items }, { client: sidecar.client })).resolves.toEqual({ ok: true });
    expect(calls().sort()).toEqual(['a.reserve {"quantity":2}', 'b.reserve {"quantity":5}']);
  });

  it("releases what it reserved when one item is refused, and says which", async () => {
    stock({ a: 10, b: 1 });
    sidecar.actor("InventoryActor").on("release", { body: {} });
    await expect(runActivity(reserveInventory, { orderId: "o-1", items }, { client: sidecar.client })).resolves.toEqual({
      ok: false,
      short: ["b"],
    });
    expect(calls().filter((c) => c.includes("release"))).toEqual(['a.release {"quantity":2}']);
  });

  it("calls no actor again when daprd redelivers a call it applied", async () => {
    stock({ a: 10, b: 10 });
    const call = { client: sidecar.client, instanceId: "o-1", taskId: 3 };
    await runActivity(reserveInventory, { orderId: "o-1", items }, call);
    await expect(runActivity(reserveInventory, { orderId: "o-1", items }, call)).resolves.toEqual({ ok: true });
    expect(calls()).toHaveLength(2);
  });

  it("releases every item", async () => {
    sidecar.actor("InventoryActor").on("release", { body: {} });
    await expect(runActivity(releaseInventory, { orderId: "o-1", items }, { client: sidecar.client })).resolves.toEqual({ ok: true });
    expect(calls()).toEqual(['a.release {"quantity":2}', 'b.release {"quantity":5}']);
  });
});
