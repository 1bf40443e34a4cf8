// One set of assertions about daprd's HTTP API as the runtime uses it, run against the fake
// sidecar (unit tests) and against a real daprd (end-to-end), so the fake cannot drift. Reads go
// through the input kinds' own `call` and `read`, so the runtime's readers are pinned to what
// daprd really answers, not only the fake.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  deleteReminder,
  deleteState,
  deleteTimer,
  type Effect,
  invokeActor,
  invokeBinding,
  publish,
  saveState,
  setReminder,
  setTimer,
  transaction,
} from "../index.ts";
import { callActorInputKind } from "../kinds/actor-call.ts";
import { actorState, actorStateInputKind } from "../kinds/actor-state.ts";
import { bulkStateInputKind } from "../kinds/bulk-state-input.ts";
import { callAppInputKind } from "../kinds/call-app-input.ts";
import { configurationInputKind } from "../kinds/configuration-input.ts";
import type { SidecarCall } from "../kinds/effect.ts";
import type { SidecarResponse } from "../kinds/input.ts";
import { job } from "../kinds/job.ts";
import { secretInputKind } from "../kinds/secret-input.ts";
import { stateInputKind } from "../kinds/state-input.ts";
import { jobBody } from "../serve/jobs.ts";
import { createSidecarClient, createSidecarExecutor, SidecarError } from "../serve/sidecar.ts";
import { fixtureRoot } from "./project-copy.ts";

export interface ContractTarget {
  /** daprd's HTTP port (the fake's, or a real one's). */
  port: number;
  token?: string;
}

export interface ContractOptions {
  /**
   * Runs before each case. A fake registers here what a real daprd gets from its components and
   * the fixture app (the called app's answers, see `fixtureApp`); a real daprd needs nothing.
   */
  prime?: () => void | Promise<void>;
}

/** The app id the real daprd runs the fixture app under; it can invoke itself. */
export const fixtureAppId = "order-service";

/**
 * The fixture's test secrets (`fixture/secrets/secrets.json`, read by its `secretstore`
 * component) as daprd answers them: a string is a one-key secret, an object a secret with its keys.
 * @example createFakeSidecar({ secrets: { secretstore: fixtureSecrets() } })
 */
export function fixtureSecrets(): Record<string, Record<string, string>> {
  const file = JSON.parse(readFileSync(join(fixtureRoot, "secrets/secrets.json"), "utf8")) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(file).map(([name, value]) => [
      name,
      typeof value === "string" ? { [name]: value } : Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, String(v)])),
    ]),
  );
}

const noTrace = { headers: {} };
const unique = () => `contract-${Math.random().toString(36).slice(2)}`;

/** Helpers shared by the suites: effects through the executor, reads through the client. */
function connect(target: () => ContractTarget) {
  const client = (call: SidecarCall) => {
    const { port, token } = target();
    return createSidecarClient({ port, token, timeoutMs: 5_000 })(call, noTrace);
  };
  const run = (effect: Effect) => {
    const { port, token } = target();
    return createSidecarExecutor({ port, token, timeoutMs: 5_000 })(effect, noTrace);
  };
  const fails = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SidecarError);
    const { status, errorCode, message } = error as SidecarError;
    return { status, errorCode, message };
  };
  const json = (res: SidecarResponse) => (res.body.length ? (JSON.parse(new TextDecoder().decode(res.body)) as unknown) : undefined);
  return { client, run, fails, json };
}

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

export interface ConfigurationContractOptions extends ContractOptions {
  /** The configuration store's component name. */
  store: string;
  /** Stores an item with a version (a real store: e.g. Redis `SET key "value||version"`; the fake: `configure`). */
  seed: (key: string, value: string, version: string) => void | Promise<void>;
}

/**
 * How daprd answers configuration reads. Separate from the main contract because the embedded
 * profile has no configuration store (configuration.redis needs a Redis server).
 */
export function describeConfigurationContract(name: string, target: () => ContractTarget, options: ConfigurationContractOptions) {
  const { client, fails, json } = connect(target);
  const { store } = options;

  describe(`sidecar configuration contract: ${name}`, () => {
    if (options.prime) beforeEach(options.prime);

    it("answers the keys it has with value and version (no empty metadata) and leaves unknown keys out", async () => {
      const [limit, mode, missing] = [unique(), unique(), unique()];
      await options.seed(limit, "1000", "7");
      await options.seed(mode, "strict", "2");
      const params = { store, keys: [limit, missing, mode] };
      const res = await client(configurationInputKind.call(params));
      expect(res.status).toBe(200);
      const items = { [limit]: { value: "1000", version: "7" }, [mode]: { value: "strict", version: "2" } };
      expect(json(res)).toEqual(items);
      expect(configurationInputKind.read(params, res, undefined)).toEqual({ ok: true, value: items });
    });

    it("answers 204 with no body when none of the keys exists, which the input reads as no items", async () => {
      const params = { store, keys: [unique()] };
      const res = await client(configurationInputKind.call(params));
      expect({ status: res.status, length: res.body.length }).toEqual({ status: 204, length: 0 });
      expect(configurationInputKind.read(params, res, undefined)).toEqual({ ok: true, value: {} });
    });

    it("answers 400 ERR_CONFIGURATION_STORE_NOT_FOUND for an unknown store", async () => {
      expect(await fails(client(configurationInputKind.call({ store: "nostore", keys: ["k"] })))).toMatchObject({
        status: 400,
        errorCode: "ERR_CONFIGURATION_STORE_NOT_FOUND",
      });
    });
  });
}

/**
 * How daprd answers the Jobs API calls the runtime makes at start (`serve/jobs.ts`), with a
 * scheduler, or (`scheduler: false`) run without `--scheduler-host-address`.
 */
export function describeJobsContract(name: string, target: () => ContractTarget, options: { scheduler: boolean }) {
  const { client, fails } = connect(target);
  const schedule = (job: string, body: unknown) =>
    client({ api: "jobs.schedule", method: "POST", path: `/jobs/${job}`, body: JSON.stringify(body) });
  const remove = (job: string) => client({ api: "jobs.delete", method: "DELETE", path: `/jobs/${job}` });
  const refusal = (work: Promise<unknown>) => fails(work).then(({ status, errorCode }) => ({ status, errorCode }));
  const body = jobBody(job("contract", { schedule: "@every 1h", data: { n: 1 } }));

  describe(`jobs contract: ${name}`, () => {
    if (!options.scheduler) {
      it("answers 500 DAPR_SCHEDULER_* 'scheduler clients are disabled' to every call, at once", async () => {
        const scheduled = await fails(schedule(unique(), body));
        expect(scheduled).toMatchObject({ status: 500, errorCode: "DAPR_SCHEDULER_SCHEDULE_JOB" });
        expect(scheduled.message).toMatch(/scheduler clients are disabled/);
        expect(await refusal(remove(unique()))).toEqual({ status: 500, errorCode: "DAPR_SCHEDULER_DELETE_JOB" });
      });
      return;
    }

    it("schedules with 204, upserts with overwrite: true, and answers 409 to a second schedule without it", async () => {
      const name = unique();
      expect((await schedule(name, body)).status).toBe(204);
      expect((await schedule(name, body)).status).toBe(204);
      const { overwrite: _, ...once } = body;
      expect(await refusal(schedule(name, once))).toEqual({ status: 409, errorCode: "DAPR_SCHEDULER_SCHEDULE_JOB" });
      await remove(name);
    });

    it("refuses a job with neither schedule nor dueTime, and a name in the body, with 400", async () => {
      expect(await refusal(schedule(unique(), { data: {}, overwrite: true }))).toEqual({
        status: 400,
        errorCode: "DAPR_SCHEDULER_SCHEDULE_EMPTY",
      });
      expect(await refusal(schedule(unique(), { ...body, name: "x" }))).toEqual({ status: 400, errorCode: "DAPR_SCHEDULER_JOB_NAME" });
    });

    it("deletes with 204, a job that does not exist too", async () => {
      const name = unique();
      await schedule(name, body);
      expect((await remove(name)).status).toBe(204);
      expect((await remove(name)).status).toBe(204);
    });
  });
}

/**
 * The actor APIs the runtime uses, as daprd answers them for the fixture app's `Counter` actor
 * (a real daprd needs placement, and a scheduler for reminders; a fake is primed with Counter's answers).
 */
export function describeActorContract(name: string, target: () => ContractTarget, options: ContractOptions = {}) {
  const { client, run, json } = connect(target);
  const stateOf = async (id: string) =>
    actorStateInputKind.read(
      { type: "Counter", id, key: "state" },
      await client(actorStateInputKind.call({ type: "Counter", id, key: "state" })),
      undefined,
    );
  const callCounter = (id: string, method: string, body?: unknown) =>
    client(callActorInputKind.call({ type: "Counter", id, method, body }));

  describe(`actor contract: ${name}`, () => {
    if (options.prime) beforeEach(options.prime);

    it("calls a method through daprd: the app's 200 and reply pass through; its state is then readable", async () => {
      const id = unique();
      const res = await callCounter(id, "add", { by: 2 });
      expect({ status: res.status, body: json(res), error: res.headers.get("x-daprerrorresponseheader") }).toEqual({
        status: 200,
        body: { n: 2 },
        error: null,
      });
      expect(callActorInputKind.read({ type: "Counter", id, method: "add" }, res, undefined)).toEqual({
        ok: true,
        value: { ok: true, reply: { n: 2 } },
      });
      expect(await stateOf(id)).toEqual({ ok: true, value: { n: 2 } });
    });

    it("passes an actor error through as 200 with X-Daprerrorresponseheader, which the call input reads as not ok", async () => {
      const res = await callCounter(unique(), "add", { by: "x" });
      expect(res.status).toBe(200);
      expect(res.headers.has("x-daprerrorresponseheader")).toBe(true);
      expect(callActorInputKind.read({ type: "Counter", id: "x", method: "add" }, res, undefined)).toMatchObject({
        ok: true,
        value: { ok: false },
      });
    });

    it("answers 204 for a state key an actor never wrote (the input reads undefined)", async () => {
      const id = unique();
      await callCounter(id, "get");
      expect(await stateOf(id)).toEqual({ ok: true, value: undefined });
    });

    it("writes an active actor's state in one transaction (204), deletes included", async () => {
      const id = unique();
      await callCounter(id, "get"); // activates it on this host
      await run(
        actorState(
          [
            { operation: "upsert", request: { key: "state", value: { n: 9 } } },
            { operation: "upsert", request: { key: "extra", value: 1 } },
          ],
          { type: "Counter", id },
        ),
      );
      expect(await stateOf(id)).toEqual({ ok: true, value: { n: 9 } });
      await run(actorState([{ operation: "delete", request: { key: "state" } }], { type: "Counter", id }));
      expect(await stateOf(id)).toEqual({ ok: true, value: undefined });
    });

    it("sets and deletes a reminder and a timer of a hosted type (204 each)", async () => {
      const id = unique();
      await callCounter(id, "get");
      const actor = { type: "Counter", id };
      await run(setReminder("r", { method: "add", input: { by: 1 }, dueTime: "1h" }, actor));
      await run(deleteReminder("r", actor));
      await run(setTimer("t", { method: "get", dueTime: "1h" }, actor));
      await run(deleteTimer("t", actor));
    });

    it("carries out an actor call whose reply nobody waits on", async () => {
      await run(invokeActor("Counter", unique(), "add", { by: 1 }));
    });
  });
}
