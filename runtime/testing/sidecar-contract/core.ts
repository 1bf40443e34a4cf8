import { beforeEach, describe, expect, it } from "vitest";
import { deleteState, type Effect, invokeBinding, publish, saveState, transaction } from "../../index.ts";
import { bulkStateInputKind } from "../../kinds/bulk-state-input.ts";
import { callAppInputKind } from "../../kinds/call-app-input.ts";
import { secretInputKind } from "../../kinds/secret-input.ts";
import { stateInputKind } from "../../kinds/state-input.ts";
import { type ContractOptions, type ContractTarget, connect, fixtureAppId, unique } from "./connect.ts";

/** Registers the contract's tests; `target` is called once the suite's setup has run. */
export function describeSidecarContract(name: string, target: () => ContractTarget, options: ContractOptions = {}) {
  const { client, run: call, fails, json } = connect(target);
  const read = async (key: string) => {
    const { port, token } = target();
    const res = await fetch(`http://127.0.0.1:${port}/v1.0/state/statestore/${encodeURIComponent(key)}`, {
      headers: token ? { "dapr-api-token": token } : {},
    });
    return { status: res.status, etag: res.headers.get("etag") ?? undefined, value: res.status === 200 ? await res.json() : undefined };
  };
  const refusal = (effect: Effect) => fails(call(effect)).then(({ status, errorCode }) => ({ status, errorCode }));
  const rawTransaction = (operations: { operation: "upsert" | "delete"; request: { key: string; value?: unknown; etag?: string } }[]) =>
    client({ api: "state.transaction", method: "POST", path: "/state/statestore/transaction", body: JSON.stringify({ operations }) });

  describe(`sidecar contract: ${name}`, () => {
    if (options.prime) beforeEach(options.prime);

    it("saves state and reads it back with an ETag; a missing key is 204", async () => {
      const key = unique();
      await call(saveState("statestore", key, { n: 1 }));
      const got = await read(key);
      expect(got).toMatchObject({ status: 200, value: { n: 1 }, etag: expect.any(String) });
      expect((await read(unique())).status).toBe(204);
    });

    it("reads a key as the state input does: its value and ETag, a missing key undefined", async () => {
      const key = unique();
      await call(saveState("statestore", key, { n: 1 }));
      const params = { store: "statestore", key };
      const res = await client(stateInputKind.call(params));
      expect(res.status).toBe(200);
      const etag = res.headers.get("etag");
      expect(etag).toEqual(expect.any(String));
      expect(stateInputKind.read(params, res, undefined)).toEqual({ ok: true, value: { key, value: { n: 1 }, etag } });
      const missing = { store: "statestore", key: unique() };
      const none = await client(stateInputKind.call(missing));
      expect(none.status).toBe(204);
      expect(stateInputKind.read(missing, none, undefined)).toEqual({
        ok: true,
        value: { key: missing.key, value: undefined, etag: undefined },
      });
    });

    it("refuses a save with a stale ETag with 409, and accepts the current one", async () => {
      const key = unique();
      await call(saveState("statestore", key, 1));
      const { etag } = await read(key);
      await call(saveState("statestore", key, 2, { etag }));
      expect(await refusal(saveState("statestore", key, 3, { etag }))).toMatchObject({ status: 409, errorCode: "ERR_STATE_SAVE" });
      expect((await read(key)).value).toBe(2);
    });

    it("refuses first-write to an existing key without an ETag", async () => {
      const key = unique();
      await call(saveState("statestore", key, "first", { concurrency: "first-write" }));
      expect((await refusal(saveState("statestore", key, "second", { concurrency: "first-write" }))).status).toBe(409);
      expect((await read(key)).value).toBe("first");
    });

    it("deletes with the current ETag and refuses a stale one", async () => {
      const key = unique();
      await call(saveState("statestore", key, 1));
      const { etag } = await read(key);
      await call(saveState("statestore", key, 2));
      expect((await refusal(deleteState("statestore", key, { etag }))).status).toBe(409);
      const current = (await read(key)).etag;
      await call(deleteState("statestore", key, { etag: current }));
      expect((await read(key)).status).toBe(204);
    });

    it("refuses a key containing '||' with 400", async () => {
      expect((await refusal(saveState("statestore", "a||b", 1))).status).toBe(400);
    });

    // daprd answers in the store's order, not the order asked (state.sqlite's differs): the bulk
    // input hands the values to `handle` by key, in the order asked.
    it("reads keys in bulk: data and ETag for each key, a missing key as {key} only; the input returns them in the order asked", async () => {
      const [a, b, missing] = [unique(), unique(), unique()];
      await call(saveState("statestore", a, { n: 1 }));
      await call(saveState("statestore", b, "text"));
      const params = { store: "statestore", keys: [b, missing, a] };
      const res = await client(bulkStateInputKind.call(params));
      expect(res.status).toBe(200);
      const [etagA, etagB] = [(await read(a)).etag, (await read(b)).etag];
      const answered = json(res) as unknown[];
      expect(answered).toHaveLength(3);
      expect(answered).toEqual(
        expect.arrayContaining([{ key: b, data: "text", etag: etagB }, { key: missing }, { key: a, data: { n: 1 }, etag: etagA }]),
      );
      expect(bulkStateInputKind.read(params, res, undefined)).toEqual({
        ok: true,
        value: [
          { key: b, value: "text", etag: etagB },
          { key: missing, value: undefined, etag: undefined },
          { key: a, value: { n: 1 }, etag: etagA },
        ],
      });
    });

    it("answers 400 ERR_STATE_STORE_NOT_FOUND to a bulk read of an unknown store", async () => {
      expect(await fails(client(bulkStateInputKind.call({ store: "nostore", keys: ["k"] })))).toMatchObject({
        status: 400,
        errorCode: "ERR_STATE_STORE_NOT_FOUND",
      });
    });

    it("forgets a key saved with metadata ttlInSeconds once it expires (state.sqlite, state.redis)", async () => {
      const key = unique();
      await call(saveState("statestore", key, { n: 1 }, { metadata: { ttlInSeconds: "1" } }));
      expect((await read(key)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      expect((await read(key)).status).toBe(204);
      // Gone for first-write too: the key can be created again without an ETag.
      await call(saveState("statestore", key, { n: 2 }, { concurrency: "first-write" }));
      expect((await read(key)).value).toEqual({ n: 2 });
    });

    it("applies a transaction's upserts and deletes together (204)", async () => {
      const [kept, gone, added] = [unique(), unique(), unique()];
      await call(saveState("statestore", kept, 1));
      await call(saveState("statestore", gone, 1));
      const { etag } = await read(kept);
      const res = await rawTransaction([
        { operation: "upsert", request: { key: kept, value: 2, etag } },
        { operation: "delete", request: { key: gone } },
        { operation: "upsert", request: { key: added, value: { n: 3 } } },
      ]);
      expect(res.status).toBe(204);
      expect((await read(kept)).value).toBe(2);
      expect((await read(gone)).status).toBe(204);
      expect((await read(added)).value).toEqual({ n: 3 });
    });

    it("refuses a transaction with a stale ETag with 500 ERR_STATE_TRANSACTION and applies none of it", async () => {
      const [stale, other, deleted] = [unique(), unique(), unique()];
      await call(saveState("statestore", stale, 1));
      await call(saveState("statestore", deleted, 1));
      const { etag } = await read(stale);
      await call(saveState("statestore", stale, 2));
      const refused = await fails(
        rawTransaction([
          { operation: "upsert", request: { key: other, value: "new" } },
          { operation: "delete", request: { key: deleted } },
          { operation: "upsert", request: { key: stale, value: 3, etag } },
        ]),
      );
      // No 409 inside a transaction: the ETag mismatch is only in the message.
      expect(refused).toMatchObject({
        status: 500,
        errorCode: "ERR_STATE_TRANSACTION",
        message: expect.stringMatching(/possible etag mismatch/),
      });
      expect((await read(stale)).value).toBe(2);
      expect((await read(other)).status).toBe(204);
      expect((await read(deleted)).value).toBe(1);
    });

    // What a topic delivery's applied-record relies on: a message applied before makes the record's
    // first-write fail, and the delivery's writes in the same transaction with it.
    it("refuses a transaction whose first-write upsert meets an existing key, and applies none of it", async () => {
      const [record, write] = [unique(), unique()];
      await call(saveState("statestore", record, { appliedAt: "earlier" }));
      // Built by the runtime's own transaction effect, as the pipeline sends it.
      const refused = await fails(
        call(
          transaction("statestore", [
            saveState("statestore", write, 2),
            saveState("statestore", record, { appliedAt: "now" }, { concurrency: "first-write" }),
          ]),
        ),
      );
      expect(refused).toMatchObject({ status: 500, errorCode: "ERR_STATE_TRANSACTION", message: expect.stringMatching(/etag mismatch/) });
      expect((await read(record)).value).toEqual({ appliedAt: "earlier" });
      expect((await read(write)).status).toBe(204);
    });

    it("reads a secret with all its keys, or one key as the secret input does", async () => {
      const one = { store: "secretstore", name: "payment-gateway-key", key: "payment-gateway-key" };
      const res = await client(secretInputKind.call(one));
      expect(json(res)).toEqual({ "payment-gateway-key": "test-gateway-key" });
      expect(secretInputKind.read(one, res, undefined)).toEqual({ ok: true, value: "test-gateway-key" });
      const all = { store: "secretstore", name: "db-credentials" };
      const both = await client(secretInputKind.call(all));
      expect(secretInputKind.read(all, both, undefined)).toEqual({ ok: true, value: { username: "orders", password: "test-db-password" } });
    });

    it("answers 500 ERR_SECRET_GET for an unknown secret and 401 ERR_SECRET_STORE_NOT_FOUND for an unknown store", async () => {
      expect(await fails(client(secretInputKind.call({ store: "secretstore", name: "no-such-secret" })))).toMatchObject({
        status: 500,
        errorCode: "ERR_SECRET_GET",
      });
      expect(await fails(client(secretInputKind.call({ store: "nostore", name: "payment-gateway-key" })))).toMatchObject({
        status: 401,
        errorCode: "ERR_SECRET_STORE_NOT_FOUND",
      });
    });

    it("passes a called app's status and body through: 202 for an order, 400 for a bad body, 404 for an unknown path", async () => {
      const order = { appId: fixtureAppId, method: "POST", path: "/orders", body: { orderId: unique(), amount: 5 } };
      const accepted = await client(callAppInputKind.call(order));
      expect(accepted.headers.get("content-type")).toMatch(/^application\/json/);
      expect(callAppInputKind.read(order, accepted, undefined)).toEqual({
        ok: true,
        value: { ok: true, status: 202, body: { orderId: order.body.orderId, status: "accepted" } },
      });
      const bad = { ...order, body: { orderId: "not an id" } };
      const refused = await client(callAppInputKind.call(bad));
      expect(callAppInputKind.read(bad, refused, undefined)).toMatchObject({
        ok: true,
        value: { ok: false, status: 400, body: { error: "invalid request body" } },
      });
      const nowhere = await client(callAppInputKind.call({ appId: fixtureAppId, method: "GET", path: "/no-such-route" }));
      expect(nowhere.status).toBe(404);
    });

    it("answers 500 ERR_DIRECT_INVOKE for an app id it cannot find", async () => {
      const params = { appId: "no-such-app", method: "GET", path: "/anything" };
      const res = await client(callAppInputKind.call(params));
      expect({ status: res.status, errorCode: (json(res) as { errorCode?: string }).errorCode }).toEqual({
        status: 500,
        errorCode: "ERR_DIRECT_INVOKE",
      });
      expect(callAppInputKind.read(params, res, undefined)).toMatchObject({ ok: false, fault: "unavailable" });
    });

    it("publishes to a known pub/sub and answers 404 ERR_PUBSUB_NOT_FOUND for an unknown one", async () => {
      await call(publish("pubsub", "contract-topic", { n: 1 }));
      expect(await refusal(publish("nopubsub", "t", 1))).toEqual({ status: 404, errorCode: "ERR_PUBSUB_NOT_FOUND" });
    });

    it("answers 500 ERR_INVOKE_OUTPUT_BINDING for an unknown output binding", async () => {
      expect(await refusal(invokeBinding("nobinding", "create", "x"))).toEqual({ status: 500, errorCode: "ERR_INVOKE_OUTPUT_BINDING" });
    });

    it("answers 400 ERR_STATE_STORE_NOT_FOUND for an unknown state store", async () => {
      expect(await refusal(saveState("nostore", "k", 1))).toEqual({ status: 400, errorCode: "ERR_STATE_STORE_NOT_FOUND" });
    });
  });
}
