import { beforeEach, describe, expect, it } from "vitest";
import { configurationInputKind } from "../../kinds/configuration-input.ts";
import { type ContractOptions, type ContractTarget, connect, unique } from "./connect.ts";

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

    // The calls serve/configuration.ts makes to watch a store.
    it("subscribes with an id, unsubscribes it once (500 the second time), and refuses an unknown store with 400", async () => {
      const subscribe = (s: string) =>
        client({ api: "configuration.subscribe", method: "GET", path: `/configuration/${s}/subscribe?key=${unique()}` });
      const { id } = json(await subscribe(store)) as { id: string };
      expect(id).toEqual(expect.any(String));
      const unsubscribe = () =>
        client({ api: "configuration.unsubscribe", method: "GET", path: `/configuration/${store}/${id}/unsubscribe` });
      expect(json(await unsubscribe())).toEqual({ ok: true });
      expect(await fails(unsubscribe())).toMatchObject({ status: 500 });
      expect(await fails(subscribe("nostore"))).toMatchObject({ status: 400, errorCode: "ERR_CONFIGURATION_STORE_NOT_FOUND" });
    });

    it("keeps a metadata attribute the runtime sets (in memory), as its extended metadata", async () => {
      const value = unique();
      await client({
        api: "metadata.set",
        method: "PUT",
        path: "/metadata/daprlet-contract",
        body: value,
        headers: { "content-type": "text/plain" },
      });
      const metadata = json(await client({ api: "metadata.get", method: "GET", path: "/metadata" })) as {
        extended?: Record<string, string>;
      };
      expect(metadata.extended?.["daprlet-contract"]).toBe(value);
    });
  });
}
