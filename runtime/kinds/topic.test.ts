// The CloudEvent envelope and bulk entries, as daprd sends them and as a caller with the app token
// could forge them. Through the app (`app.request()`), so the answer is what daprd would read.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { defineHandler, saveState, topic } from "../index.ts";
import type { Effect } from "../kinds/effects.ts";
import { bulkDelivery, cloudEvent } from "../testing/builders.ts";
import { testApp } from "../testing/run.ts";

const handled: unknown[] = [];
const onOrder = defineHandler({
  trigger: topic("pubsub", "orders", { deadLetterTopic: "orders-dead", bulk: { maxMessagesCount: 3 } }),
  schema: v.object({ orderId: v.string() }),
  handle: ({ data, id }) => {
    handled.push(id);
    return [saveState("statestore", `order-${data.orderId}`, data)];
  },
});
const effects: Effect[] = [];
const app = testApp({ onOrder }, { sidecar: async (e) => void effects.push(e) });
const send = async (body: unknown) => {
  handled.length = 0;
  const res = await app.send("onOrder", cloudEvent(onOrder, { orderId: "x" }, { body: JSON.stringify(body) }));
  return { status: res.status, body: await res.json() };
};
const event = (o: Record<string, unknown> = {}) => ({
  specversion: "1.0",
  id: "e-1",
  source: "s",
  type: "t",
  data: { orderId: "a" },
  ...o,
});

describe("the CloudEvent envelope", () => {
  it.each([
    ["without an id", { id: undefined }, "CloudEvent id (missing) is not a non-empty string"],
    ["with an empty id", { id: "" }, 'CloudEvent id "" is not a non-empty string'],
    ["with a numeric id", { id: 7 }, "CloudEvent id 7 is not a non-empty string"],
    ["with a control character in its id", { id: "a\nb" }, 'CloudEvent id "a\\nb" contains a control character'],
    ["with specversion 0.1", { specversion: "0.1" }, 'CloudEvent specversion "0.1" is not "1.0"'],
  ])("is DROPped (dead-lettered) %s, without calling the handler", async (_, overrides, reason) => {
    expect(await send(event(overrides))).toEqual({ status: 200, body: { status: "DROP", reason } });
    expect(handled).toEqual([]);
  });

  it("is handled when it is daprd's: specversion 1.0 and a non-empty id", async () => {
    expect(await send(event())).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(handled).toEqual(["e-1"]);
  });
});

describe("bulk entries", () => {
  const bulk = async (entries: unknown[]) => {
    handled.length = 0;
    const delivery = bulkDelivery(onOrder, []);
    const body = { ...JSON.parse(new TextDecoder().decode(delivery.body)), entries };
    const res = await app.send("onOrder", { ...delivery, body: new TextEncoder().encode(JSON.stringify(body)) });
    return { status: res.status, body: await res.json() };
  };
  const entry = (entryId: string, o: Record<string, unknown> = {}) => ({
    entryId,
    event: event({ id: `e-${entryId}`, data: { orderId: entryId } }),
    contentType: "application/cloudevents+json",
    metadata: {},
    ...o,
  });

  it("judges each entry on its own: a null entry, one without entryId or event, one without id get DROP, the rest are handled", async () => {
    const res = await bulk([
      entry("1"),
      null,
      { event: event() },
      entry("4", { event: 5 }),
      entry("5", { event: event({ id: "" }) }),
      entry("6", { metadata: "x" }),
    ]);
    // daprd matches statuses by entryId and ignores an unknown one (""): it never sends an entry without one.
    expect(res).toEqual({
      status: 200,
      body: {
        statuses: [
          { entryId: "1", status: "SUCCESS" },
          { entryId: "", status: "DROP" },
          { entryId: "", status: "DROP" },
          { entryId: "4", status: "DROP" },
          { entryId: "5", status: "DROP" },
          { entryId: "6", status: "DROP" },
        ],
      },
    });
    expect(handled).toEqual(["e-1"]);
  });

  it("refuses a delivery of more entries than the limit as a whole, before handling any", async () => {
    // The limit is DAPRLET_MAX_BULK_ENTRIES (1000), never below the handler's maxMessagesCount.
    const entries = Array.from({ length: 1001 }, (_, i) => entry(String(i)));
    const res = await bulk(entries);
    expect(res).toEqual({
      status: 200,
      body: { status: "DROP", reason: "bulk delivery of 1001 entries exceeds the 1000-entry limit (DAPRLET_MAX_BULK_ENTRIES)" },
    });
    expect(handled).toEqual([]);
  });
});
