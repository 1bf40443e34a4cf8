import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { defineHandler, reply, topic } from "../index.ts";
import { onOrderCreated } from "./fixture/handlers/onOrderCreated.ts";
import { onReminder } from "./fixture/handlers/onReminder.ts";
import { callHandle } from "./handle.ts";

describe("callHandle", () => {
  it("runs the data through the schema, then handle with a sample event of the trigger's kind, overridden where asked", async () => {
    expect(await callHandle(onOrderCreated, { orderId: "o-1", amount: 5 }, { event: { id: "e-1" } })).toEqual([
      {
        kind: "saveState",
        store: "statestore",
        key: "processed-o-1",
        value: { orderId: "o-1", amount: 5, eventId: "e-1", publishedAt: "2026-01-01T00:00:00Z" },
      },
    ]);
  });

  it("fails the test when the schema rejects the sample, with the issues", async () => {
    await expect(callHandle(onOrderCreated, { orderId: "o-1", amount: -1 })).rejects.toThrow(
      "the handler's schema rejects this data: amount: Invalid value: Expected >=0 but received -1",
    );
  });

  it("hands handle the schema's output (transforms applied), and a single effect back as a list", async () => {
    const onTrimmed = defineHandler({
      trigger: topic("pubsub", "names"),
      schema: v.object({ name: v.pipe(v.string(), v.trim()) }),
      handle: ({ data }) => reply(200, data.name),
    });
    expect(await callHandle(onTrimmed, { name: "  ada " })).toEqual([reply(200, "ada")]);
  });

  it("names a family's job after the key it is given", async () => {
    const [effect] = await callHandle(onReminder, { note: "n" }, { event: { key: "o-7" } });
    expect(effect).toMatchObject({ key: "reminded-o-7", value: { job: "reminder-o-7" } });
  });
});
