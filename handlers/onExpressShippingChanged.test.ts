import { saveState } from "daprlet";
import { callHandle } from "daprlet/testing";
import { describe, expect, it } from "vitest";
import { onExpressShippingChanged } from "./onExpressShippingChanged.ts";

describe("onExpressShippingChanged", () => {
  it("watches express-shipping in configstore", () => {
    expect(onExpressShippingChanged.trigger).toEqual({ kind: "configurationChanged", store: "configstore", keys: ["express-shipping"] });
  });

  it("records the switch: on is on, anything else (a deleted key too) is off", async () => {
    expect(await callHandle(onExpressShippingChanged, { "express-shipping": { value: "on", version: "1" } })).toEqual([
      saveState("statestore", "settings-express-shipping", { enabled: true }),
    ]);
    expect(await callHandle(onExpressShippingChanged, { "express-shipping": {} })).toEqual([
      saveState("statestore", "settings-express-shipping", { enabled: false }),
    ]);
  });
});
