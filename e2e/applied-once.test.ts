// Effects applied once on the redis profile (state.redis, whose transactions are not atomic, and
// the lock.redis lock store), on real daprd: 20 concurrent deliveries of one message id apply once;
// a multi-key delivery whose transaction keeps conflicting is never acknowledged without its writes;
// a value that is not an applied-record ("garbage") is not trusted. The counts are printed.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { type Server, startRedis } from "./servers.ts";

// Each application of a message adds 1 to its tally (written with the ETag read, so concurrent
// applications serialize rather than overwrite each other): a tally of 2 is a message applied twice.
const onTally = `import { defineHandler, saveState, state, topic } from "daprlet";
import * as v from "valibot";

export const onTally = defineHandler({
  trigger: topic("pubsub", "tally"),
  schema: v.object({ key: v.string(), slowMs: v.optional(v.number()) }),
  inputs: ({ data }) => ({ tally: state("statestore", \`tally-\${data.key}\`) }),
  handle: async ({ data }, { tally }) => {
    if (data.slowMs) await new Promise((r) => setTimeout(r, data.slowMs));
    const count = ((tally.value as { count?: number } | undefined)?.count ?? 0) + 1;
    return [saveState("statestore", \`tally-\${data.key}\`, { count }, { etag: tally.etag })];
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
  const tally = (await stack.getState("tally-k1")) as { count: number };
  console.log(
    `[applied-once] 20 concurrent deliveries of one message: ${applied} applied, ${lines.length - applied - busy} duplicates, ${busy} RETRY while locked; effects counted: ${tally.count}`,
  );
  expect({ applied, effects: tally.count }).toEqual({ applied: 1, effects: 1 });
}, 90_000);

it("never acknowledges a conflicting multi-key delivery without its writes", async () => {
  const id = "move-1";
  const first = await deliverDirect("onMove", "moves", id, { key: "m1", stale: true });
  expect(first).toMatchObject({ status: "RETRY", reason: expect.stringMatching(/^conflict: 3 attempts/) });
  // state.redis applied the other op of the transaction (no rollback), but no applied-record was written.
  expect(await stack.getState("from-m1")).toEqual({ moved: true });
  expect(await stack.getState("to-m1")).toBeUndefined();
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
  const save = await stack.dapr("/v1.0/state/statestore", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ key: `daprlet-applied-onTally-${id}`, value: "garbage" }]),
  });
  expect(save.status).toBe(204);
  expect(await deliverDirect("onTally", "tally", id, { key: "g1" })).toEqual({ status: "SUCCESS" });
  expect(await stack.getState("tally-g1")).toEqual({ count: 1 });
  expect(await stack.getState(`daprlet-applied-onTally-${id}`)).toMatchObject({ appliedAt: expect.any(String) });
  // Now it is one: the same message again is a duplicate.
  expect(await deliverDirect("onTally", "tally", id, { key: "g1" })).toEqual({ status: "SUCCESS" });
  expect(await stack.getState("tally-g1")).toEqual({ count: 1 });
});
