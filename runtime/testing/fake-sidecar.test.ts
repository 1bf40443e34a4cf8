import { setupServer } from "msw/node";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defineHandler, publish, saveState, topic } from "../index.ts";
import { cloudEvent } from "./builders.ts";
import { createFakeSidecar } from "./fake-sidecar.ts";
import { Order } from "./fixture/handlers/lib/order.ts";
import { runHandler } from "./run.ts";
import {
  describeActorContract,
  describeConfigurationContract,
  describeJobsContract,
  describeSidecarContract,
  fixtureAppId,
  fixtureSecrets,
} from "./sidecar-contract.ts";

const sidecar = createFakeSidecar({ port: 3599, token: "contract-token", secrets: { secretstore: fixtureSecrets() } });
const schedulerless = createFakeSidecar({ port: 3595, scheduler: false });
const server = setupServer(...sidecar.handlers, ...schedulerless.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

/** The fixture app's invoked route as the real daprd reaches it: createOrder's answers. */
const primeFixtureApp = () => {
  sidecar.app(fixtureAppId).on("POST", "/orders", ({ body }) => {
    const order = v.safeParse(Order, body);
    return order.success
      ? { status: 202, body: { orderId: order.output.orderId, status: "accepted" } }
      : { status: 400, body: { error: "invalid request body", issues: order.issues.map((i) => i.message) } };
  });
};

describeSidecarContract("fake sidecar (msw)", () => ({ port: 3599, token: "contract-token" }), { prime: primeFixtureApp });
describeConfigurationContract("fake sidecar (msw)", () => ({ port: 3599, token: "contract-token" }), {
  store: "configstore",
  seed: (key, value, version) => sidecar.configure("configstore", key, { value, version }),
});

describeJobsContract("fake sidecar (msw)", () => ({ port: 3599, token: "contract-token" }), { scheduler: true });

/** The fixture's Counter actor as daprd reaches it through the app: its replies, state and error header. */
const primeCounter = () => {
  sidecar.actor("Counter").on("add", ({ type, id, body }) => {
    const by = (body as { by?: unknown } | undefined)?.by;
    if (typeof by !== "number") return { body: { error: "invalid input" }, headers: { "X-Daprerrorresponseheader": "true" } };
    const n = ((sidecar.actorState(type, id) as { n: number } | undefined)?.n ?? 0) + by;
    sidecar.seedActor(type, id, { n });
    return { body: { n } };
  });
  sidecar.actor("Counter").on("get", ({ type, id }) => ({ body: sidecar.actorState(type, id) ?? { n: 0 } }));
};
describeActorContract("fake sidecar (msw)", () => ({ port: 3599, token: "contract-token" }), { prime: primeCounter });
describeJobsContract("fake sidecar (msw) without a scheduler", () => ({ port: 3595 }), { scheduler: false });

const onPaid = defineHandler({
  trigger: topic("pubsub", "payments"),
  schema: v.object({ orderId: v.string() }),
  handle: ({ data }) => [
    saveState("statestore", `paid-${data.orderId}`, true),
    publish("pubsub", "receipts-due", data, { metadata: { ttlInSeconds: "60" } }),
  ],
});
const execute = createFakeSidecar({ port: 3599, token: "contract-token" }).execute;

describe("the fake sidecar behind a handler", () => {
  it("stores and publishes what the handler returned, with metadata as daprd receives it", async () => {
    const result = await runHandler(onPaid, cloudEvent(onPaid, { orderId: "o-1" }), { sidecar: execute });
    expect(result.status).toBe("SUCCESS");
    expect(sidecar.get("statestore", "paid-o-1")).toBe(true);
    expect(sidecar.published).toEqual([
      {
        pubsub: "pubsub",
        topic: "receipts-due",
        data: { orderId: "o-1" },
        contentType: "application/json",
        metadata: { ttlInSeconds: "60" },
      },
    ]);
  });

  it("turns an injected 500 on publish into RETRY, after the state write", async () => {
    sidecar.fail({ operation: "publish", status: 500, errorCode: "ERR_PUBSUB_PUBLISH_MESSAGE" });
    const result = await runHandler(onPaid, cloudEvent(onPaid, { orderId: "o-2" }), { sidecar: execute });
    expect(result).toMatchObject({
      status: "RETRY",
      reason:
        "effect 2 of 2 (publish pubsub/receipts-due) failed: SidecarError: sidecar answered 500 ERR_PUBSUB_PUBLISH_MESSAGE: injected failure of publish",
    });
    expect(sidecar.get("statestore", "paid-o-2")).toBe(true);
    expect(sidecar.published).toEqual([]);
  });

  it("turns an ETag conflict (409) into RETRY", async () => {
    const etag = sidecar.seed("statestore", "k", 1);
    sidecar.seed("statestore", "k", 2);
    const conflicting = defineHandler({
      trigger: topic("pubsub", "t"),
      schema: v.unknown(),
      handle: () => [saveState("statestore", "k", 3, { etag })],
    });
    const result = await runHandler(conflicting, cloudEvent(conflicting, null), { sidecar: execute });
    expect(result.status).toBe("RETRY");
    expect(result.reason).toMatch(/sidecar answered 409 ERR_STATE_SAVE/);
  });

  it("turns a sidecar that does not answer in time into RETRY", async () => {
    sidecar.fail({ operation: "saveState", delayMs: 1_500 });
    const result = await runHandler(onPaid, cloudEvent(onPaid, { orderId: "o-3" }), { sidecar: execute });
    expect(result.status).toBe("RETRY");
    expect(result.reason).toMatch(/did not answer within 1000 ms/);
  });

  it("answers 401 without the API token, as daprd does with DAPR_API_TOKEN", async () => {
    const res = await fetch("http://127.0.0.1:3599/v1.0/state/statestore/k");
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("invalid api token");
  });
});

describe("the fake sidecar's reads", () => {
  const ctx = { headers: {} };
  const body = (res: { body: Uint8Array }) => JSON.parse(new TextDecoder().decode(res.body)) as unknown;

  it("records each invocation of a known app and answers with the canned answer or its function", async () => {
    sidecar
      .app("payments")
      .on("POST", "/charge", ({ body }) => ({ status: 201, body: { charged: (body as { amount: number }).amount } }))
      .on("*", "health", { body: "ok" });
    const charged = await sidecar.client(
      {
        api: "invoke",
        method: "POST",
        path: "/invoke/payments/method/charge?idempotent=1",
        body: JSON.stringify({ amount: 5 }),
        headers: { "x-request-id": "r-1" },
      },
      ctx,
    );
    expect({ status: charged.status, body: body(charged) }).toEqual({ status: 201, body: { charged: 5 } });
    const health = await sidecar.client({ api: "invoke", method: "GET", path: "/invoke/payments/method/health" }, ctx);
    expect({ status: health.status, type: health.headers.get("content-type"), text: new TextDecoder().decode(health.body) }).toEqual({
      status: 200,
      type: "text/plain; charset=UTF-8",
      text: "ok",
    });
    expect(sidecar.invocations).toMatchObject([
      {
        appId: "payments",
        method: "POST",
        path: "/charge",
        query: "idempotent=1",
        headers: { "x-request-id": "r-1", "content-type": "application/json" },
        body: { amount: 5 },
      },
      { appId: "payments", method: "GET", path: "/health", query: "", body: undefined },
    ]);
    expect(sidecar.invocations[0]?.headers).not.toHaveProperty("dapr-api-token");
  });

  it("answers a known app's unknown route with 404, as a Hono app does", async () => {
    sidecar.app("payments");
    const res = await sidecar.client({ api: "invoke", method: "GET", path: "/invoke/payments/method/nowhere", answerAny: true }, ctx);
    expect(res.status).toBe(404);
    expect(sidecar.invocations).toHaveLength(1);
  });

  it("seeds secrets from options and sidecar.secret, and puts the options' seeds back on reset", async () => {
    sidecar.secret("vault", "api", { token: "t-1" });
    const res = await sidecar.client({ api: "secrets.get", method: "GET", path: "/secrets/vault/api" }, ctx);
    expect(body(res)).toEqual({ token: "t-1" });
    sidecar.secret("secretstore", "payment-gateway-key", { "payment-gateway-key": "changed" });
    sidecar.reset();
    await expect(sidecar.client({ api: "secrets.get", method: "GET", path: "/secrets/vault/api" }, ctx)).rejects.toMatchObject({
      status: 500,
      errorCode: "ERR_SECRET_GET",
    });
    const seeded = await sidecar.client({ api: "secrets.get", method: "GET", path: "/secrets/secretstore/payment-gateway-key" }, ctx);
    expect(body(seeded)).toEqual({ "payment-gateway-key": "test-gateway-key" });
  });

  it("counts configuration versions per key, answers every key when none is asked, and empties on reset", async () => {
    sidecar.configure("configstore", "limit", "10");
    sidecar.configure("configstore", "limit", "20");
    sidecar.configure("configstore", "mode", { value: "strict", version: "v9", metadata: { source: "test" } });
    const res = await sidecar.client({ api: "configuration.get", method: "GET", path: "/configuration/configstore" }, ctx);
    expect(body(res)).toEqual({
      limit: { value: "20", version: "2" },
      mode: { value: "strict", version: "v9", metadata: { source: "test" } },
    });
    sidecar.reset();
    const none = await sidecar.client({ api: "configuration.get", method: "GET", path: "/configuration/configstore?key=limit" }, ctx);
    expect(none.status).toBe(204);
  });

  it("answers 500 with no secret or configuration store at all, as daprd does", async () => {
    const bare = createFakeSidecar({ port: 3599, token: "contract-token", secretStores: [], configurationStores: [] });
    server.use(...bare.handlers);
    try {
      await expect(bare.client({ api: "secrets.get", method: "GET", path: "/secrets/secretstore/x" }, ctx)).rejects.toMatchObject({
        status: 500,
        errorCode: "ERR_SECRET_STORES_NOT_CONFIGURED",
      });
      await expect(bare.client({ api: "configuration.get", method: "GET", path: "/configuration/c?key=k" }, ctx)).rejects.toMatchObject({
        status: 500,
        errorCode: "ERR_CONFIGURATION_STORE_NOT_CONFIGURED",
      });
    } finally {
      server.resetHandlers();
    }
  });

  it.each([
    ["getState", { api: "state.get", method: "GET", path: "/state/statestore/k" }],
    ["bulkState", { api: "state.bulk", method: "POST", path: "/state/statestore/bulk", body: '{"keys":["k"]}' }],
    ["getSecret", { api: "secrets.get", method: "GET", path: "/secrets/secretstore/payment-gateway-key" }],
    ["getConfiguration", { api: "configuration.get", method: "GET", path: "/configuration/configstore?key=k" }],
    ["invoke", { api: "invoke", method: "GET", path: "/invoke/payments/method/x" }],
  ] as const)("injects a failure into %s, once", async (operation, call) => {
    sidecar.app("payments").on("GET", "/x", { body: { ok: true } });
    sidecar.fail({ operation, status: 503, errorCode: "ERR_TEST" });
    await expect(sidecar.client(call, ctx)).rejects.toMatchObject({ status: 503, errorCode: "ERR_TEST" });
    const again = await sidecar.client(call, ctx).then(
      (res) => res.status,
      (error: { status: number }) => error.status,
    );
    expect(again).not.toBe(503);
  });

  it("lists secret and configuration stores in its metadata", async () => {
    const res = await fetch("http://127.0.0.1:3599/v1.0/metadata", { headers: { "dapr-api-token": "contract-token" } });
    const { components } = (await res.json()) as { components: { name: string; type: string }[] };
    expect(components).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "secretstore", type: "secretstores.local.file" }),
        expect.objectContaining({ name: "configstore", type: "configuration.redis" }),
      ]),
    );
  });
});
