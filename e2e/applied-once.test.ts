// Effects applied once on the redis profile (state.redis, whose transactions are not atomic, and
// the lock.redis lock store), on real daprd: 20 concurrent deliveries of one message id apply once;
// a multi-key delivery whose transaction keeps conflicting is never acknowledged without its writes;
// a value that is not an applied-record ("garbage") is not trusted. The counts are printed.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { type Server, startRedis } from "./servers.ts";

// Each application of a message writes a mark of its own (a fresh key), so the marks count the
// applications whatever else races: 2 marks is a message applied twice.
const onTally = `import { randomUUID } from "node:crypto";
import { defineHandler, saveState, topic } from "daprlet";
import * as v from "valibot";

export const onTally = defineHandler({
  trigger: topic("pubsub", "tally"),
  schema: v.object({ key: v.string(), slowMs: v.optional(v.number()) }),
  handle: async ({ data }) => {
    if (data.slowMs) await new Promise((r) => setTimeout(r, data.slowMs));
    return [saveState("statestore", \`mark-\${data.key}-\${randomUUID()}\`, { at: Date.now() })];
  },
});
`;
// Writes two keys in one transaction; with \`stale\` the second carries an ETag that never matches.
const onMove = `import { defineHandler, saveState, state, topic } from "daprlet";
import * as v from "valibot";

export const onMove = defineHandler({
  trigger: topic("pubsub", "moves"),
  schema: v.object({ key: v.string(), stale: v.boolean() }),
  inputs: ({ data }) => ({ to: state("statestore", \`to-\${data.key}\`) }),
  handle: ({ data }, { to }) => [
    saveState("statestore", \`from-\${data.key}\`, { moved: true }),
    saveState("statestore", \`to-\${data.key}\`, { arrived: true }, { etag: data.stale ? "999999" : to.etag }),
  ],
});
`;

let redis: Server;
let stack: Stack;
beforeAll(async () => {
  redis = await startRedis();
  stack = await startStack({
    profiles: ["redis"],
    handlers: { onTally, onMove },
    // A delivery that keeps conflicting gives up after 3 attempts instead of 10.
    env: { DAPRLET_CONFLICT_ATTEMPTS: "3" },
    prepare: (dir) => {
      setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redis.port}`);
      setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redis.port}`);
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  redis?.stop();
});

/** A CloudEvent as daprd delivers it, POSTed to the app's route directly: the app's answer and status. */
async function deliverDirect(route: string, topic: string, id: string, data: unknown) {
  const res = await fetch(`http://127.0.0.1:${stack.appPort}/events/${route}`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "e2e", type: "com.dapr.event.sent", topic, pubsubname: "pubsub", data }),
  });
  return (await res.json()) as { status: string; reason?: string };
}

/** How many marks (applications) of `key` Redis holds (daprd prefixes keys with the app id). */
const marks = (key: string) =>
  execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(redis.port), "--raw", "KEYS", `*||mark-${key}-*`], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean).length;

/** Writes a key through daprd's state API, as another writer would. */
async function saveRaw(key: string, value: unknown) {
  const res = await stack.dapr("/v1.0/state/statestore", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ key, value }]),
  });
  expect(res.status).toBe(204);
}

/** The delivery log's lines for one message id and handler. */
const logged = (handler: string, id: string) =>
  stack
    .logs()
    .split("\n")
    .filter((l) => l.includes(`"messageId":"${id}"`) && l.includes(`"handler":"${handler}"`))
    .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { outcome: string; duplicate?: boolean; reason?: string });

it("applies 20 concurrent deliveries of one message id once", async () => {
  const id = "same-message-1";
  // 20 publishes with one CloudEvent id: Redis delivers them in parallel (10 workers), each
  // handled for 300 ms, so they overlap; those that find the message locked answer RETRY and
  // daprd's inbound retry brings them back, to find its record.
  await Promise.all(
    Array.from({ length: 20 }, () =>
      stack.dapr(`/v1.0/publish/pubsub/tally?metadata.cloudevent.id=${id}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key: "k1", slowMs: 300 }),
      }),
    ),
  );
  const lines = await waitFor(
    "20 deliveries acknowledged",
    () => {
      const all = logged("onTally", id);
      return all.filter((l) => l.outcome === "SUCCESS").length >= 20 ? all : undefined;
    },
    60_000,
  );
  const applied = lines.filter((l) => l.outcome === "SUCCESS" && !l.duplicate).length;
  const busy = lines.filter((l) => l.outcome === "RETRY").length;
  const effects = marks("k1");
  console.log(
    `[applied-once] 20 concurrent deliveries of one message: ${applied} applied, ${lines.length - applied - busy} duplicates, ${busy} RETRY while locked; effects counted: ${effects}`,
  );
  expect({ applied, effects }).toEqual({ applied: 1, effects: 1 });
}, 90_000);

it("never acknowledges a conflicting multi-key delivery without its writes", async () => {
  const id = "move-1";
  // state.redis checks an ETag only against a key that exists.
  await saveRaw("to-m1", { start: true });
  const first = await deliverDirect("onMove", "moves", id, { key: "m1", stale: true });
  expect(first).toMatchObject({ status: "RETRY", reason: expect.stringMatching(/^conflict: 3 attempts/) });
  // state.redis applied the other op of the transaction (no rollback), but no applied-record was written.
  expect(await stack.getState("from-m1")).toEqual({ moved: true });
  expect(await stack.getState("to-m1")).toEqual({ start: true });
  expect(await stack.getState(`daprlet-applied-onMove-${id}`)).toBeUndefined();
  // Redelivered (the conflict is gone): handled, not taken for a duplicate, and its writes land.
  const again = await deliverDirect("onMove", "moves", id, { key: "m1", stale: false });
  expect(again).toEqual({ status: "SUCCESS" });
  expect(await stack.getState("to-m1")).toEqual({ arrived: true });
  expect(logged("onMove", id).map((l) => [l.outcome, l.duplicate ?? false])).toEqual([
    ["RETRY", false],
    ["SUCCESS", false],
  ]);
  console.log("[applied-once] conflicting multi-key delivery: RETRY without a record, then applied with its writes");
});

it("does not trust an applied-record that is not one", async () => {
  const id = "garbage-1";
  await saveRaw(`daprlet-applied-onTally-${id}`, "garbage");
  expect(await deliverDirect("onTally", "tally", id, { key: "g1" })).toEqual({ status: "SUCCESS" });
  expect(marks("g1")).toBe(1);
  expect(await stack.getState(`daprlet-applied-onTally-${id}`)).toMatchObject({ appliedAt: expect.any(String) });
  // Now it is one: the same message again is a duplicate.
  expect(await deliverDirect("onTally", "tally", id, { key: "g1" })).toEqual({ status: "SUCCESS" });
  expect(marks("g1")).toBe(1);
});
