// Inputs, concurrency and effects applied once, through the real pipeline and the fake sidecar.
import { setupServer } from "msw/node";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { describeHandler } from "../descriptor.ts";
import {
  callApp,
  configuration,
  defineHandler,
  deleteState,
  invoke,
  invokeApp,
  publish,
  reply,
  retry,
  saveState,
  secret,
  state,
  states,
  topic,
  transaction,
} from "../index.ts";
import { cloudEvent, invokeRequest } from "../testing/builders.ts";
import { createFakeSidecar } from "../testing/fake-sidecar.ts";
import { runHandler, testApp } from "../testing/run.ts";
import { createApp } from "./app.ts";
import { deliver, isConflict } from "./pipeline.ts";
import { SidecarError } from "./sidecar.ts";

const sidecar = createFakeSidecar({ configuration: { configstore: { "max-amount": "500" } } });
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());
const client = { client: sidecar.client };

const Item = v.object({ n: v.number() });
const handled: unknown[] = [];

const onRead = defineHandler({
  trigger: topic("pubsub", "reads"),
  schema: v.object({ id: v.string() }),
  inputs: ({ data }) => ({
    item: state("statestore", `item-${data.id}`, { schema: Item }),
    both: states("statestore", [`item-${data.id}`, "nothing"]),
    key: secret("secretstore", "api", { key: "token" }),
    limits: configuration("configstore", ["max-amount"]),
    answer: callApp("quotes", "POST", "/quote", {
      after: ["key"],
      body: { id: data.id },
      headers: ({ key }) => ({ "x-key": String(key) }),
    }),
  }),
  handle: (_event, inputs) => {
    handled.push(inputs);
    return [];
  },
});

describe("inputs", () => {
  it("are read before handle: a key with its ETag, several keys, a secret, configuration, another app's answer", async () => {
    handled.length = 0;
    const etag = sidecar.seed("statestore", "item-1", { n: 1 });
    sidecar.secret("secretstore", "api", { token: "s3cret" });
    sidecar.app("quotes").on("POST", "/quote", (req) => ({ status: 200, body: { price: 7, sawKey: req.headers["x-key"] } }));
    const { status } = await runHandler(onRead, cloudEvent(onRead, { id: "1" }), client);
    expect(status).toBe("SUCCESS");
    expect(handled).toEqual([
      {
        item: { key: "item-1", value: { n: 1 }, etag },
        both: [
          { key: "item-1", value: { n: 1 }, etag },
          { key: "nothing", value: undefined, etag: undefined },
        ],
        key: "s3cret",
        limits: { "max-amount": expect.objectContaining({ value: "500" }) },
        answer: { ok: true, status: 200, body: { price: 7, sawKey: "s3cret" } },
      },
    ]);
    expect(sidecar.invocations[0]).toMatchObject({ appId: "quotes", method: "POST", path: "/quote", body: { id: "1" } });
  });

  it("give a missing key as undefined, unvalidated", async () => {
    handled.length = 0;
    sidecar.secret("secretstore", "api", { token: "t" });
    sidecar.app("quotes").on("POST", "/quote", { body: {} });
    await runHandler(onRead, cloudEvent(onRead, { id: "absent" }), client);
    expect(handled).toMatchObject([{ item: { key: "item-absent", value: undefined, etag: undefined } }]);
  });

  it("hand a called app's 4xx to the handler", async () => {
    handled.length = 0;
    sidecar.secret("secretstore", "api", { token: "t" });
    sidecar.app("quotes").on("POST", "/quote", { status: 404, body: { error: "no quote" } });
    expect((await runHandler(onRead, cloudEvent(onRead, { id: "1" }), client)).status).toBe("SUCCESS");
    expect(handled).toMatchObject([{ answer: { ok: false, status: 404, body: { error: "no quote" } } }]);
  });

  it("turn a sidecar failure or a called app's 5xx into RETRY, before handle runs", async () => {
    handled.length = 0;
    sidecar.secret("secretstore", "api", { token: "t" });
    sidecar.app("quotes").on("POST", "/quote", { status: 503 });
    const down = await runHandler(onRead, cloudEvent(onRead, { id: "1" }), client);
    expect(down).toMatchObject({
      status: "RETRY",
      reason: expect.stringContaining("input answer (callApp quotes POST /quote): quotes POST /quote answered 503"),
    });
    sidecar.fail({ operation: "getState", status: 500, errorCode: "ERR_STATE_GET" });
    const unreadable = await runHandler(onRead, cloudEvent(onRead, { id: "1" }), client);
    // The first read is of the applied-record (an idempotent topic handler), and fails the same way.
    expect(unreadable).toMatchObject({ status: "RETRY", reason: expect.stringContaining("sidecar answered 500 ERR_STATE_GET") });
    expect(handled).toEqual([]);
  });

  it("turn a stored value that fails its schema into DROP with the reason", async () => {
    sidecar.seed("statestore", "item-1", { n: "not a number" });
    sidecar.secret("secretstore", "api", { token: "t" });
    sidecar.app("quotes").on("POST", "/quote", { body: {} });
    const { status, reason } = await runHandler(onRead, cloudEvent(onRead, { id: "1" }), client);
    expect({ status, reason }).toEqual({
      status: "DROP",
      reason: expect.stringContaining("stored value of statestore/item-1 fails its schema: n: Invalid type"),
    });
  });

  it("keep daprd's text from an invoked route's caller: 502 for an unavailable input, 500 for invalid stored data, each with a correlation id only", async () => {
    const getItem = defineHandler({
      trigger: invoke("GET", "/items/:id"),
      schema: v.undefined(),
      inputs: ({ params }) => ({ item: state("statestore", `item-${params.id}`, { schema: Item }) }),
      handle: (_e, { item }) => reply(200, item.value),
    });
    const app = testApp({ getItem }, client);
    sidecar.fail({ operation: "getState", status: 500, errorCode: "ERR_STATE_GET" });
    const down = await app.send("getItem", invokeRequest(getItem, { params: { id: "1" } }));
    expect(down.status).toBe(502);
    const body = await down.json();
    expect(body).toEqual({ error: "internal error", correlationId: expect.stringMatching(/^[\da-f]{32}$/) });
    expect(JSON.stringify(body)).not.toContain("ERR_STATE_GET");
    sidecar.seed("statestore", "item-2", { n: "x" });
    expect((await app.send("getItem", invokeRequest(getItem, { params: { id: "2" } }))).status).toBe(500);
  });
});

describe("concurrency", () => {
  let runs = 0;
  const bump = defineHandler({
    trigger: invoke("POST", "/counters/:name"),
    schema: v.undefined(),
    inputs: ({ params }) => ({ counter: state("statestore", `counter-${params.name}`, { schema: Item }) }),
    handle: (_event, { counter }) => {
      runs++;
      // Another writer sneaks in between this read and this write, the first time only.
      if (runs === 1) sidecar.seed("statestore", counter.key, { n: 100 });
      const n = (counter.value?.n ?? 0) + 1;
      return [saveState("statestore", counter.key, { n }, { etag: counter.etag }), reply(200, { n })];
    },
  });

  it("reads again and runs handle again when its write meets a concurrent change (409)", async () => {
    runs = 0;
    sidecar.seed("statestore", "counter-a", { n: 1 });
    const res = await testApp({ bump }, client).send("bump", invokeRequest(bump, { params: { name: "a" } }));
    expect({ status: res.status, body: await res.json(), runs }).toEqual({ status: 200, body: { n: 101 }, runs: 2 });
    expect(sidecar.get("statestore", "counter-a")).toEqual({ n: 101 });
  });

  it("answers 409 (RETRY for a topic) when every attempt meets a conflict, with nothing applied", async () => {
    const stubborn = defineHandler({
      trigger: invoke("POST", "/stubborn"),
      schema: v.undefined(),
      inputs: () => ({ a: state("statestore", "a") }),
      handle: (_e, { a }) => {
        sidecar.seed("statestore", "a", { changed: true }); // someone always writes first
        return [saveState("statestore", "a", { mine: true }, { etag: a.etag ?? "stale" }), saveState("statestore", "b", { mine: true })];
      },
    });
    sidecar.seed("statestore", "a", 1);
    const res = await testApp({ stubborn }, client).send("stubborn", invokeRequest(stubborn));
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "the data changed while this request was handled, try again" });
    expect(sidecar.get("statestore", "b")).toBeUndefined(); // the other write of the same delivery was not applied either
  });
});

describe("effects applied once", () => {
  let charged = 0;
  const onPaid = defineHandler({
    trigger: topic("pubsub", "paid"),
    schema: v.object({ orderId: v.string() }),
    inputs: ({ data }) => ({ charge: callApp("gateway", "POST", "/charge", { body: data }) }),
    handle: ({ data }) => [
      saveState("statestore", `paid-${data.orderId}`, true),
      saveState("statestore", `ledger-${data.orderId}`, 1),
      publish("pubsub", "receipts", data),
    ],
  });

  it("writes a delivery's state in one transaction with its applied-record, before the publish, whose id is derived", async () => {
    sidecar.app("gateway").on("POST", "/charge", { body: { ok: true } });
    const delivery = cloudEvent(onPaid, { orderId: "o-1" }, { id: "msg-1" });
    expect((await runHandler(onPaid, delivery, client)).status).toBe("SUCCESS");
    expect(sidecar.get("statestore", "paid-o-1")).toBe(true);
    expect(sidecar.get("statestore", "daprlet-applied-handler-msg-1")).toEqual({ appliedAt: expect.any(String) });
    expect(sidecar.published).toEqual([expect.objectContaining({ topic: "receipts", metadata: { "cloudevent.id": "msg-1-2" } })]);
  });

  it("applies nothing twice when the same message comes again, and does not call the other app again", async () => {
    charged = 0;
    sidecar.app("gateway").on("POST", "/charge", () => {
      charged++;
      return { body: { ok: true } };
    });
    const delivery = cloudEvent(onPaid, { orderId: "o-2" }, { id: "msg-2" });
    await runHandler(onPaid, delivery, client);
    const again = await runHandler(onPaid, delivery, client);
    expect({ status: again.status, charged, published: sidecar.published.length }).toEqual({ status: "SUCCESS", charged: 1, published: 1 });
  });

  it("finishes what a failed delivery still owed (the publish) without handling it again", async () => {
    charged = 0;
    sidecar.app("gateway").on("POST", "/charge", () => {
      charged++;
      return { body: { ok: true } };
    });
    sidecar.fail({ operation: "publish", status: 500, errorCode: "ERR_PUBSUB_PUBLISH_MESSAGE" });
    const delivery = cloudEvent(onPaid, { orderId: "o-3" }, { id: "msg-3" });
    expect((await runHandler(onPaid, delivery, client)).status).toBe("RETRY");
    expect(sidecar.get("statestore", "paid-o-3")).toBe(true); // committed before the publish failed
    const redelivered = await runHandler(onPaid, delivery, client);
    expect({ status: redelivered.status, charged, published: sidecar.published.map((p) => p.metadata) }).toEqual({
      status: "SUCCESS",
      charged: 1,
      published: [{ "cloudevent.id": "msg-3-2" }],
    });
    expect(sidecar.get("statestore", "daprlet-applied-handler-msg-3")).toEqual({ appliedAt: expect.any(String) });
  });

  describe("without inputs", () => {
    let handled = 0;
    const onShipped = defineHandler({
      trigger: topic("pubsub", "shipped"),
      schema: v.object({ orderId: v.string() }),
      // Counts its own calls, so a second handling would write a different value.
      handle: ({ data }) => [saveState("statestore", `shipped-${data.orderId}`, ++handled), publish("pubsub", "notify", data)],
    });
    const calls: string[] = [];
    const record = ({ request }: { request: Request }) => {
      const url = new URL(request.url);
      if (url.pathname.startsWith("/v1.0/")) calls.push(`${request.method} ${url.pathname}`);
    };
    beforeAll(() => server.events.on("request:start", record));
    afterAll(() => server.events.removeListener("request:start", record));

    it("reads the record, writes state and record in one transaction, and applies a repeat of the message not at all", async () => {
      handled = 0;
      calls.length = 0;
      const delivery = cloudEvent(onShipped, { orderId: "s-1" }, { id: "ship-1" });
      expect((await runHandler(onShipped, delivery, client)).status).toBe("SUCCESS");
      // The record read (none yet), one write for state + record, the publish, the record marked done.
      expect(calls).toEqual([
        "GET /v1.0/state/statestore/daprlet-applied-handler-ship-1",
        "POST /v1.0/state/statestore/transaction",
        "POST /v1.0/publish/pubsub/notify",
        "POST /v1.0/state/statestore",
      ]);
      const again = await runHandler(onShipped, delivery, client);
      expect({ status: again.status, stored: sidecar.get("statestore", "shipped-s-1"), published: sidecar.published.length }).toEqual({
        status: "SUCCESS",
        stored: 1,
        published: 1,
      });
    });
  });

  it("can be turned off per handler", async () => {
    const loose = defineHandler({ ...onPaid, idempotency: false });
    sidecar.app("gateway").on("POST", "/charge", { body: {} });
    const delivery = cloudEvent(loose, { orderId: "o-4" }, { id: "msg-4" });
    await runHandler(loose, delivery, client);
    await runHandler(loose, delivery, client);
    expect(sidecar.published).toHaveLength(2);
  });
});

describe("a retried or dropped message", () => {
  it("leaves no applied-record, so its redelivery is handled again", async () => {
    let attempts = 0;
    const waiting = defineHandler({
      trigger: topic("pubsub", "waiting"),
      schema: v.unknown(),
      handle: () =>
        ++attempts === 1
          ? [saveState("statestore", "side", 1), { kind: "retry", reason: "not yet" } as const]
          : [saveState("statestore", "done", 1)],
    });
    const delivery = cloudEvent(waiting, {}, { id: "w-1" });
    expect((await runHandler(waiting, delivery, client)).status).toBe("RETRY");
    expect(sidecar.get("statestore", "daprlet-applied-handler-w-1")).toBeUndefined();
    expect((await runHandler(waiting, delivery, client)).status).toBe("SUCCESS");
    expect(sidecar.get("statestore", "done")).toBe(1);
  });
});

describe("failure records shared through the state store", () => {
  const Any = v.object({ n: v.number() });
  const onWork = defineHandler({
    trigger: topic("pubsub", "work", { deadLetterTopic: "work-dead" }),
    schema: Any,
    handle: () => {
      throw new Error("database down");
    },
  });
  const onWorkDead = defineHandler({
    trigger: topic("pubsub", "work-dead"),
    schema: v.unknown(),
    handle: ({ id, failure }) => [saveState("statestore", `dead-${id}`, failure ?? "unknown")],
  });
  // Two replicas: two apps (each with its own in-memory log) on one sidecar's state.
  const replica = () => testApp({ onWork, onWorkDead }, client);
  const status = async (res: Promise<Response>) => ((await (await res).json()) as { status: string }).status;

  it("lets a dead-letter delivery on another replica report the original reason and attempts, then clears the record", async () => {
    const [a, b] = [replica(), replica()];
    const delivery = cloudEvent(onWork, { n: 1 }, { id: "w-1" });
    expect(await status(a.send("onWork", delivery))).toBe("RETRY");
    expect(await status(a.send("onWork", delivery))).toBe("RETRY");
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-work-w-1")).toEqual({
      reason: "handler threw: Error: database down",
      attempts: 2,
    });
    // daprd republishes the original bytes (topic still "work") to work-dead; replica b takes it.
    expect(await status(b.send("onWorkDead", delivery))).toBe("SUCCESS");
    expect(sidecar.get("statestore", "dead-w-1")).toEqual({ reason: "handler threw: Error: database down", attempts: 2 });
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-work-w-1")).toBeUndefined();
  });

  it("counts a message's own attempts in the process daprd retries it in, and writes the record with a TTL", async () => {
    const calls: { path: string; body?: string }[] = [];
    const spy: typeof sidecar.client = (call, context) => {
      calls.push({
        path: call.path,
        body: typeof call.body === "string" ? call.body : call.body ? new TextDecoder().decode(call.body) : undefined,
      });
      return sidecar.client(call, context);
    };
    const delivery = cloudEvent(onWork, { n: 1 }, { id: "w-2" });
    const app = testApp({ onWork }, { client: spy });
    await app.send("onWork", delivery);
    await app.send("onWork", delivery);
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-work-w-2")).toMatchObject({ attempts: 2 });
    // An ordinary delivery reads no record from the store (daprd retries it to the same process).
    expect(calls.filter((c) => c.path.startsWith("/state/statestore/daprlet-failure-"))).toEqual([]);
    const write = calls.find((c) => c.path === "/state/statestore" && c.body?.includes("daprlet-failure-"));
    expect(JSON.parse(write?.body ?? "[]")[0]).toMatchObject({ metadata: { ttlInSeconds: "86400" } });
  });

  it("never changes the verdict when the record cannot be read or written: this process's own log is used", async () => {
    const a = replica();
    const delivery = cloudEvent(onWork, { n: 1 }, { id: "w-3" });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    sidecar.fail({ operation: "saveState", status: 500 });
    expect(await status(a.send("onWork", delivery))).toBe("RETRY");
    expect(await status(a.send("onWork", delivery))).toBe("RETRY");
    // The first write failed; the second delivery counted on this process's memory (1): the store holds attempt 2.
    expect(sidecar.get("statestore", "daprlet-failure-pubsub-work-w-3")).toMatchObject({ attempts: 2 });
    sidecar.fail({ operation: "getState", status: 500 });
    sidecar.fail({ operation: "deleteState", status: 500 });
    expect(await status(a.send("onWorkDead", delivery))).toBe("SUCCESS");
    expect(sidecar.get("statestore", "dead-w-3")).toEqual({ reason: "handler threw: Error: database down", attempts: 2 });
    expect(warn.mock.calls.map(([line]) => String(line).replace(/:.*/, ""))).toEqual([
      "[daprlet] could not write the failure record statestore/daprlet-failure-pubsub-work-w-3 (kept in this process only)",
      "[daprlet] could not read the failure record statestore/daprlet-failure-pubsub-work-w-3 (using this process's own)",
      "[daprlet] could not delete the failure record statestore/daprlet-failure-pubsub-work-w-3 (it expires by its TTL)",
    ]);
    warn.mockRestore();
  });

  it("keeps records in another store, or in memory only, as the app is told", async () => {
    const other = createFakeSidecar({ port: 3599, stores: ["statestore", "failures"] });
    server.use(...other.handlers);
    const app = createApp({
      handlers: [describeHandler("onWork", onWork)],
      client: other.client,
      execute: async () => {},
      failureStore: { store: "failures" },
    });
    await app.request("/events/onWork", {
      method: "POST",
      headers: cloudEvent(onWork, { n: 1 }, { id: "w-4" }).headers,
      body: cloudEvent(onWork, { n: 1 }, { id: "w-4" }).body,
    });
    expect(other.get("failures", "daprlet-failure-pubsub-work-w-4")).toMatchObject({ attempts: 1 });
    const local = createApp({
      handlers: [describeHandler("onWork", onWork)],
      client: other.client,
      execute: async () => {},
      failureStore: false,
    });
    await local.request("/events/onWork", {
      method: "POST",
      headers: cloudEvent(onWork, { n: 1 }, { id: "w-5" }).headers,
      body: cloudEvent(onWork, { n: 1 }, { id: "w-5" }).body,
    });
    expect(other.get("failures", "daprlet-failure-pubsub-work-w-5")).toBeUndefined();
    expect(other.get("statestore", "daprlet-failure-pubsub-work-w-5")).toBeUndefined();
  });
});

describe("verdicts that cannot be fooled", () => {
  const d = (name: string, handler: Parameters<typeof describeHandler>[1]) => describeHandler(name, handler);
  const topicOf = (handle: () => unknown, extra: object = {}) =>
    defineHandler({ trigger: topic("pubsub", "fooled"), schema: v.unknown(), handle: handle as never, ...extra });
  const deliverTo = async (h: ReturnType<typeof topicOf>, options: Partial<Parameters<typeof deliver>[2]> = {}) => {
    const descriptor = d("fooled", h);
    const delivery = cloudEvent(h, {}, { id: `f-${Math.random()}` });
    const { outcomes, answer } = await deliver(
      descriptor,
      { ...delivery, path: descriptor.route },
      { execute: sidecar.execute, ...options },
    );
    return { ...outcomes[0].verdict, answer };
  };

  it.each([
    [
      "throw undefined",
      () => {
        throw undefined;
      },
    ],
    ["Promise.reject()", () => Promise.reject()],
    [
      "throw null",
      () => {
        throw null;
      },
    ],
  ])("answers RETRY, never SUCCESS, for %s", async (_, handle) => {
    expect(await deliverTo(topicOf(handle))).toMatchObject({ status: "RETRY", cause: "throw" });
  });

  it("answers RETRY when inputs(event), an input's when, or its path or headers throw (undefined included)", async () => {
    const cases = {
      inputs: () => {
        throw undefined;
      },
      when: () => ({
        a: callApp("x", "GET", "/a", {
          when: () => {
            throw undefined;
          },
        }),
      }),
      path: () => ({
        a: callApp("x", "GET", () => {
          throw new Error("no path");
        }),
      }),
      headers: () => ({
        a: callApp("x", "GET", "/a", {
          headers: () => {
            throw new Error("no header");
          },
        }),
      }),
    };
    const reasons: Record<string, string | undefined> = {};
    for (const [name, inputs] of Object.entries(cases)) {
      const verdict = await deliverTo(
        topicOf(() => [], { inputs }),
        client,
      );
      expect(verdict.status, name).toBe("RETRY");
      reasons[name] = verdict.reason;
    }
    expect(reasons).toEqual({
      inputs: "handler threw in inputs(event): undefined",
      when: "handler threw in input a: undefined",
      path: "handler threw in input a: Error: no path",
      headers: "handler threw in input a: Error: no header",
    });
  });

  it("answers a reply that cannot be serialized as a throw, before any effect runs", async () => {
    const bigint = defineHandler({
      trigger: invoke("POST", "/big"),
      schema: v.unknown(),
      handle: () => [saveState("statestore", "big-written", true), reply(200, { n: 1n })],
    });
    const res = await testApp({ bigint }, client).send("bigint", invokeRequest(bigint, { body: {} }));
    expect(res.status).toBe(500);
    expect(sidecar.get("statestore", "big-written")).toBeUndefined();
  });

  it("stops at the deadline: a handle that never settles is RETRY, and no effect of a slow delivery starts after it", async () => {
    const never = topicOf(() => new Promise(() => {}));
    expect(await deliverTo(never, { deadlineMs: 50 })).toMatchObject({
      status: "RETRY",
      reason: "deadline of 50 ms passed in handle",
      cause: "deadline",
    });
    const slow = topicOf(() => [publish("pubsub", "first", 1), publish("pubsub", "second", 2)]);
    sidecar.fail({ operation: "publish", delayMs: 120 }); // the first publish hangs past the deadline
    expect(await deliverTo(slow, { deadlineMs: 60 })).toMatchObject({ status: "RETRY", reason: "deadline of 60 ms passed in effects" });
    expect(sidecar.published.map((p) => p.topic)).not.toContain("second");
  });

  it("answers an invoked route's 5xx without the exception text, with a correlation id", async () => {
    const leaky = defineHandler({
      trigger: invoke("POST", "/leaky"),
      schema: v.unknown(),
      handle: () => {
        throw new Error("connect failed: postgres://app:hunter2-secret@db/orders");
      },
    });
    const res = await testApp({ leaky }, client).send("leaky", invokeRequest(leaky, { body: {} }));
    const text = await res.text();
    expect({ status: res.status, body: JSON.parse(text) }).toEqual({
      status: 500,
      body: { error: "internal error", correlationId: expect.stringMatching(/^[\da-f]{32}$/) },
    });
    expect(text).not.toContain("hunter2");
    const asked = defineHandler({
      trigger: invoke("POST", "/asked"),
      schema: v.unknown(),
      handle: () => retry("token sk-live-123 expired"),
    });
    const retried = await testApp({ asked }, client).send("asked", invokeRequest(asked, { body: {} }));
    expect({ status: retried.status, secret: (await retried.text()).includes("sk-live") }).toEqual({ status: 503, secret: false });
  });

  it("takes a called app's 409 for that app's answer, not a state conflict: handle runs once, RETRY with the app's body", async () => {
    let runs = 0;
    const caller = topicOf(() => {
      runs++;
      return [invokeApp("inventory", "POST", "/reserve", { sku: "a" })];
    });
    sidecar.app("inventory").on("POST", "/reserve", { status: 409, body: { error: "out of stock" } });
    const verdict = await deliverTo(caller, client);
    expect({ status: verdict.status, runs }).toEqual({ status: "RETRY", runs: 1 });
    expect(verdict.reason).toContain("out of stock");
  });
});

describe("isConflict", () => {
  const write = saveState("statestore", "k", 1);
  it.each([
    ["a single write's 409 ERR_STATE_SAVE", write, new SidecarError(409, "ERR_STATE_SAVE", "possible etag mismatch"), true],
    ["a delete's 409 ERR_STATE_DELETE", deleteState("statestore", "k"), new SidecarError(409, "ERR_STATE_DELETE", "x"), true],
    [
      "a transaction's etag mismatch",
      transaction("statestore", [write]),
      new SidecarError(500, "ERR_STATE_TRANSACTION", "possible etag mismatch. error from state store"),
      true,
    ],
    [
      "state.redis's transaction mismatch",
      transaction("statestore", [write]),
      new SidecarError(500, "ERR_STATE_TRANSACTION", "failed to set key a||k"),
      true,
    ],
    ["a called app's 409", invokeApp("other", "POST", "/x"), new SidecarError(409, undefined, "sidecar answered 409: taken"), false],
    ["a called app's 409 with a state error code", invokeApp("other", "POST", "/x"), new SidecarError(409, "ERR_STATE_SAVE", "x"), false],
    ["a 409 on a write without daprd's code", write, new SidecarError(409, undefined, "x"), false],
    [
      "another transaction failure",
      transaction("statestore", [write]),
      new SidecarError(500, "ERR_STATE_TRANSACTION", "connection refused"),
      false,
    ],
  ])("%s: %s", (_, effect, error, conflict) => {
    expect(isConflict({ effect, index: 0, of: 1, error })).toBe(conflict);
  });
});

describe("a throw in the handler's own functions", () => {
  it("is an answer with its delivery report (log line, metric, span end), never Hono's bare 500", async () => {
    const reports: { outcome: string; reason?: string }[] = [];
    const pathThrows = defineHandler({
      trigger: invoke("GET", "/paths/:id"),
      schema: v.undefined(),
      inputs: () => ({
        a: callApp("x", "GET", () => {
          throw new Error("no path");
        }),
      }),
      handle: () => reply(200),
    });
    const app = createApp({
      handlers: [describeHandler("pathThrows", pathThrows)],
      client: sidecar.client,
      execute: sidecar.execute,
      watchers: [{ delivered: (r) => reports.push({ outcome: r.outcome.verdict.status, reason: r.outcome.verdict.reason }) }],
    });
    const res = await app.request("/paths/1");
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 500,
      body: { error: "internal error", correlationId: expect.stringMatching(/^[\da-f]{32}$/) },
    });
    expect(reports).toEqual([{ outcome: "RETRY", reason: "handler threw in input a: Error: no path" }]);
  });
});
