import { cloudEvent, runHandler, topicEvent } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onOrderCreated } from "./onOrderCreated.ts";

describe("onOrderCreated", () => {
  it("records the processed order with the event's id and publish time", async () => {
    const event = topicEvent({ orderId: "o-1", amount: 42 }, { id: "evt-1", time: "2026-03-01T12:00:00Z" });
    expect(await onOrderCreated.handle(event)).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "processed-o-1",
        value: { orderId: "o-1", amount: 42, eventId: "evt-1", publishedAt: "2026-03-01T12:00:00Z" },
      },
    ]);
  });

  it("answers SUCCESS for a CloudEvent daprd delivers", async () => {
    const result = await runHandler(onOrderCreated, cloudEvent(onOrderCreated, { orderId: "o-2", amount: 1 }, { id: "evt-2" }));
    expect(result.answer).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(result.effects).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "processed-o-2",
        value: { orderId: "o-2", amount: 1, eventId: "evt-2", publishedAt: "2026-01-01T00:00:00Z" },
      },
    ]);
  });

  it("answers DROP, so daprd dead-letters it, when the order does not match the schema", async () => {
    const result = await runHandler(onOrderCreated, cloudEvent(onOrderCreated, { orderId: "o-3", amount: "5" as never }));
    expect({ answer: result.answer, effects: result.effects }).toEqual({
      answer: {
        status: 200,
        body: { status: "DROP", reason: 'schema validation failed: amount: Invalid type: Expected number but received "5"' },
      },
      effects: [],
    });
  });

  it("dead-letters to orders-dead", () => {
    expect(onOrderCreated.trigger).toEqual({ kind: "topic", pubsub: "pubsub", topic: "orders", deadLetterTopic: "orders-dead" });
  });
});
