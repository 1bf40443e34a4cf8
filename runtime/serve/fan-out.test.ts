// Several handlers of one topic: one route, a verdict, applied-record and failure record each,
// one answer to daprd. Through the runtime's own app and the fake sidecar.
import { setupServer } from "msw/node";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defineHandler, publish, retry, saveState, topic } from "../index.ts";
import { bulkDelivery, cloudEvent } from "../testing/builders.ts";
import { createFakeSidecar } from "../testing/fake-sidecar.ts";
import { testApp } from "../testing/run.ts";

const sidecar = createFakeSidecar({ port: 3594 });
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

const shipments = topic("pubsub", "shipments", { deadLetterTopic: "shipments-dead" });
const Shipment = v.object({ orderId: v.string() });
/** Sends a receipt: a write and a publish, which the fake sidecar keeps (a publish applied twice would show). */
const onReceipt = defineHandler({
  trigger: shipments,
  schema: Shipment,
  handle: ({ data }) => [saveState("statestore", `receipt-${data.orderId}`, true), publish("pubsub", "receipts", data)],
});
/** Fails while `failing` holds the order id: the runtime must retry only it. */
const failing = new Set<string>();
const onReminder = defineHandler({
  trigger: shipments,
  schema: Shipment,
  handle: ({ data }) => {
    if (failing.has(data.orderId)) throw new Error("scheduler unreachable");
    return saveState("statestore", `reminder-${data.orderId}`, true);
  },
});
/** Refuses orders it cannot count (its own schema): DROP for it alone. */
const onAnalytics = defineHandler({
  trigger: shipments,
  schema: v.object({ orderId: v.pipe(v.string(), v.startsWith("o-")) }),
  handle: ({ data }) => (data.orderId === "o-retry" ? retry("warehouse busy") : saveState("statestore", `counted-${data.orderId}`, true)),
});

const app = testApp({ onReceipt, onReminder, onAnalytics }, { client: sidecar.client });
const send = async (orderId: string, id: string) =>
  (await app.send("onReceipt", cloudEvent(onReceipt, { orderId }, { id }))).json() as Promise<{ status: string; reason?: string }>;

describe("handlers of one topic (fan-out)", () => {
  it("each get the message from the one route the subscription names, and daprd is told SUCCESS once all succeeded", async () => {
    expect(await send("o-1", "m-1")).toEqual({ status: "SUCCESS" });
    expect(["receipt-o-1", "reminder-o-1", "counted-o-1"].map((k) => sidecar.get("statestore", k))).toEqual([true, true, true]);
    expect((await app.request("/events/onReceipt", { method: "POST" })).status).toBe(404); // the first by name serves them all
  });

  it("answer RETRY while one of them fails, naming it; the redelivery runs only that one, and nothing is applied twice", async () => {
    failing.add("o-2");
    expect(await send("o-2", "m-2")).toEqual({
      status: "RETRY",
      reason: expect.stringMatching(/^onReminder: handler threw: Error: scheduler unreachable/),
    });
    expect(sidecar.get("statestore", "receipt-o-2")).toBe(true);
    // Its own failure record, and the message's, which a dead-letter handler reads, naming it.
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-shipments-m-2-onReminder")).toMatchObject({ attempts: 1 });
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-shipments-m-2")).toMatchObject({
      reason: expect.stringMatching(/^onReminder: /),
      attempts: 1,
    });
    failing.delete("o-2");
    expect(await send("o-2", "m-2")).toEqual({ status: "SUCCESS" });
    expect({ receipts: sidecar.published.length, reminder: sidecar.get("statestore", "reminder-o-2") }).toEqual({
      receipts: 1,
      reminder: true,
    });
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-shipments-m-2-onReminder")).toBeUndefined();
  });

  it("answer DROP when one refuses the message and none asks for a retry: daprd dead-letters it with that handler's reason", async () => {
    expect(await send("x-3", "m-3")).toEqual({
      status: "DROP",
      reason: expect.stringMatching(/^onAnalytics: schema validation failed: orderId/),
    });
    expect(sidecar.get("statestore", "receipt-x-3")).toBe(true);
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-shipments-m-3")).toMatchObject({
      reason: expect.stringMatching(/^onAnalytics: /),
    });
  });

  it("answer RETRY over DROP: a message still to be retried by one is not dead-lettered for another", async () => {
    failing.add("x-4");
    expect((await send("x-4", "m-4")).status).toBe("RETRY");
    failing.delete("x-4");
  });

  it("answer a bulk delivery entry by entry, each entry's worst verdict", async () => {
    const multi = testApp(
      {
        onA: defineHandler({ trigger: topic("pubsub", "b", { bulk: {} }), schema: Shipment, handle: () => [] }),
        onB: defineHandler({
          trigger: topic("pubsub", "b", { bulk: {} }),
          schema: Shipment,
          handle: ({ data }) => (data.orderId === "o-bad" ? retry("not yet") : []),
        }),
      },
      { client: sidecar.client },
    );
    const delivery = bulkDelivery(onReceipt, [{ orderId: "o-ok" }, { orderId: "o-bad" }]);
    const answer = await (await multi.request("/events/onA", { method: "POST", headers: delivery.headers, body: delivery.body })).json();
    expect(answer).toEqual({
      statuses: [
        { entryId: "1", status: "SUCCESS" },
        { entryId: "2", status: "RETRY" },
      ],
    });
  });
});
