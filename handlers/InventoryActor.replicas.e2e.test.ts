// The inventory actor on the Redis profile with two replicas of the app (two daprds, two app
// processes, one placement, one scheduler, one Redis), as Kubernetes runs them: placement gives
// each sku to one replica, calls through either daprd reach it, and killing a replica moves its
// skus to the other with their state.
import { afterAll, beforeAll, expect, it } from "vitest";
import { projectRoot, type Stack, setMetadata, startStack, waitFor } from "../e2e/harness.ts";
import { type Server, startPlacement, startRedis, startScheduler } from "../e2e/servers.ts";

const servers: Server[] = [];
let replicas: Stack[] = [];
beforeAll(async () => {
  const [redis, placement, scheduler] = await Promise.all([startRedis(), startPlacement(), startScheduler()]);
  servers.push(redis, placement, scheduler);
  const start = () =>
    startStack({
      project: projectRoot,
      profiles: ["redis"],
      placementAddress: placement.address,
      schedulerAddress: scheduler.address,
      prepare: (dir) => {
        setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redis.port}`);
        setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redis.port}`);
      },
    });
  replicas = [await start(), await start()];
}, 240_000);
afterAll(async () => {
  for (const r of replicas) await r.stop();
  for (const s of servers) s.stop();
});

const call = async (via: Stack, id: string, method: string, body?: unknown) => {
  const res = await via.dapr(`/v1.0/actors/InventoryActor/${id}/method/${method}`, {
    method: "PUT",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};
/** Which replicas' apps ran calls of an actor id (from their recordings). */
const hostsOf = (id: string) =>
  replicas
    .map((r, i) => ({ i, n: r.deliveries(`/actors/InventoryActor/${id}/method/reserve`).length }))
    .filter((h) => h.n > 0)
    .map((h) => h.i);

const skus = Array.from({ length: 8 }, (_, i) => `sku-${i}`);

it("100 concurrent reserves through both daprds of 50 units: exactly 50 reserved, all 200, on Redis", async () => {
  // Both daprds see both hosts in their placement table before any call is routed.
  await waitFor("both replicas in placement", async () => {
    const counts = await Promise.all(
      replicas.map(
        async (r) =>
          ((await (await r.dapr("/v1.0/metadata")).json()) as { actorRuntime?: { hostReady?: boolean } }).actorRuntime?.hostReady,
      ),
    );
    return counts.every(Boolean) || undefined;
  });
  expect((await call(replicas[0], "sku-race", "setStock", { available: 50 })).body).toEqual({
    sku: "sku-race",
    available: 50,
    reserved: 0,
  });
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => call(replicas[i % 2], "sku-race", "reserve", { order: `o-${i}`, quantity: 1 })),
  );
  expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
  expect(results.filter((r) => r.body.reserved === true)).toHaveLength(50);
  expect((await call(replicas[1], "sku-race", "get")).body).toEqual({
    sku: "sku-race",
    available: 0,
    reserved: 50,
    holds: Object.fromEntries(results.flatMap((r, i) => (r.body.reserved ? [[`o-${i}`, 1]] : []))),
  });
  // One replica ran every call of the id: it was never active on both.
  expect(hostsOf("sku-race")).toHaveLength(1);
});

it("spreads actor ids over both replicas, each id on one, and moves them when a replica dies", async () => {
  for (const sku of skus) await call(replicas[0], sku, "setStock", { available: 10 });
  await Promise.all(skus.flatMap((sku) => replicas.map((via, r) => call(via, sku, "reserve", { order: `o-${sku}-${r}`, quantity: 1 }))));
  const hosts = skus.map(hostsOf);
  // Each id ran on exactly one replica; with 8 ids both replicas host some (placement hashes ids).
  expect(hosts.every((h) => h.length === 1)).toBe(true);
  expect(new Set(hosts.flat()).size).toBe(2);

  const [survivor, dead] = [replicas[0], replicas[1]];
  await dead.crash();
  const moved = skus.filter((_, i) => hosts[i][0] === 1);
  // Placement notices the dead host after its keepalive timeout; until then calls to its ids fail.
  // Every retry names the same order, so one that failed after reserving cannot reserve twice.
  for (const sku of moved)
    await waitFor(
      `${sku} to move to the survivor`,
      async () => ((await call(survivor, sku, "reserve", { order: `o-${sku}-moved`, quantity: 1 })).status === 200 ? true : undefined),
      60_000,
    );
  for (const sku of skus)
    expect((await call(survivor, sku, "get")).body).toEqual({
      sku,
      available: moved.includes(sku) ? 7 : 8,
      reserved: moved.includes(sku) ? 3 : 2,
      holds: { [`o-${sku}-0`]: 1, [`o-${sku}-1`]: 1, ...(moved.includes(sku) ? { [`o-${sku}-moved`]: 1 } : {}) },
    });
}, 120_000);
