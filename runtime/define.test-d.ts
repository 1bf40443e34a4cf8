// Type tests, checked by `tsc --noEmit`: what `defineHandler` infers for a handler's author.
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import {
  type BindingEvent,
  binding,
  defineHandler,
  type FailureRecord,
  invoke,
  type ParamKeys,
  saveState,
  type TopicEvent,
  topic,
} from "./index.ts";

describe("defineHandler", () => {
  it("types event.data as the schema's output, after transforms", () => {
    defineHandler({
      trigger: topic("pubsub", "orders"),
      schema: v.pipe(
        v.object({ amount: v.string() }),
        v.transform((o) => ({ cents: Math.round(Number(o.amount) * 100) })),
      ),
      handle: ({ data }) => {
        expectTypeOf(data).toEqualTypeOf<{ cents: number }>();
      },
    });
  });

  it("keeps the trigger literal", () => {
    const h = defineHandler({ trigger: topic("pubsub", "orders"), schema: v.unknown(), handle: () => [] });
    expectTypeOf(h.trigger.topic).toEqualTypeOf<"orders">();
    expectTypeOf(h.trigger.pubsub).toEqualTypeOf<"pubsub">();
    expectTypeOf(h.trigger.kind).toEqualTypeOf<"topic">();
  });

  it("gives invoked routes their path params as keys", () => {
    expectTypeOf<ParamKeys<"/orders">>().toEqualTypeOf<never>();
    defineHandler({
      trigger: invoke("GET", "/orders/:id/items/:item"),
      schema: v.undefined(),
      handle: ({ params, query }) => {
        expectTypeOf(params).toEqualTypeOf<Record<"id" | "item", string>>();
        expectTypeOf(query).toEqualTypeOf<Record<string, string>>();
      },
    });
  });

  it("gives binding events string metadata and no topic fields", () => {
    defineHandler({
      trigger: binding("cron"),
      schema: v.undefined(),
      handle: (event) => {
        expectTypeOf(event).toEqualTypeOf<BindingEvent<undefined>>();
        expectTypeOf(event.metadata).toEqualTypeOf<Record<string, string>>();
        // @ts-expect-error a binding event has no failure record
        event.failure;
      },
    });
  });

  it("gives topic events an optional failure record", () => {
    expectTypeOf<TopicEvent<unknown>>().toHaveProperty("failure").toEqualTypeOf<FailureRecord | undefined>();
    defineHandler({
      trigger: topic("pubsub", "orders-dead"),
      schema: v.unknown(),
      handle: ({ failure }) => {
        expectTypeOf(failure).toEqualTypeOf<FailureRecord | undefined>();
      },
    });
  });

  it("accepts an effect, a list of effects or nothing, and refuses anything else", () => {
    const trigger = topic("pubsub", "orders");
    defineHandler({ trigger, schema: v.unknown(), handle: () => saveState("statestore", "k", 1) });
    defineHandler({ trigger, schema: v.unknown(), handle: async () => [saveState("statestore", "k", 1)] });
    defineHandler({ trigger, schema: v.unknown(), handle: () => undefined });
    // @ts-expect-error a number is not an effect
    defineHandler({ trigger, schema: v.unknown(), handle: () => 42 });
    // @ts-expect-error an object without a known kind is not an effect
    defineHandler({ trigger, schema: v.unknown(), handle: () => [{ kind: "save", key: "k" }] });
  });
});
