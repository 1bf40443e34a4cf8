// Hostile input through a real daprd: values that would steer the app's calls to daprd (which
// carry its DAPR_API_TOKEN), envelopes without an identity, and bodies past the limits. One stack
// of the fixture app on the embedded components, with two handlers written to be abused.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, waitFor } from "./harness.ts";

// An invoked route that builds a method path from its parameter, and a topic handler that takes
// the topic it forwards to from its event data: both exactly as the security report wrote them.
const handlers = {
  probeLookup: `import { callApp, defineHandler, invoke, reply } from "daprlet";
import * as v from "valibot";
export const probeLookup = defineHandler({
  trigger: invoke("GET", "/probe/lookup/:sku"),
  schema: v.undefined(),
  inputs: ({ params }) => ({ stock: callApp("inventory", "GET", \`/stock/\${params.sku}\`) }),
  handle: (_event, { stock }) => [reply(200, stock.body)],
});
`,
  onForward: `import { defineHandler, publish, saveState, topic } from "daprlet";
import * as v from "valibot";
export const onForward = defineHandler({
  trigger: topic("pubsub", "forward", { deadLetterTopic: "orders-dead" }),
  schema: v.object({ topic: v.string(), payload: v.unknown() }),
  handle: ({ data, id }) => [saveState("statestore", \`forwarded-\${id}\`, data), publish("pubsub", data.topic, data.payload)],
});
`,
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ handlers });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** daprd's own count of the requests its HTTP API served, by path: what the app asked of it. */
const daprdPaths = async () => {
  const text = await (await fetch(`http://127.0.0.1:${stack.metricsPort}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith("dapr_http_server_request_count"));
};
const invoke = (path: string, init?: RequestInit) => stack.dapr(`/v1.0/invoke/order-service/method${path}`, init);

describe("values that would address daprd outside their path segment", () => {
  it("answers 400 to the secret-exfiltration route and never calls daprd's secrets API", async () => {
    // daprd decodes the method path once and cleans it (a plain `..%2F` never reaches the route);
    // encoded twice, it arrives as `..%2F`, which the route decodes into `../` in `params.sku`.
    const res = await invoke("/probe/lookup/..%252F..%252F..%252F..%252Fsecrets%252Fsecretstore%252Fpayment-gateway-key");
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).not.toContain("test-gateway-key");
    expect(JSON.parse(body)).toEqual({
      error:
        'unsafe value: stock (callApp inventory GET /stock/../../../../secrets/secretstore/payment-gateway-key): path "/stock/../../../../secrets/secretstore/payment-gateway-key" has a segment that is a dot segment',
    });
    // daprd counts every request of its HTTP API by path: the caller's invocation, and no /v1.0/secrets.
    const paths = await daprdPaths();
    expect(paths.filter((l) => l.includes("probe/lookup"))).toHaveLength(1);
    expect(paths.filter((l) => l.includes('path="/v1.0/secrets'))).toEqual([]);
  });

  it("DROPs (dead-letters) a publish to a topic from event data, and writes nothing", async () => {
    const id = "hostile-forward-1";
    const published = await stack.dapr(`/v1.0/publish/pubsub/forward?metadata.cloudevent.id=${id}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "../../state/statestore", payload: [{ key: "pwned", value: "attacker" }] }),
    });
    expect(published.status).toBe(204);
    const dead = await waitFor("the dead letter", () => stack.getState(`deadletter-${id}`));
    expect(dead).toMatchObject({
      id,
      topic: "forward",
      reason: 'unsafe value: publish pubsub/../../state/statestore: topic "../../state/statestore" has a segment that is a dot segment',
    });
    expect(await stack.getState("pwned")).toBeUndefined();
    expect(await stack.getState(`forwarded-${id}`)).toBeUndefined();
  });
});

describe("the CloudEvent envelope", () => {
  it("DROPs a CloudEvent without an id, and daprd dead-letters it", async () => {
    const published = await stack.dapr("/v1.0/publish/pubsub/orders", {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({ specversion: "1.0", source: "forged", type: "t", data: { orderId: "no-id", amount: 1 } }),
    });
    expect(published.status).toBe(204);
    // The dead-letter handler refuses it too (it has no id to record it by): its arrival is in the recordings.
    const arrived = await waitFor("the dead letter's delivery", () =>
      stack.deliveries("/events/onOrderDeadLettered").find((d) => d.body?.includes('"no-id"')),
    );
    expect(JSON.parse(arrived.body ?? "{}")).not.toHaveProperty("id");
    expect(await stack.getState("processed-no-id")).toBeUndefined();
  });
});

describe("bodies past the limits", () => {
  it("answers 413 to a chunked body once it passes 4 MiB, without reading the rest", async () => {
    const limit = 4 * 1024 * 1024;
    const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = request({
        port: stack.appPort,
        host: "127.0.0.1",
        method: "POST",
        path: "/orders",
        headers: { "content-type": "application/json" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode, body }));
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(256 * 1024, " ");
      let sent = 0;
      // Twice the limit and never `end()`: an app that buffered the whole body would never answer.
      const write = () => {
        while (sent < 2 * limit) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", write);
        }
      };
      write();
    });
    expect(answer).toEqual({ status: 413, body: JSON.stringify({ error: `body of ${limit}+ bytes exceeds the ${limit}-byte limit` }) });
  });

  it.each([
    [
      "JSON nested 100 deep",
      `{"orderId":"deep","amount":${"[".repeat(100)}${"]".repeat(100)}}`,
      "JSON nested deeper than 64 levels (DAPRLET_MAX_JSON_DEPTH)",
    ],
    ["invalid UTF-8", Buffer.from([0x7b, 0x22, 0x6f, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), "body is not valid UTF-8"],
  ])("answers 400 to %s through daprd", async (_, body, error) => {
    const res = await invoke("/orders", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect([res.status, await res.json()]).toEqual([400, { error }]);
  });
});
