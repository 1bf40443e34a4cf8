// The fake sidecar's contract, run against a real daprd with the fixture app's components.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe } from "vitest";
import {
  describeConfigurationContract,
  describeJobsContract,
  describeRedisContract,
  describeSidecarContract,
} from "../runtime/testing/sidecar-contract.ts";
import { redisWithConfiguration, type Stack, setMetadata, startStack } from "./harness.ts";
import { type Server, startRedis, startScheduler } from "./servers.ts";

describe("embedded profile", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { DAPR_API_TOKEN: "contract-token" } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describeSidecarContract("daprd 1.18 (state.in-memory, pubsub.in-memory, secretstores.local.file, the fixture app invoked)", () => ({
    port: stack.daprPort,
    token: "contract-token",
  }));
  describeJobsContract("daprd 1.18 without a scheduler", () => ({ port: stack.daprPort, token: "contract-token" }), { scheduler: false });
});

describe("with a scheduler", () => {
  let scheduler: Server;
  let stack: Stack;
  beforeAll(async () => {
    const started = await startScheduler();
    scheduler = started;
    stack = await startStack({ env: { DAPR_API_TOKEN: "contract-token" }, schedulerAddress: started.address });
  });
  afterAll(async () => {
    await stack?.stop();
    scheduler?.stop();
  });

  describeJobsContract("daprd 1.18 with a scheduler", () => ({ port: stack.daprPort, token: "contract-token" }), { scheduler: true });
});

// The embedded profile has no configuration store: configuration.redis needs a Redis server.
describe("redis profile with a configuration store", () => {
  let redis: Server;
  let stack: Stack;
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({
      ...redisWithConfiguration(redis.port),
      env: { DAPR_API_TOKEN: "contract-token" },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    redis?.stop();
  });

  describeRedisContract("daprd 1.18 (state.redis, lock.redis)", () => ({ port: stack.daprPort, token: "contract-token" }), {
    lockStore: "lockstore",
  });
  describeConfigurationContract("daprd 1.18 (configuration.redis)", () => ({ port: stack.daprPort, token: "contract-token" }), {
    store: "configstore",
    // configuration.redis reads plain keys; `value||version` splits into the item's value and version.
    seed: (key, value, version) => {
      execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(redis.port), "SET", key, `${value}||${version}`]);
    },
  });
});
