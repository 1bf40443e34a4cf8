import { cloudEvent, runHandler, topicEvent } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onOrderDeadLettered } from "./onOrderDeadLettered.ts";

describe("onOrderDeadLettered", () => {
  it("keeps the dead letter with the reason and attempts of its last failure", async () => {
    const failure = { reason: "handler threw: Error: database down", attempts: 4 };
    const event = topicEvent({ orderId: "o-1", amount: 42 }, { id: "evt-1", topic: "orders", failure });
    expect(await onOrderDeadLettered.handle(event)).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "deadletter-evt-1",
        value: { id: "evt-1", topic: "orders", data: { orderId: "o-1", amount: 42 }, reason: failure.reason, attempts: 4 },
      },
    ]);
  });

  it("says the reason is unknown when this process never saw the message fail", async () => {
    const event = topicEvent("not an order", { id: "evt-2", topic: "orders" });
    expect(await onOrderDeadLettered.handle(event)).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "deadletter-evt-2",
        value: {
          id: "evt-2",
          topic: "orders",
          data: "not an order",
          reason: "unknown: no failure of this message was seen by this process",
          attempts: 0,
        },
      },
    ]);
  });

  it("accepts any payload, even one that failed the order schema", async () => {
    const result = await runHandler(onOrderDeadLettered, cloudEvent(onOrderDeadLettered, { amount: "ten" }, { id: "evt-3" }));
    expect(result.status).toBe("SUCCESS");
    expect(result.effects).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "deadletter-evt-3",
        value: {
          id: "evt-3",
          topic: "orders-dead",
          data: { amount: "ten" },
          reason: "unknown: no failure of this message was seen by this process",
          attempts: 0,
        },
      },
    ]);
  });
});
