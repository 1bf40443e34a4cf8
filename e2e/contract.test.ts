// The fake sidecar's contract, run against a real daprd with the fixture app's components.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe } from "vitest";
import {
  describeActorContract,
  describeConfigurationContract,
  describeJobsContract,
  describeSidecarContract,
} from "../runtime/testing/sidecar-contract.ts";
import { type Stack, setMetadata, startStack } from "./harness.ts";
import { type Server, startPlacement, startRedis, startScheduler } from "./servers.ts";

describe("embedded profile", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { DAPR_API_TOKEN: "contract-token" } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describeSidecarContract("daprd 1.18 (state.sqlite, pubsub.in-memory, secretstores.local.file, the fixture app invoked)", () => ({
    port: stack.daprPort,
    token: "contract-token",
  }));
  describeJobsContract("daprd 1.18 without a scheduler", () => ({ port: stack.daprPort, token: "contract-token" }), { scheduler: false });
});

describe("with a scheduler and placement", () => {
  const servers: Server[] = [];
  let stack: Stack;
  beforeAll(async () => {
    const [scheduler, placement] = await Promise.all([startScheduler(), startPlacement()]);
    servers.push(scheduler, placement);
    stack = await startStack({
      env: { DAPR_API_TOKEN: "contract-token" },
      schedulerAddress: scheduler.address,
      placementAddress: placement.address,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    for (const s of servers) s.stop();
  });

  describeJobsContract("daprd 1.18 with a scheduler", () => ({ port: stack.daprPort, token: "contract-token" }), { scheduler: true });
  describeActorContract("daprd 1.18 (actor state in state.sqlite, the fixture's Counter)", () => ({
    port: stack.daprPort,
    token: "contract-token",
  }));
});

// The embedded profile has no configuration store: configuration.redis needs a Redis server.
describe("redis profile with a configuration store", () => {
  let redis: Server;
  let stack: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({
      profiles: ["redis", "configuration"],
      env: { DAPR_API_TOKEN: "contract-token" },
      prepare: (dir) => {
        for (const file of ["redis/statestore.yaml", "redis/pubsub.yaml", "configuration/configstore.yaml"]) {
          setMetadata(dir, file, "redisHost", `127.0.0.1:${redis.port}`);
        }
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    redis?.stop();
  });

  describeConfigurationContract("daprd 1.18 (configuration.redis)", () => ({ port: stack.daprPort, token: "contract-token" }), {
    store: "configstore",
    // configuration.redis reads plain keys; `value||version` splits into the item's value and version.
    seed: (key, value, version) => {
      execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(redis.port), "SET", key, `${value}||${version}`]);
    },
  });
});
