import { describe, expect, it } from "vitest";
import { saveState, transaction } from "../../index.ts";
import { stateInputKind } from "../../kinds/state-input.ts";
import { lockCalls, metadataCall } from "../../serve/guarantees.ts";
import { type ContractTarget, connect, unique } from "./connect.ts";

/**
 * What applied-once relies on in the redis profile: daprd's metadata naming each component's type,
 * the distributed lock API (`lock.redis`), and state.redis's transaction, which applies the ops
 * whose ETag matches even though another's does not (no rollback).
 */
export function describeRedisContract(name: string, target: () => ContractTarget, options: { lockStore: string }) {
  const { client, fails, json, run } = connect(target);
  const store = options.lockStore;

  describe(`sidecar contract on Redis: ${name}`, () => {
    it("names each component's type in its metadata", async () => {
      const { components } = json(await client(metadataCall)) as { components: { name: string; type: string }[] };
      expect(components).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: "statestore", type: "state.redis" }),
          expect.objectContaining({ name: store, type: "lock.redis" }),
        ]),
      );
    });

    it("locks a resource for one owner until that owner unlocks it", async () => {
      const resource = unique();
      const lock = async (owner: string) => json(await client(lockCalls.try(store, resource, owner, 30)));
      const unlock = async (owner: string) => json(await client(lockCalls.unlock(store, resource, owner)));
      expect(await lock("a")).toEqual({ success: true });
      expect(await lock("b")).toEqual({ success: false });
      expect(await lock("a")).toEqual({ success: false }); // not reentrant
      expect(await unlock("b")).toEqual({ status: 2 });
      expect(await unlock("a")).toEqual({ status: 0 });
      expect(await unlock("a")).toEqual({ status: 1 });
      expect(await lock("b")).toEqual({ success: true });
    });

    it("refuses an unknown lock store and an expiry that is not positive", async () => {
      expect(await fails(client(lockCalls.try("nolockstore", unique(), "a", 30)))).toMatchObject({
        status: 400,
        errorCode: "ERR_LOCK_STORE_NOT_FOUND",
      });
      expect(await fails(client(lockCalls.try(store, unique(), "a", 0)))).toMatchObject({
        status: 400,
        errorCode: "ERR_MALFORMED_REQUEST",
      });
    });

    it("applies a transaction's other ops when one op's ETag does not match, and answers 500 ERR_STATE_TRANSACTION", async () => {
      const [good, bad] = [unique(), unique()];
      await run(saveState("statestore", bad, { v: 1 }));
      const refused = await fails(
        run(transaction("statestore", [saveState("statestore", good, { v: 2 }), saveState("statestore", bad, { v: 2 }, { etag: "999" })])),
      );
      expect(refused).toMatchObject({
        status: 500,
        errorCode: "ERR_STATE_TRANSACTION",
        message: expect.stringMatching(/failed to set key/),
      });
      const read = async (key: string) => json(await client(stateInputKind.call({ store: "statestore", key })));
      expect({ good: await read(good), bad: await read(bad) }).toEqual({ good: { v: 2 }, bad: { v: 1 } });
    });
  });
}
