// One set of assertions about daprd's HTTP API as the runtime uses it, run against the fake
// sidecar (unit tests) and against a real daprd (end-to-end), so the fake cannot drift. Reads go
// through the input kinds' own `call` and `read`, so the runtime's readers are pinned to what
// daprd really answers, not only the fake.
// One module per API family under sidecar-contract/, over the shared connection in connect.ts.
export { describeActorContract } from "./sidecar-contract/actors.ts";
export { type ConfigurationContractOptions, describeConfigurationContract } from "./sidecar-contract/configuration.ts";
export { type ContractOptions, type ContractTarget, fixtureAppId, fixtureSecrets } from "./sidecar-contract/connect.ts";
export { describeSidecarContract } from "./sidecar-contract/core.ts";
export { describeJobsContract } from "./sidecar-contract/jobs.ts";
export { describeRedisContract } from "./sidecar-contract/redis.ts";
