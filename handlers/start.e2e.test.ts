// The README's main command, as a user runs it: `npm start` → `dapr run -f dapr.yaml` with the
// pinned CLI and daprd, on the embedded components and the template's fixed ports.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { projectRoot, waitFor } from "../e2e/harness.ts";
import { listening } from "../e2e/servers.ts";

let run: ChildProcess | undefined;
let output = "";
async function stop() {
  if (run?.pid && run.exitCode === null) {
    // scripts/start.ts stops daprd, the app, the CLI, the scheduler and the profile's servers on SIGINT
    // (e2e/start-stop.test.ts proves it from a terminal); wait for it rather than killing its group,
    // which holds none of them.
    const exited = new Promise((r) => run?.once("exit", r));
    run.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  }
  run = undefined;
}
afterEach(stop);

/** `npm start [args]` as a user runs it, resolved once it prints that it is ready. */
async function npmStart(...args: string[]) {
  output = "";
  run = spawn(join(projectRoot, "node_modules/.bin/node"), ["scripts/start.ts", ...args], { cwd: projectRoot, env: process.env });
  run.stdout?.on("data", (d) => {
    output += d;
  });
  run.stderr?.on("data", (d) => {
    output += d;
  });
  // What a user waits for too: printed once daprd's healthz is 204, the app is healthy and daprd has
  // started the subscriptions (in-memory pub/sub drops messages published before that).
  // Fails at once, with its output, if npm start exits first (a busy port, a server that did not start).
  const started = run;
  const deadline = Date.now() + 100_000;
  while (!output.includes("[daprlet] ready")) {
    const ended = started.exitCode !== null ? `npm start exited (${started.exitCode}) before it was ready` : undefined;
    if (ended || Date.now() > deadline) {
      throw new Error(`${ended ?? "npm start was not ready after 100 s"}\n--- dapr run output ---\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const postOrder = (orderId: string, amount: number) =>
  waitFor(
    "the app behind `dapr run -f` to accept an order",
    async () => {
      const r = await fetch("http://127.0.0.1:3500/v1.0/invoke/order-service/method/orders", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId, amount }),
      });
      return r.status === 202 ? r : undefined;
    },
    90_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- dapr run output ---\n${output.slice(-3000)}`);
  });

const getState = async (key: string) => {
  const r = await fetch(`http://127.0.0.1:3500/v1.0/state/statestore/${key}`);
  return r.status === 200 ? r.json() : undefined;
};

it("`npm start aws` starts moto, layers components/aws/ over the embedded ones, and Ctrl-C stops moto too", async () => {
  await npmStart("aws");
  expect(output).toContain("[daprlet] aws: moto (S3 + SQS) on http://127.0.0.1:5055");
  const metadata = (await (await fetch("http://127.0.0.1:3500/v1.0/metadata")).json()) as { components: { name: string; type: string }[] };
  expect(Object.fromEntries(metadata.components.map((c) => [c.name, c.type]))).toMatchObject({
    receipts: "bindings.aws.s3",
    "blob-events": "bindings.aws.sqs",
    statestore: "state.sqlite",
    pubsub: "pubsub.in-memory",
  });
  // The whole loop on moto: the receipt createOrder writes to S3 comes back as its ObjectCreated
  // notification through SQS.
  await postOrder("order-start-aws-1", 9);
  const blob = await waitFor("onBlobCreated to store the S3 notification", () => getState("blob-daprlet-receipts-order-start-aws-1.txt"));
  expect(blob).toMatchObject({ provider: "s3", container: "daprlet-receipts", key: "order-start-aws-1.txt" });
  await stop();
  expect(output).toContain("then the profile's servers");
  expect(await listening(5055)).toBe(false);
});

// After a profile ran: the plain start is on the embedded components again.
it("`npm start` runs dapr.yaml and serves an order posted through Dapr service invocation", async () => {
  const receipt = join(projectRoot, ".data/receipts/order-start-1.txt");
  rmSync(receipt, { force: true });
  await npmStart();
  const res = await postOrder("order-start-1", 7);
  expect(await res.json()).toEqual({ orderId: "order-start-1", status: "accepted" });
  await waitFor("the receipt file", () => existsSync(receipt));
  expect(readFileSync(receipt, "utf8")).toBe("Receipt for order-start-1\namount: 7\n");
  const processed = await waitFor("onOrderCreated", () => getState("processed-order-start-1"));
  expect(processed).toMatchObject({ orderId: "order-start-1", amount: 7 });
});
