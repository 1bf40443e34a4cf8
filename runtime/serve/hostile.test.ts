// Values from a message that would steer the app's calls to daprd (which carry its DAPR_API_TOKEN)
// are refused before any call is made: DROP with the reason, 400 on an invoked route.
import * as v from "valibot";
import { beforeEach, describe, expect, it } from "vitest";
import { binding, callApp, defineHandler, invoke, publish, reply, saveState, state, topic } from "../index.ts";
import type { SidecarCall } from "../kinds/effect.ts";
import type { SidecarClient } from "../kinds/input.ts";
import { bindingRequest, cloudEvent, invokeRequest } from "../testing/builders.ts";
import { testApp } from "../testing/run.ts";

const lookup = defineHandler({
  trigger: invoke("GET", "/probe/lookup/:sku"),
  schema: v.undefined(),
  inputs: ({ params }) => ({ stock: callApp("inventory", "GET", `/stock/${params.sku}`) }),
  handle: (_event, { stock }) => [reply(200, stock.body)],
});
const forward = defineHandler({
  trigger: topic("pubsub", "forward"),
  schema: v.object({ topic: v.string(), path: v.string() }),
  idempotency: false,
  handle: ({ data }) => [saveState("statestore", "seen", data), publish("pubsub", data.topic, data)],
});
const readKey = defineHandler({
  trigger: binding("queue"),
  schema: v.object({ key: v.string() }),
  inputs: ({ data }) => ({ item: state("statestore", data.key) }),
  handle: () => [],
});

const calls: SidecarCall[] = [];
const client: SidecarClient = async (call) => {
  calls.push(call);
  return { status: 200, headers: new Headers(), body: new TextEncoder().encode("{}") };
};
const app = testApp({ lookup, forward, readKey }, { client });
beforeEach(() => {
  calls.length = 0;
});

describe("a value that would leave its daprd path segment", () => {
  it("answers 400 on an invoked route and never calls daprd (the secret-exfiltration path)", async () => {
    const res = await app.request("/probe/lookup/..%2F..%2F..%2F..%2Fsecrets%2Fsecretstore%2Fdaprlet-app-token");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error:
        'unsafe value: stock (callApp inventory GET /stock/../../../../secrets/secretstore/daprlet-app-token): path "/stock/../../../../secrets/secretstore/daprlet-app-token" has a segment that is a dot segment',
    });
    expect(calls).toEqual([]);
  });

  it("still calls the other app for an ordinary value, encoded", async () => {
    const res = await app.send("lookup", invokeRequest(lookup, { params: { sku: "a b" } }));
    expect(res.status).toBe(200);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /invoke/inventory/method/stock/a%20b"]);
  });

  it("DROPs a topic delivery whose publish topic comes from the data, writing nothing", async () => {
    const res = await app.send("forward", cloudEvent(forward, { topic: "../../state/statestore", path: "x" }));
    expect(await res.json()).toEqual({
      status: "DROP",
      reason: 'unsafe value: publish pubsub/../../state/statestore: topic "../../state/statestore" has a segment that is a dot segment',
    });
    // The saveState before it was not carried out either: every call is checked before the first
    // runs. The one write is the runtime's failure record (why it was dropped, for a dead-letter handler).
    expect(calls.map((c) => `${c.method} ${c.path} ${String(c.body).slice(0, 25)}`)).toEqual([
      'POST /state/statestore [{"key":"daprlet-failure-',
    ]);
  });

  it("acknowledges a binding event with a dot-segment key as DROP, with the reason", async () => {
    const res = await app.send("readKey", bindingRequest(readKey, { data: { key: ".." } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "DROP", reason: 'unsafe value: item (state statestore/..): key ".." is a dot segment' });
    expect(calls).toEqual([]);
  });
});
