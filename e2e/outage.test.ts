// No loss when the app is down for 10 s or 60 s in the middle of a stream on Redis pub/sub, and
// none when it is stopped with SIGTERM: every message's effect lands exactly once, on the topic
// and on its dead-letter topic. Counted per message id; the counts are printed.
import { appendFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, setMetadata, startStack } from "./harness.ts";
import { type Server, startRedis } from "./servers.ts";

// Each effect counts its own applications: a message applied twice shows count 2, one lost shows 0.
const onStream = `import { defineHandler, saveState, state, topic } from "daprlet";
import * as v from "valibot";

export const onStream = defineHandler({
  trigger: topic("pubsub", "stream", { deadLetterTopic: "stream-dead" }),
  schema: v.object({ n: v.number(), poison: v.optional(v.boolean()), slowMs: v.optional(v.number()) }),
  inputs: ({ data }) => ({ seen: state("statestore", \`stream-\${data.n}\`) }),
  handle: async ({ data }, { seen }) => {
    if (data.poison) throw new Error("poison message");
    if (data.slowMs) await new Promise((r) => setTimeout(r, data.slowMs));
    const before = (seen.value as { count?: number } | undefined)?.count ?? 0;
    return [saveState("statestore", \`stream-\${data.n}\`, { count: before + 1 })];
  },
});
`;
const onStreamDead = `import { defineHandler, saveState, state, topic } from "daprlet";
import * as v from "valibot";

export const onStreamDead = defineHandler({
  trigger: topic("pubsub", "stream-dead"),
  schema: v.object({ n: v.number() }),
  inputs: ({ data }) => ({ seen: state("statestore", \`stream-dead-\${data.n}\`) }),
  handle: ({ data, failure }, { seen }) => {
    const before = (seen.value as { count?: number } | undefined)?.count ?? 0;
    return [saveState("statestore", \`stream-dead-\${data.n}\`, { count: before + 1, reason: failure?.reason ?? "unknown" })];
  },
});
`;

let redis: Server;
let stack: Stack;
beforeAll(async () => {
  redis = await startRedis();
  stack = await startStack({
    profiles: ["redis"],
    handlers: { onStream, onStreamDead },
    prepare: (dir) => {
      setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redis.port}`);
      setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redis.port}`);
    },
  });
}, 120_000);
afterAll(async () => {
  if (process.env.DAPRLET_E2E_PROGRESS && stack) writeFileSync(`${process.env.DAPRLET_E2E_PROGRESS}.stack`, stack.logs());
  await stack?.stop();
  redis?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Progress while a long test runs (vitest shows console output only at the end): DAPRLET_E2E_PROGRESS=<file>.
const progress = (line: string) => {
  if (process.env.DAPRLET_E2E_PROGRESS) appendFileSync(process.env.DAPRLET_E2E_PROGRESS, `${new Date().toISOString()} ${line}\n`);
};

/** Publishes through daprd until it accepts (it stays up while the app is down). */
async function publish(n: number, data: Record<string, unknown>) {
  // (the stream publishes one message at a time, so a slow publish slows the stream, never reorders it)
  for (let tries = 0; ; tries++) {
    const res = await stack.dapr(`/v1.0/publish/pubsub/stream?metadata.cloudevent.id=msg-${n}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ n, ...data }),
    });
    if (res.status === 204) return;
    if (tries > 20) throw new Error(`publish of ${n} answered ${res.status}: ${await res.text()}`);
    await sleep(250);
  }
}

async function bulkGet(keys: string[]): Promise<Map<string, { count: number; reason?: string }>> {
  const res = await stack.dapr("/v1.0/state/statestore/bulk", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ keys, parallelism: 10 }),
  });
  const items = (await res.json()) as { key: string; data?: { count: number; reason?: string } }[];
  return new Map(items.filter((i) => i.data).map((i) => [i.key, i.data as { count: number; reason?: string }]));
}

interface Counts {
  messages: number;
  poison: number;
  appliedOnce: number;
  deadLetteredOnce: number;
  lost: number[];
  duplicated: number[];
  reasons: Record<string, number>;
}

/** For each message: its effect (or, for poison, its dead-letter effect) applied exactly once? */
async function count(ns: number[], isPoison: (n: number) => boolean): Promise<Counts> {
  const counts: Counts = { messages: ns.length, poison: 0, appliedOnce: 0, deadLetteredOnce: 0, lost: [], duplicated: [], reasons: {} };
  const found = await bulkGet(ns.map((n) => (isPoison(n) ? `stream-dead-${n}` : `stream-${n}`)));
  for (const n of ns) {
    const record = found.get(isPoison(n) ? `stream-dead-${n}` : `stream-${n}`);
    if (isPoison(n)) counts.poison++;
    if (!record) counts.lost.push(n);
    else if (record.count > 1) counts.duplicated.push(n);
    else if (isPoison(n)) {
      counts.deadLetteredOnce++;
      counts.reasons[record.reason ?? "?"] = (counts.reasons[record.reason ?? "?"] ?? 0) + 1;
    } else counts.appliedOnce++;
  }
  return counts;
}

/**
 * A steady stream of `total` messages, one every `everyMs`; `disrupt` runs when message `at` is
 * published (without holding up the stream). Every 20th message is poison: its handler always
 * throws, so it is retried for the whole window and dead-lettered, and its dead-letter effect counts.
 */
async function stream(
  first: number,
  total: number,
  everyMs: number,
  at: number,
  disrupt: () => Promise<void>,
  data: (n: number) => Record<string, unknown> = () => ({}),
) {
  const ns = Array.from({ length: total }, (_, i) => first + i);
  const isPoison = (n: number) => n % 20 === 7;
  let disruption: Promise<void> | undefined;
  const started = Date.now();
  for (const n of ns) {
    if (n === first + at) disruption = disrupt();
    if ((n - first) % 50 === 0) progress(`published ${n - first}/${total}`);
    await publish(n, isPoison(n) ? { poison: true } : data(n));
    await sleep(Math.max(0, started + (n - first + 1) * everyMs - Date.now()));
  }
  progress("published all");
  await disruption;
  progress("disruption over");
  // Held messages come back when the app does, pending ones after the component's processingTimeout (60 s).
  for (const deadline = Date.now() + 200_000; Date.now() < deadline; await sleep(2_000)) {
    const c = await count(ns, isPoison);
    progress(`waiting: ${c.lost.length} not yet applied`);
    if (c.lost.length === 0) break;
  }
  await sleep(3000); // a late duplicate would show now
  return count(ns, isPoison);
}

const report = (label: string, c: Counts, extra = "") =>
  console.log(
    `[outage] ${label}: ${c.messages} messages (${c.poison} poison), applied once ${c.appliedOnce}, dead-lettered once ${c.deadLetteredOnce}, ` +
      `lost ${c.lost.length}${c.lost.length ? ` ${JSON.stringify(c.lost)}` : ""}, applied twice ${c.duplicated.length}${c.duplicated.length ? ` ${JSON.stringify(c.duplicated)}` : ""}; ` +
      `dead-letter reasons ${JSON.stringify(c.reasons)}${extra}`,
  );

describe("app outages on Redis pub/sub, with the shipped resiliency and health-check settings", () => {
  for (const [label, first, total, outageMs] of [
    ["10 s outage", 1000, 150, 10_000],
    ["60 s outage", 2000, 400, 60_000],
  ] as const) {
    it(`loses nothing when the app is SIGKILLed mid-stream and restarted after ${outageMs / 1000} s`, async () => {
      const started = Date.now();
      const counts = await stream(first, total, 200, 40, async () => {
        await stack.killApp("SIGKILL");
        await sleep(outageMs);
        stack.restartApp();
      });
      report(label, counts, `; took ${Math.round((Date.now() - started) / 1000)} s`);
      expect({ lost: counts.lost, duplicated: counts.duplicated }).toEqual({ lost: [], duplicated: [] });
      expect(counts.reasons).toEqual({ "handler threw: Error: poison message": counts.poison });
    }, 420_000);
  }
});

describe("SIGTERM under a steady stream", () => {
  it("drains: the app exits 0 within daprd's 5 s graceful-shutdown window, and nothing is lost or acknowledged without its effect", async () => {
    const started = Date.now();
    let exit: { code: number | null; signal: string | null; ms: number } | undefined;
    // Every message takes 400 ms in its handler, so several are in flight when SIGTERM arrives.
    const slow = (n: number) => ({ n, slowMs: 400 });
    const counts = await stream(
      3000,
      150,
      100,
      60,
      async () => {
        const t = Date.now();
        const exited = await stack.killApp("SIGTERM");
        exit = { ...exited, ms: Date.now() - t };
        await sleep(2_000);
        stack.restartApp();
      },
      slow,
    );
    const drained = /\[daprlet\] SIGTERM: draining (\d+) request/.exec(stack.logs())?.[1];
    report(
      "SIGTERM",
      counts,
      `; ${drained} request(s) in flight at SIGTERM, exit ${JSON.stringify(exit)}; took ${Math.round((Date.now() - started) / 1000)} s`,
    );
    expect(exit).toMatchObject({ code: 0 });
    expect(exit?.ms).toBeLessThan(5_000);
    expect({ lost: counts.lost, duplicated: counts.duplicated }).toEqual({ lost: [], duplicated: [] });
  }, 420_000);
});
