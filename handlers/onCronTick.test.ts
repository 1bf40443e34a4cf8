import { bindingEvent, bindingRequest, runHandler } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onCronTick } from "./onCronTick.ts";

describe("onCronTick", () => {
  it("saves a heartbeat with the tick's read time and time zone", async () => {
    const event = bindingEvent(undefined, { binding: "cron", metadata: { readtimeutc: "2026-03-01 12:00:00 +0000 UTC", timezone: "UTC" } });
    expect(await onCronTick.handle(event)).toEqual([
      { kind: "saveState", store: "statestore", key: "heartbeat", value: { at: "2026-03-01 12:00:00 +0000 UTC", timeZone: "UTC" } },
    ]);
  });

  it("saves nulls when the tick carries no metadata", async () => {
    expect(await onCronTick.handle(bindingEvent(undefined, { binding: "cron" }))).toEqual([
      { kind: "saveState", store: "statestore", key: "heartbeat", value: { at: null, timeZone: null } },
    ]);
  });

  it("answers exactly 200 SUCCESS to cron's empty body, reading the metadata headers", async () => {
    const result = await runHandler(onCronTick, bindingRequest(onCronTick));
    expect({ answer: result.answer, effects: result.effects }).toEqual({
      answer: { status: 200, body: { status: "SUCCESS" } },
      effects: [
        { kind: "saveState", store: "statestore", key: "heartbeat", value: { at: "2026-01-01 00:00:00 +0000 UTC", timeZone: "UTC" } },
      ],
    });
  });

  it("drops a delivery with a body, which cron never sends", async () => {
    const result = await runHandler(onCronTick, bindingRequest(onCronTick, { body: '{"x":1}' }));
    expect({ answer: result.answer, effects: result.effects }).toEqual({
      answer: {
        status: 200,
        body: { status: "DROP", reason: "schema validation failed: (root): Invalid type: Expected undefined but received Object" },
      },
      effects: [],
    });
  });
});
