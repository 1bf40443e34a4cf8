// The README's main command, as a user runs it: `npm start` → `dapr run -f dapr.yaml` with the
// pinned CLI and daprd, on the embedded components and the template's fixed ports.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { projectRoot, waitFor } from "../e2e/harness.ts";

let run: ChildProcess | undefined;
let output = "";
afterAll(async () => {
  if (run?.pid && run.exitCode === null) {
    // scripts/start.ts stops daprd, the app, the CLI and the scheduler on SIGINT (e2e/start-stop.test.ts
    // proves it from a terminal); wait for it rather than killing its group, which holds none of them.
    const exited = new Promise((r) => run?.once("exit", r));
    run.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  }
});

it("`npm start` runs dapr.yaml and serves an order posted through Dapr service invocation", async () => {
  const receipt = join(projectRoot, ".data/receipts/order-start-1.txt");
  rmSync(receipt, { force: true });
  run = spawn(join(projectRoot, "node_modules/.bin/node"), ["scripts/start.ts"], { cwd: projectRoot, env: process.env });
  run.stdout?.on("data", (d) => {
    output += d;
  });
  run.stderr?.on("data", (d) => {
    output += d;
  });
  // What a user waits for too: printed once daprd's healthz is 204, the app is healthy and daprd has
  // started the subscriptions (in-memory pub/sub drops messages published before that).
  await waitFor("`npm start` to report it is ready", () => output.includes("[daprlet] ready"), 150_000).catch((error: Error) => {
    throw new Error(`${error.message}\n--- dapr run output ---\n${output.slice(-3000)}`);
  });
  const res = await waitFor(
    "the app behind `dapr run -f dapr.yaml` to accept an order",
    async () => {
      const r = await fetch("http://127.0.0.1:3500/v1.0/invoke/order-service/method/orders", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId: "order-start-1", amount: 7 }),
      });
      return r.status === 202 ? r : undefined;
    },
    90_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- dapr run output ---\n${output.slice(-3000)}`);
  });
  expect(await res.json()).toEqual({ orderId: "order-start-1", status: "accepted" });
  await waitFor("the receipt file", () => existsSync(receipt));
  expect(readFileSync(receipt, "utf8")).toBe("Receipt for order-start-1\namount: 7\n");
  const processed = await waitFor("onOrderCreated", async () => {
    const r = await fetch("http://127.0.0.1:3500/v1.0/state/statestore/processed-order-start-1");
    return r.status === 200 ? r.json() : undefined;
  });
  expect(processed).toMatchObject({ orderId: "order-start-1", amount: 7 });
});
