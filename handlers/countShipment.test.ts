import { saveState } from "daprlet";
import { callHandle } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { countShipment } from "./countShipment.ts";

const day = (count: number | undefined, etag?: string) => ({
  day: { key: "analytics-shipments-2026-03-01", value: count === undefined ? undefined : { count }, etag },
});

describe("countShipment", () => {
  it("counts the day's first shipment as a first write", async () => {
    expect(
      await callHandle(countShipment, { orderId: "o-1" }, { event: { time: "2026-03-01T12:00:00Z" }, inputs: day(undefined) }),
    ).toEqual([saveState("statestore", "analytics-shipments-2026-03-01", { count: 1 }, { concurrency: "first-write" })]);
  });

  it("adds one to the day's count, written back with the ETag it was read with", async () => {
    expect(await callHandle(countShipment, { orderId: "o-2" }, { inputs: day(41, "7") })).toEqual([
      saveState("statestore", "analytics-shipments-2026-03-01", { count: 42 }, { etag: "7" }),
    ]);
  });

  it("reads the count of the day the shipment left", () => {
    const inputs = countShipment.inputs?.({ time: "2026-03-02T00:00:01Z" } as never);
    expect(inputs?.day.params({})).toMatchObject({ store: "statestore", key: "analytics-shipments-2026-03-02" });
  });
});
