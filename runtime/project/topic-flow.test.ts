import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { describeHandler } from "../descriptor.ts";
import { defineHandler, topic } from "../index.ts";
import { topicFlowWarnings } from "./topic-flow.ts";

const onOrders = describeHandler(
  "onOrders",
  defineHandler({ trigger: topic("pubsub", "orders", { deadLetterTopic: "orders-dead" }), schema: v.unknown(), handle: () => [] }),
  "handlers/onOrders.ts",
);
const onDead = describeHandler(
  "onDead",
  defineHandler({ trigger: topic("pubsub", "orders-dead"), schema: v.unknown(), handle: () => [] }),
  "handlers/onDead.ts",
);
const source = (text: string) => ({ file: "handlers/createOrder.ts", text });

describe("topicFlowWarnings", () => {
  it("says nothing when every subscription is published to (a dead letter by daprd) and every publish is subscribed or declared", () => {
    const text = `publish("pubsub", "orders", o); publish("pubsub", ok ? "audit" : "orders", o)`;
    expect(topicFlowWarnings([{ handlers: [onOrders, onDead], sources: [source(text)] }], `pubsub: { "audit": unknown }`)).toEqual([]);
  });

  it("warns of a publish nobody subscribes to, and of a subscription nobody publishes to", () => {
    expect(topicFlowWarnings([{ handlers: [onOrders, onDead], sources: [source(`publish("pubsub", "order", o)`)] }], "")).toEqual([
      'handlers/createOrder.ts publishes to pubsub/order, which no app in dapr.yaml subscribes to: fix the topic, or declare it for an outside subscriber in ExternalTopics (docs/components.md, "Typed names")',
      "handlers/onOrders.ts subscribes to pubsub/orders, which no handler of the project publishes to: an outside publisher may (ignore this if so)",
    ]);
  });
});
