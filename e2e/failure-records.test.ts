// The failure record behind a dead-letter handler's `failure` lives in the state store: a dead
// letter handled by another replica, or by the same app after a restart, still says why its
// message died. Two stacks of the fixture app (same app id) on one Redis compete for messages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { type Server, startRedis } from "./servers.ts";

let redis: Server;
const stacks: Stack[] = [];
const onRedis = (dir: string) => {
  setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redis.port}`);
  setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redis.port}`);
};
beforeAll(async () => {
  redis = await startRedis();
  stacks.push(...(await Promise.all([0, 1].map(() => startStack({ profiles: ["redis"], prepare: onRedis })))));
}, 180_000);
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
  redis?.stop();
});

const publish = (stack: Stack, topic: string, data: unknown, id: string) =>
  stack.dapr(`/v1.0/publish/pubsub/${topic}?metadata.cloudevent.id=${id}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(data),
  });
const replicaOf = (path: string, id: string) => stacks.findIndex((s) => s.deliveries(path).some((d) => d.body?.includes(`"id":"${id}"`)));
const reason = "handler threw: Error: always fails";

describe("dead-letter reasons with two replicas", () => {
  it("are the original handler's wherever the dead letter lands", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `two-${i}`);
    for (const [i, id] of ids.entries()) expect((await publish(stacks[i % 2], "always-fails", { n: i }, id)).status).toBe(204);
    // Each message: 1 + 10 attempts 1 s apart on the replica that took it, then orders-dead, taken by either.
    const dead = await Promise.all(
      ids.map((id) => waitFor(`the dead letter of ${id}`, () => stacks[0].getState(`deadletter-${id}`), 90_000)),
    );
    const placement = ids.map((id) => ({
      id,
      failed: replicaOf("/events/onAlwaysFails", id),
      deadLettered: replicaOf("/events/onOrderDeadLettered", id),
    }));
    const across = placement.filter((p) => p.failed !== p.deadLettered).length;
    const reasons = dead.map((d) => (d as { reason: string }).reason);
    console.log(
      `[failure-records] ${ids.length} dead letters: ${across} handled by the other replica, ${ids.length - across} by the same one; reasons ${JSON.stringify(
        Object.fromEntries([...new Set(reasons)].map((r) => [r, reasons.filter((x) => x === r).length])),
      )}`,
    );
    for (const [i, d] of dead.entries()) expect(d).toEqual({ id: ids[i], topic: "always-fails", data: { n: i }, reason, attempts: 11 });
    expect(across).toBeGreaterThan(0);
    expect(across).toBeLessThan(ids.length);
  }, 180_000);
});
