import { reply } from "daprlet";
import { invokeEvent } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { charge } from "./charge.ts";

const request = (amount: number, key?: string) =>
  invokeEvent({ orderId: "o-1", amount, cardToken: "tok" }, { headers: key === undefined ? {} : { "x-api-key": key } });

describe("charge", () => {
  it("approves up to 1000 and declines above, with a reference", () => {
    expect(charge.handle(request(1000, "k"), { expectedKey: "k" })).toEqual(reply(200, { approved: true, reference: "ch-o-1" }));
    expect(charge.handle(request(1000.5, "k"), { expectedKey: "k" })).toEqual(reply(200, { approved: false, reference: "dc-o-1" }));
  });

  it("refuses a missing or wrong key with 401", () => {
    expect(charge.handle(request(5), { expectedKey: "k" })).toEqual(reply(401, { error: "missing or wrong x-api-key" }));
    expect(charge.handle(request(5, "nope"), { expectedKey: "k" })).toEqual(reply(401, { error: "missing or wrong x-api-key" }));
  });
});
