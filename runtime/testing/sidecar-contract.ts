// One set of assertions about daprd's HTTP API as the runtime uses it, run against the fake
// sidecar (unit tests) and against a real daprd (end-to-end), so the fake cannot drift.
import { describe, expect, it } from "vitest";
import { deleteState, type Effect, invokeBinding, publish, saveState } from "../index.ts";
import { createSidecarExecutor, SidecarError } from "../serve/sidecar.ts";

export interface ContractTarget {
  /** daprd's HTTP port (the fake's, or a real one's). */
  port: number;
  token?: string;
}

/** Registers the contract's tests; `target` is called once the suite's setup has run. */
export function describeSidecarContract(name: string, target: () => ContractTarget) {
  const call = (effect: Effect) => {
    const { port, token } = target();
    return createSidecarExecutor({ port, token, timeoutMs: 5_000 })(effect, { headers: {} });
  };
  const read = async (key: string) => {
    const { port, token } = target();
    const res = await fetch(`http://127.0.0.1:${port}/v1.0/state/statestore/${encodeURIComponent(key)}`, {
      headers: token ? { "dapr-api-token": token } : {},
    });
    return { status: res.status, etag: res.headers.get("etag") ?? undefined, value: res.status === 200 ? await res.json() : undefined };
  };
  const refusal = async (effect: Effect) => {
    const error = await call(effect).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SidecarError);
    return { status: (error as SidecarError).status, errorCode: (error as SidecarError).errorCode };
  };
  const unique = () => `contract-${Math.random().toString(36).slice(2)}`;

  describe(`sidecar contract: ${name}`, () => {
    it("saves state and reads it back with an ETag; a missing key is 204", async () => {
      const key = unique();
      await call(saveState("statestore", key, { n: 1 }));
      const got = await read(key);
      expect(got).toMatchObject({ status: 200, value: { n: 1 }, etag: expect.any(String) });
      expect((await read(unique())).status).toBe(204);
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
