// The fake sidecar's contract, run against a real daprd with the project's components.
import { afterAll, beforeAll } from "vitest";
import { describeSidecarContract } from "../runtime/testing/sidecar-contract.ts";
import { type Stack, startStack } from "./harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { DAPR_API_TOKEN: "contract-token" } });
});
afterAll(async () => {
  await stack?.stop();
});

describeSidecarContract("daprd 1.18 (state.in-memory, pubsub.in-memory)", () => ({ port: stack.daprPort, token: "contract-token" }));
