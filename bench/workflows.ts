// `node bench/workflows.ts [n]`: start → completion of a three-activity workflow on one daprd
// 1.18.2 (placement, scheduler, embedded state), n instances one after another, through daprlet's
// worker (defineWorkflow + activities as handlers through the pipeline; one more activity call
// per instance, the version marker). Not part of `npm run bench`. The comparison with a plain
// @dapr/dapr WorkflowRuntime is not here yet: connected to the same daprd after daprlet's app
// stopped, its first instance completed in the SDK's log but daprd's status GET for it hung (not
// investigated); it needs a daprd of its own.
import { startStack, waitFor } from "../e2e/harness.ts";
import { startPlacement, startScheduler } from "../e2e/servers.ts";

const n = Number(process.argv[2] ?? 30);
const activity = (name: string) => `import { activity, defineHandler, reply } from "daprlet";
import * as v from "valibot";
export const ${name} = defineHandler({ trigger: activity("${name}"), schema: v.number(), handle: ({ data }) => reply(200, data + 1) });`;
const handlers = {
  benchStep1: activity("benchStep1"),
  benchStep2: activity("benchStep2"),
  benchStep3: activity("benchStep3"),
  BenchWorkflow: `import { callActivity, defineWorkflow } from "daprlet";
import * as v from "valibot";
export const BenchWorkflow = defineWorkflow({ input: v.number(), output: v.number(), *run(_ctx, x) {
  const a = yield* callActivity<number>("benchStep1", x);
  const b = yield* callActivity<number>("benchStep2", a);
  return yield* callActivity<number>("benchStep3", b);
} });`,
};

const [scheduler, placement] = await Promise.all([startScheduler(), startPlacement()]);
const stack = await startStack({ handlers, schedulerAddress: scheduler.address, placementAddress: placement.address });
const json = { "content-type": "application/json" };
async function measure(label: string, prefix: string) {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}`;
    const started = performance.now();
    await stack.dapr(`/v1.0/workflows/dapr/BenchWorkflow/start?instanceID=${id}`, { method: "POST", headers: json, body: "1" });
    await waitFor(
      id,
      async () =>
        ((await (await stack.dapr(`/v1.0/workflows/dapr/${id}`)).json()) as { runtimeStatus: string }).runtimeStatus === "COMPLETED",
      30_000,
    ).catch(async (error) => {
      throw new Error(`${error.message}: ${await (await stack.dapr(`/v1.0/workflows/dapr/${id}`)).text()}`);
    });
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(0);
  console.log(`${label.padEnd(28)} n=${n}  p50 ${at(0.5)} ms  p90 ${at(0.9)} ms  max ${at(1)} ms`);
}
try {
  await measure("daprlet", "d");
} finally {
  await stack.stop();
  await scheduler.stop();
  await placement.stop();
}
