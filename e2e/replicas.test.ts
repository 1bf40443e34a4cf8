// Two replicas of one app id (two daprd + two app processes) on one Redis, as Kubernetes runs
// them: competing consumers share the messages and apply each once; one replica dying mid-stream
// (SIGKILL of its daprd and app) loses nothing, its in-flight messages reclaimed by the other.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { type Server, startRedis } from "./servers.ts";

let redis: Server;
let replicas: Stack[] = [];
beforeAll(async () => {
  redis = await startRedis();
  const start = () =>
    startStack({
      profiles: ["redis"],
      // A dead replica's per-message locks live the deadline + 5 s: shorter than the 10 s
      // processingTimeout below, so the messages the living replica reclaims find them gone.
      env: { DAPRLET_DEADLINE_MS: "4000" },
      prepare: (dir) => {
        setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redis.port}`);
        setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redis.port}`);
        // A dead replica's pending messages are claimed by the living after this long idle
        // (production keeps the shipped 60 s; the test does not need to wait that long).
        setMetadata(dir, "redis/pubsub.yaml", "processingTimeout", "10000");
        setMetadata(dir, "redis/pubsub.yaml", "redeliverInterval", "2000");
      },
    });
  replicas = [await start(), await start()];
}, 240_000);
afterAll(async () => {
  for (const r of replicas) await r.stop();
  redis?.stop();
});

/** Publishes `n` orders `<prefix>-<i>` through `via`, 20 at a time; calls `midway` after half. */
async function stream(via: () => Stack, prefix: string, n: number, midway?: () => Promise<void>) {
  for (let i = 0; i < n; i += 20) {
    if (midway && i === n / 2) await midway();
    await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, (_, k) =>
        via().dapr(`/v1.0/publish/pubsub/orders?metadata.cloudevent.id=${prefix}-${i + k}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ orderId: `${prefix}-${i + k}`, amount: 1 }),
        }),
      ),
    );
  }
}

/** What each replica's delivery log says about messages `<prefix>-*`: applied (SUCCESS, not a duplicate) per message id. */
function applied(prefix: string) {
  const perReplica = replicas.map((r) => {
    const lines = r
      .logs()
      .split("\n")
      .filter((l) => l.includes(`"messageId":"${prefix}-`) && l.includes('"handler":"onOrderCreated"'))
      .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { messageId: string; outcome: string; duplicate?: boolean });
    return lines.filter((l) => l.outcome === "SUCCESS" && !l.duplicate).map((l) => l.messageId);
  });
  const counts = new Map<string, number>();
  for (const id of perReplica.flat()) counts.set(id, (counts.get(id) ?? 0) + 1);
  return { perReplica: perReplica.map((ids) => ids.length), counts };
}

const processed = async (prefix: string, n: number, via: Stack) => {
  const keys = Array.from({ length: n }, (_, i) => `processed-${prefix}-${i}`);
  const res = await via.dapr("/v1.0/state/statestore/bulk", { method: "POST", body: JSON.stringify({ keys }) });
  const items = (await res.json()) as { key: string; data?: unknown }[];
  return items.filter((i) => i.data !== undefined).length;
};

it("shares 1,000 messages between the replicas and applies each one once", async () => {
  await stream(() => replicas[0], "share", 1000);
  await waitFor("all 1,000 processed", async () => (await processed("share", 1000, replicas[0])) === 1000, 120_000);
  const { perReplica, counts } = await waitFor("both logs", () => {
    const a = applied("share");
    return a.counts.size === 1000 ? a : undefined;
  });
  const twice = [...counts.values()].filter((c) => c > 1).length;
  console.log(`[replicas] 1,000 messages: replica 1 applied ${perReplica[0]}, replica 2 ${perReplica[1]}; applied twice: ${twice}`);
  expect(perReplica[0]).toBeGreaterThan(0);
  expect(perReplica[1]).toBeGreaterThan(0);
  expect(twice).toBe(0);
});

it("loses nothing when one replica dies mid-stream (SIGKILL of its daprd and app)", async () => {
  await stream(
    () => replicas[0],
    "kill",
    1000,
    async () => {
      await replicas[1].crash();
      console.log("[replicas] replica 2 killed after 500 of 1,000 messages");
    },
  );
  const done = await waitFor(
    "all 1,000 processed by the survivor",
    async () => {
      const n = await processed("kill", 1000, replicas[0]);
      return n === 1000 ? n : undefined;
    },
    180_000,
  ).catch(async (error) => {
    console.log(`[replicas] processed ${await processed("kill", 1000, replicas[0])} of 1,000`);
    throw error;
  });
  const { perReplica, counts } = applied("kill");
  const lost = 1000 - done;
  console.log(
    `[replicas] after the kill: lost ${lost}; applied by replica 1: ${perReplica[0]}, by replica 2 before it died: ${perReplica[1]}; ids applied twice: ${[...counts.values()].filter((c) => c > 1).length}`,
  );
  expect(lost).toBe(0);
});
