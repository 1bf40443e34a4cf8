import type { Effect, InvokeBinding } from "daprlet";
import { invokeEvent, invokeRequest, runHandler } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { createOrder } from "./createOrder.ts";

const order = { orderId: "o-1", amount: 42 };

describe("createOrder", () => {
  it("stores the order, publishes it, writes a receipt and answers 202", async () => {
    const effects = await createOrder.handle(invokeEvent(order));
    expect(effects).toEqual([
      { kind: "saveState", store: "statestore", key: "order-o-1", value: order },
      { kind: "publish", pubsub: "pubsub", topic: "orders", data: order },
      {
        kind: "invokeBinding",
        name: "receipts",
        operation: "create",
        data: expect.any(String),
        metadata: { fileName: "o-1.txt", key: "o-1.txt", blobName: "o-1.txt" },
      },
      { kind: "reply", status: 202, body: { orderId: "o-1", status: "accepted" } },
    ]);
  });

  it("sends the receipt as base64 of its text", async () => {
    const effects = (await createOrder.handle(invokeEvent(order))) as Effect[];
    const receipt = effects.find((e): e is InvokeBinding => e.kind === "invokeBinding");
    expect(Buffer.from(String(receipt?.data), "base64").toString("utf8")).toBe("Receipt for o-1\namount: 42\n");
  });

  it("answers the caller 202 with the order id through the runtime", async () => {
    const result = await runHandler(createOrder, invokeRequest(createOrder, { body: order }));
    expect(result.answer).toEqual({ status: 202, body: { orderId: "o-1", status: "accepted" } });
    expect(result.effects.map((e) => e.kind)).toEqual(["saveState", "publish", "invokeBinding", "reply"]);
  });

  it("answers 400 with every schema issue, and does nothing, for a bad order", async () => {
    const result = await runHandler(createOrder, invokeRequest(createOrder, { body: { orderId: "bad id!", amount: -1 } }));
    expect({ answer: result.answer, effects: result.effects }).toEqual({
      answer: {
        status: 400,
        body: {
          error: "invalid request body",
          issues: ["orderId: use letters, digits, '.', '_' or '-' (at most 100)", "amount: Invalid value: Expected >=0 but received -1"],
        },
      },
      effects: [],
    });
  });
});
