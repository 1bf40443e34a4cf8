import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { defineHandler, saveState, topic } from "../index.ts";
import { cloudEvent } from "../testing/builders.ts";
import { testApp } from "../testing/run.ts";
import { createDrain } from "./drain.ts";

describe("graceful drain", () => {
  const applied: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const onSlow = defineHandler({
    trigger: topic("pubsub", "slow"),
    schema: v.object({ n: v.number() }),
    handle: async ({ id }) => {
      await gate;
      return [saveState("statestore", `slow-${id}`, true)];
    },
  });
  const app = testApp({ onSlow }, { sidecar: async (effect) => void applied.push(effect.kind === "saveState" ? effect.key : effect.kind) });

  it("finishes what is in flight, effects included, and answers 503 (Connection: close) to anything new", async () => {
    const drain = createDrain();
    const fetch = drain.wrap(app.fetch);
    const send = (id: string) => {
      const d = cloudEvent(onSlow, { n: 1 }, { id });
      return fetch(new Request("http://app/events/onSlow", { method: "POST", headers: d.headers, body: d.body }));
    };
    const inFlight = [send("a"), send("b")];
    await new Promise((r) => setTimeout(r, 10));
    expect(drain.inFlight).toBe(2);
    const drained = drain.start(5_000);
    const late = await send("c");
    expect({ status: late.status, connection: late.headers.get("connection") }).toEqual({ status: 503, connection: "close" });
    const health = await fetch(new Request("http://app/healthz"));
    expect(health.status).toBe(503); // daprd marks the app unhealthy and stops delivering
    release();
    expect(await drained).toBe(0);
    expect(await Promise.all(inFlight.map(async (r) => (await r).json()))).toEqual([{ status: "SUCCESS" }, { status: "SUCCESS" }]);
    expect(applied.sort()).toEqual(["slow-a", "slow-b"]);
  });

  it("gives up after the timeout, saying how many were left", async () => {
    const drain = createDrain();
    const never = drain.wrap((_: Request) => new Promise<Response>(() => {}));
    void never(new Request("http://app/x"));
    expect(await drain.start(50)).toBe(1);
  });
});
