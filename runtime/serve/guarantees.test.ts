// Applied once on a store whose transactions are not atomic (the fake behaving as state.redis),
// with and without a lock store, through the real pipeline.
import { setupServer } from "msw/node";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { describeHandler } from "../descriptor.ts";
import { defineHandler, publish, saveState, state, topic } from "../index.ts";
import { cloudEvent } from "../testing/builders.ts";
import { createFakeSidecar } from "../testing/fake-sidecar.ts";
import { deliver } from "./pipeline.ts";

const redis = createFakeSidecar({ port: 3597, storeTypes: { statestore: "state.redis" }, lockStores: ["lockstore"] });
const unlocked = createFakeSidecar({ port: 3596, storeTypes: { statestore: "state.redis" } });
const server = setupServer(...redis.handlers, ...unlocked.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => {
  redis.reset();
  unlocked.reset();
});
afterAll(() => server.close());

type Fake = typeof redis;
const run = async (fake: Fake, handler: Parameters<typeof cloudEvent>[0], id: string, data: unknown = {}) => {
  const d = describeHandler("handler", handler);
  const delivery = cloudEvent(handler, data, { id });
  const { outcomes } = await deliver(d, { ...delivery, path: d.route }, { execute: fake.execute, client: fake.client });
  return outcomes[0];
};

// Publishes one event per applied delivery: the count of publishes is the count of applies.
const onPaid = defineHandler({
  trigger: topic("pubsub", "paid"),
  schema: v.unknown(),
  handle: ({ id }) => [saveState("statestore", `paid-${id}`, true), publish("pubsub", "receipts", { id })],
});

describe("applied once on state.redis", () => {
  it("applies 20 concurrent deliveries of one message once: the lock holder applies, the rest RETRY or find the record", async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => run(redis, onPaid, "same-1")));
    const applied = outcomes.filter((o) => o.verdict.status === "SUCCESS" && !o.duplicate);
    expect({ applied: applied.length, published: redis.published.length }).toEqual({ applied: 1, published: 1 });
    const others = outcomes.filter((o) => o !== applied[0]);
    expect(others.every((o) => o.duplicate || o.verdict.cause === "busy")).toBe(true);
    expect(redis.locks.length).toBeGreaterThanOrEqual(1);
    // The lock was released: a redelivery gets it and finds the record.
    const again = await run(redis, onPaid, "same-1");
    expect({ status: again.verdict.status, duplicate: again.duplicate, published: redis.published.length }).toEqual({
      status: "SUCCESS",
      duplicate: true,
      published: 1,
    });
  });

  it("without a lock store, warns once that two concurrent deliveries can both apply", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => run(unlocked, onPaid, "same-2")));
    expect(outcomes.every((o) => o.verdict.status === "SUCCESS")).toBe(true);
    expect(warn.mock.calls.filter(([line]) => String(line).includes("no lock store"))).toHaveLength(1);
    warn.mockRestore();
  });

  it("never acknowledges a conflicting multi-key delivery without its writes, and writes its record only after them", async () => {
    let interfere = true;
    const onMove = defineHandler({
      trigger: topic("pubsub", "moves"),
      schema: v.unknown(),
      inputs: () => ({ a: state("statestore", "a") }),
      handle: (_e, { a }) => {
        if (interfere) redis.seed("statestore", "a", { by: "someone else" }); // always first
        return [saveState("statestore", "b", { mine: true }), saveState("statestore", "a", { mine: true }, { etag: a.etag ?? "1" })];
      },
    });
    redis.seed("statestore", "a", { start: true });
    const first = await run(redis, onMove, "move-1");
    expect(first.verdict).toMatchObject({ status: "RETRY", cause: "conflict" });
    // state.redis applied "b" (no rollback) but not "a": no record says the message was applied.
    expect(redis.get("statestore", "b")).toEqual({ mine: true });
    expect(redis.get("statestore", "daprlet-applied-handler-move-1")).toBeUndefined();
    interfere = false;
    const redelivered = await run(redis, onMove, "move-1");
    expect({ status: redelivered.verdict.status, duplicate: redelivered.duplicate, a: redis.get("statestore", "a") }).toEqual({
      status: "SUCCESS",
      duplicate: undefined,
      a: { mine: true },
    });
    expect(redis.get("statestore", "daprlet-applied-handler-move-1")).toEqual({ appliedAt: expect.any(String) });
  });

  it("does not trust a record that is not one: the message is handled and the record replaced", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    redis.seed("statestore", "daprlet-applied-handler-g-1", "garbage");
    const outcome = await run(redis, onPaid, "g-1");
    expect({ status: outcome.verdict.status, duplicate: outcome.duplicate, published: redis.published.length }).toEqual({
      status: "SUCCESS",
      duplicate: undefined,
      published: 1,
    });
    expect(redis.get("statestore", "daprlet-applied-handler-g-1")).toEqual({ appliedAt: expect.any(String) });
    expect(warn.mock.calls.some(([line]) => String(line).includes("is not an applied-record"))).toBe(true);
    warn.mockRestore();
  });

  it("fails closed when the record cannot be read (a handler without inputs): RETRY, nothing applied", async () => {
    redis.fail({ operation: "getState", status: 500, errorCode: "ERR_STATE_GET" });
    const outcome = await run(redis, onPaid, "r-1");
    expect(outcome.verdict).toMatchObject({
      status: "RETRY",
      reason: expect.stringContaining("applied-record of daprlet-applied-handler-r-1"),
    });
    expect({ paid: redis.get("statestore", "paid-r-1"), published: redis.published.length }).toEqual({ paid: undefined, published: 0 });
  });

  it("fails closed when the lock store cannot be asked", async () => {
    redis.fail({ operation: "tryLock", status: 500, errorCode: "ERR_TRY_LOCK" });
    const outcome = await run(redis, onPaid, "l-1");
    expect(outcome.verdict).toMatchObject({ status: "RETRY", reason: expect.stringContaining("ERR_TRY_LOCK") });
    expect(redis.published).toEqual([]);
  });
});
