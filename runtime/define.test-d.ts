// Type tests, checked by `tsc --noEmit`: what `defineHandler` infers for a handler's author.
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import {
  type BindingEvent,
  binding,
  type CallAnswer,
  type ConfigurationItem,
  callApp,
  configuration,
  defineHandler,
  type FailureRecord,
  invoke,
  type ParamKeys,
  type StateValue,
  saveState,
  secret,
  state,
  states,
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

describe("inputs", () => {
  const Order = v.object({ orderId: v.string(), amount: v.number() });
  const Charge = v.object({ approved: v.boolean(), reference: v.string() });

  it("types each input's value from its kind and schema, and computes reads from the typed event", () => {
    defineHandler({
      trigger: topic("pubsub", "payments"),
      schema: v.object({ orderId: v.string(), amount: v.number() }),
      inputs: ({ data }) => {
        expectTypeOf(data).toEqualTypeOf<{ orderId: string; amount: number }>();
        return {
          order: state("statestore", `order-${data.orderId}`, { schema: Order }),
          orders: states("statestore", [`order-${data.orderId}`]),
          apiKey: secret("secretstore", "payment-gateway-key", { key: "payment-gateway-key" }),
          all: secret("secretstore", "payment-gateway-key"),
          limits: configuration("configstore", ["max-amount"]),
          charge: callApp("payment-gateway", "POST", "/charge", {
            after: ["apiKey"],
            body: data,
            headers: ({ apiKey }) => ({ "x-api-key": String(apiKey) }),
            schema: Charge,
          }),
        };
      },
      handle: (_event, { order, orders, apiKey, all, limits, charge }) => {
        expectTypeOf(order).toEqualTypeOf<StateValue<{ orderId: string; amount: number }>>();
        expectTypeOf(order.value).toEqualTypeOf<{ orderId: string; amount: number } | undefined>();
        expectTypeOf(orders).toEqualTypeOf<StateValue<unknown>[]>();
        expectTypeOf(apiKey).toEqualTypeOf<string>();
        expectTypeOf(all).toEqualTypeOf<Record<string, string>>();
        expectTypeOf(limits["max-amount"]).toEqualTypeOf<ConfigurationItem | undefined>();
        expectTypeOf(charge).toEqualTypeOf<CallAnswer<{ approved: boolean; reference: string }>>();
        if (charge.ok) expectTypeOf(charge.body.reference).toEqualTypeOf<string>();
        else expectTypeOf(charge.body).toEqualTypeOf<unknown>();
      },
    });
  });

  it("passes path params of invoked routes to inputs", () => {
    defineHandler({
      trigger: invoke("POST", "/inventory/:sku/reserve"),
      schema: v.object({ qty: v.number() }),
      inputs: ({ params }) => {
        expectTypeOf(params).toEqualTypeOf<Record<"sku", string>>();
        return { stock: state("statestore", `stock-${params.sku}`) };
      },
      handle: (_e, { stock }) => [saveState("statestore", stock.key, stock.value, { etag: stock.etag })],
    });
  });

  it("needs the inputs argument only when there are inputs", () => {
    const plain = defineHandler({ trigger: topic("pubsub", "x"), schema: v.unknown(), handle: () => [] });
    const withInputs = defineHandler({
      trigger: topic("pubsub", "y"),
      schema: v.unknown(),
      inputs: () => ({ k: secret("s", "n", { key: "k" }) }),
      handle: () => [],
    });
    expectTypeOf(plain.handle).parameters.toEqualTypeOf<[TopicEvent<unknown>, (Record<never, never> | undefined)?]>();
    expectTypeOf(withInputs.handle).parameter(1).toEqualTypeOf<{ k: string }>();
  });
});
