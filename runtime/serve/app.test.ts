import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { binding, defineHandler, drop, invoke, publish, reply, retry, saveState, topic } from "../index.ts";
import type { Executor } from "../kinds/effects.ts";
import { bindingRequest, bulkDelivery, cloudEvent, invokeRequest, rawCloudEvent } from "../testing/builders.ts";
import { testApp } from "../testing/run.ts";

const Order = v.object({ orderId: v.string(), amount: v.number() });
const seen: unknown[] = [];

const onOrder = defineHandler({
  trigger: topic("pubsub", "orders", { deadLetterTopic: "orders-dead", bulk: { maxMessagesCount: 10 } }),
  schema: Order,
  handle: ({ data, id }) => {
    seen.push(data);
    if (data.orderId === "boom") throw new Error("database down");
    if (data.orderId === "later") return [retry("not ready yet")];
    if (data.orderId === "never") return [drop("cancelled order")];
    return [saveState("statestore", `processed-${data.orderId}`, { id })];
  },
});
const onDead = defineHandler({
  trigger: topic("pubsub", "orders-dead"),
  schema: v.unknown(),
  handle: ({ id, failure }) => [saveState("statestore", `dead-${id}`, failure ?? null)],
});
const onRaw = defineHandler({
  trigger: topic("pubsub", "raw", { rawPayload: true }),
  schema: v.unknown(),
  handle: ({ data }) => {
    seen.push(data);
  },
});
const onTick = defineHandler({
  trigger: binding("cron"),
  schema: v.undefined(),
  handle: ({ metadata }) => [saveState("statestore", "tick", metadata.readtimeutc)],
});
const onQueue = defineHandler({
  trigger: binding("queue"),
  schema: v.object({ n: v.number() }),
  handle: ({ data }) => {
    if (data.n < 0) throw new Error("negative");
  },
});
const getOrder = defineHandler({
  trigger: invoke("POST", "/orders/:id"),
  schema: v.optional(v.object({ amount: v.number() })),
  handle: ({ params, data }) => {
    if (data?.amount === 13) throw new Error("unlucky");
    return [publish("pubsub", "orders", { orderId: params.id }), reply(202, { orderId: params.id })];
  },
});

const calls: Parameters<Executor>[0][] = [];
const recording: Executor = async (effect) => {
  calls.push(effect);
  if (effect.kind === "publish" && effect.topic === "broken") throw new Error("sidecar answered 500");
};
const app = testApp({ onOrder, onDead, onRaw, onTick, onQueue, getOrder }, { sidecar: recording });
const answer = async (res: Response | Promise<Response>) => {
  const r = await res;
  return { status: r.status, body: (r.status === 204 ? undefined : await r.json()) as { status?: string; reason?: string } };
};

describe("pub/sub deliveries", () => {
  it("answers 200 SUCCESS in daprd's exact upper case and carries out the effects", async () => {
    calls.length = 0;
    const res = await answer(app.send("onOrder", cloudEvent(onOrder, { orderId: "a", amount: 1 }, { id: "e1" })));
    expect(res).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(calls).toEqual([{ kind: "saveState", store: "statestore", key: "processed-a", value: { id: "e1" } }]);
  });

  it("accepts plain JSON that is not a CloudEvent", async () => {
    const res = await app.request("/events/onOrder", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "plain", amount: 2 }),
    });
    expect(await res.json()).toEqual({ status: "SUCCESS" });
  });

  it("decodes data_base64 with a JSON content type", async () => {
    seen.length = 0;
    const ce = {
      specversion: "1.0",
      id: "b64",
      datacontenttype: "application/json",
      data_base64: Buffer.from('{"orderId":"b","amount":3}').toString("base64"),
    };
    const res = await app.send("onOrder", cloudEvent(onOrder, { orderId: "", amount: 0 }, { body: JSON.stringify(ce) }));
    expect(await res.json()).toEqual({ status: "SUCCESS" });
    expect(seen).toEqual([{ orderId: "b", amount: 3 }]);
  });

  it("hands raw payloads over as JSON when they are JSON, as bytes otherwise", async () => {
    seen.length = 0;
    await app.send("onRaw", rawCloudEvent(onRaw, '{"hello":"world"}'));
    await app.send("onRaw", rawCloudEvent(onRaw, new Uint8Array([0xff, 0x00, 0x01])));
    expect(seen).toEqual([{ hello: "world" }, new Uint8Array([0xff, 0x00, 0x01])]);
  });

  it("answers RETRY, never SUCCESS, when the handler throws", async () => {
    const res = await answer(app.send("onOrder", cloudEvent(onOrder, { orderId: "boom", amount: 1 })));
    expect(res).toEqual({ status: 200, body: { status: "RETRY", reason: "handler threw: Error: database down" } });
  });

  it("answers DROP with the valibot issues when the schema fails", async () => {
    const res = await answer(app.send("onOrder", cloudEvent(onOrder, { orderId: "x", amount: "ten" } as never)));
    expect(res.body.status).toBe("DROP");
    expect(res.body.reason).toMatch(/^schema validation failed: amount: Invalid type: Expected number/);
  });

  it("passes an explicit retry or drop through with its reason", async () => {
    expect((await answer(app.send("onOrder", cloudEvent(onOrder, { orderId: "later", amount: 1 })))).body).toEqual({
      status: "RETRY",
      reason: "not ready yet",
    });
    expect((await answer(app.send("onOrder", cloudEvent(onOrder, { orderId: "never", amount: 1 })))).body).toEqual({
      status: "DROP",
      reason: "cancelled order",
    });
  });

  it.each([
    ["malformed JSON", { body: "{not json" }, /^malformed JSON/],
    ["an empty body", { body: "" }, /^empty body/],
    [
      "bad data_base64 JSON",
      { body: JSON.stringify({ specversion: "1.0", id: "e-b64", datacontenttype: "application/json", data_base64: "bm9wZQ==" }) },
      /^CloudEvent data: malformed JSON/,
    ],
  ])("drops %s without calling the handler", async (_, overrides, reason) => {
    seen.length = 0;
    const res = await answer(app.send("onOrder", cloudEvent(onOrder, { orderId: "a", amount: 1 }, overrides)));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("DROP");
    expect(res.body.reason).toMatch(reason);
    expect(seen).toEqual([]);
  });

  it("drops a delivery with the wrong content type", async () => {
    const delivery = cloudEvent(onOrder, { orderId: "a", amount: 1 }, { headers: { "content-type": "text/plain" } });
    expect((await answer(app.send("onOrder", delivery))).body).toEqual({
      status: "DROP",
      reason: 'unsupported content type "text/plain": expected application/cloudevents+json',
    });
  });

  it("drops an oversize body before reading it into a handler", async () => {
    const small = testApp({ onOrder }, { sidecar: recording, maxBodyBytes: 64 });
    const res = await answer(small.send("onOrder", cloudEvent(onOrder, { orderId: "a".repeat(100), amount: 1 })));
    expect(res.body).toMatchObject({ status: "DROP", reason: expect.stringMatching(/exceeds the 64-byte limit/) });
  });

  it("answers RETRY when an effect fails, naming the effect", async () => {
    const broken = defineHandler({ trigger: topic("pubsub", "t"), schema: v.unknown(), handle: () => [publish("pubsub", "broken", 1)] });
    const res = await answer(testApp({ broken }, { sidecar: recording }).send("broken", cloudEvent(broken, 1)));
    expect(res.body).toEqual({ status: "RETRY", reason: "effect 1 of 1 (publish pubsub/broken) failed: Error: sidecar answered 500" });
  });

  it("answers a bulk delivery with one status per entry", async () => {
    const res = await answer(
      app.send(
        "onOrder",
        bulkDelivery(onOrder, [{ orderId: "ok", amount: 1 }, { orderId: "boom", amount: 1 }, { orderId: "bad", amount: "x" } as never]),
      ),
    );
    expect(res).toEqual({
      status: 200,
      body: {
        statuses: [
          { entryId: "1", status: "SUCCESS" },
          { entryId: "2", status: "RETRY" },
          { entryId: "3", status: "DROP" },
        ],
      },
    });
  });

  it("tells a retried message how often it failed, and the dead-letter handler why it died", async () => {
    calls.length = 0;
    const first = cloudEvent(onOrder, { orderId: "boom", amount: 1 }, { id: "dl-1" });
    await app.send("onOrder", first);
    await app.send("onOrder", first);
    // daprd republishes the original bytes to the dead-letter topic: same id, topic still "orders".
    await app.send("onDead", { ...first, headers: { ...first.headers } });
    expect(calls.at(-1)).toEqual({
      kind: "saveState",
      store: "statestore",
      key: "dead-dl-1",
      value: { reason: "handler threw: Error: database down", attempts: 2 },
    });
  });
});

describe("input bindings", () => {
  it("answers daprd's OPTIONS probe with 200", async () => {
    expect((await app.request("/cron", { method: "OPTIONS" })).status).toBe(200);
  });

  it("accepts cron's empty application/json body and answers exactly 200", async () => {
    calls.length = 0;
    const res = await answer(app.send("onTick", bindingRequest(onTick)));
    expect(res).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(calls).toEqual([{ kind: "saveState", store: "statestore", key: "tick", value: "2026-01-01 00:00:00 +0000 UTC" }]);
  });

  it("answers 500 when the handler throws (the component or resiliency retries) and 200 DROP on bad input", async () => {
    expect((await answer(app.send("onQueue", bindingRequest(onQueue, { data: { n: -1 } })))).status).toBe(500);
    const bad = await answer(app.send("onQueue", bindingRequest(onQueue, { body: "not json" })));
    expect(bad.status).toBe(200);
    expect(bad.body.status).toBe("DROP");
  });
});

describe("invoked routes", () => {
  it("answers the handler's reply, with path params", async () => {
    const res = await answer(app.send("getOrder", invokeRequest(getOrder, { params: { id: "o-9" }, body: { amount: 1 } })));
    expect(res).toEqual({ status: 202, body: { orderId: "o-9" } });
  });

  it.each([
    [
      "a schema failure",
      { body: { amount: "x" } as never },
      400,
      { error: "invalid request body", issues: [expect.stringMatching(/^amount: Invalid type/)] },
    ],
    [
      "malformed JSON",
      { body: "{", headers: { "content-type": "application/json" } },
      400,
      { error: expect.stringMatching(/^malformed JSON/) },
    ],
    [
      "the wrong content type",
      { body: "x", headers: { "content-type": "text/plain" } },
      415,
      { error: expect.stringMatching(/unsupported content type/) },
    ],
    // The exception text (here "unlucky", elsewhere a connection string) stays in the log and the span.
    ["a thrown error", { body: { amount: 13 } }, 500, { error: "internal error", correlationId: expect.stringMatching(/^[\da-f]{32}$/) }],
  ])("answers %s with a clear %i", async (_, request, status, body) => {
    const res = await answer(app.send("getOrder", invokeRequest(getOrder, { params: { id: "1" }, ...request })));
    expect(res).toEqual({ status, body });
  });

  it("answers 502 when an effect fails, without daprd's text but with the trace id, and 413 when the body is too large", async () => {
    const failing = defineHandler({ trigger: invoke("POST", "/x"), schema: v.unknown(), handle: () => [publish("pubsub", "broken", 1)] });
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const request = invokeRequest(failing, { body: {}, headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    const res = await answer(testApp({ failing }, { sidecar: recording }).send("failing", request));
    expect(res).toEqual({ status: 502, body: { error: "internal error", correlationId: traceId } });
    // No traceparent: the runtime mints one, so the caller still gets an id to quote.
    const minted = await answer(testApp({ failing }, { sidecar: recording }).send("failing", invokeRequest(failing, { body: {} })));
    expect(minted.body).toMatchObject({ correlationId: expect.stringMatching(/^[\da-f]{32}$/) });
    const small = testApp({ getOrder }, { maxBodyBytes: 8 });
    expect((await small.send("getOrder", invokeRequest(getOrder, { params: { id: "1" }, body: { amount: 123456789 } }))).status).toBe(413);
  });
});

describe("the app around the handlers", () => {
  it("answers 404 for a route no handler owns, and [] on /dapr/subscribe (subscriptions are declarative)", async () => {
    expect((await app.request("/events/nobody", { method: "POST" })).status).toBe(404);
    expect(await (await app.request("/dapr/subscribe")).json()).toEqual([]);
  });

  it("requires APP_API_TOKEN's dapr-api-token on everything but the health probe", async () => {
    const secured = testApp({ onTick }, { appApiToken: "s3cret" });
    expect((await secured.request("/healthz")).status).toBe(200);
    expect((await secured.send("onTick", bindingRequest(onTick))).status).toBe(401);
    expect((await secured.request("/cron", { method: "OPTIONS" })).status).toBe(401);
    const withToken = bindingRequest(onTick);
    withToken.headers["dapr-api-token"] = "s3cret";
    expect((await secured.send("onTick", withToken)).status).toBe(200);
  });
});
