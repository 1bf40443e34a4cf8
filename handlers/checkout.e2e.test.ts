// The checkout saga on a real daprd 1.18.2 (placement, scheduler, embedded state on SQLite):
// every outcome completes the instance with its output, an instance waiting for its payment
// survives daprd and the app restarting, and the stock moves exactly once.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot, type Stack, startStack, waitFor } from "../e2e/harness.ts";
import { startPlacement, startScheduler } from "../e2e/servers.ts";
import { fetchHistory, toRecording as toWorkflowRecording } from "../runtime/testing/workflow.ts";

const cleanup: (() => unknown)[] = [];
let stack: Stack;
beforeAll(async () => {
  const [scheduler, placement] = await Promise.all([startScheduler(), startPlacement()]);
  cleanup.push(scheduler.stop, placement.stop);
  stack = await startStack({ project: projectRoot, schedulerAddress: scheduler.address, placementAddress: placement.address });
  cleanup.unshift(stack.stop);
});
afterAll(async () => {
  for (const c of cleanup) await c();
});

const json = { "content-type": "application/json" };
// Stock lives in InventoryActor (one actor per sku), called through daprd's actor API.
const inventory = (s: Stack, sku: string, method: string, body?: unknown) =>
  s.dapr(`/v1.0/actors/InventoryActor/${sku}/method/${method}`, { method: "PUT", headers: json, body: JSON.stringify(body ?? {}) });
const setStock = (sku: string, available: number) => inventory(stack, sku, "setStock", { available });
const stockOf = async (sku: string, s = stack) => ((await (await inventory(s, sku, "get")).json()) as { available: number }).available;
const start = (id: string, input: unknown) =>
  stack.dapr(`/v1.0/workflows/dapr/OrderWorkflow/start?instanceID=${id}`, { method: "POST", headers: json, body: JSON.stringify(input) });
const raise = (id: string, event: string, data: unknown = {}) =>
  stack.dapr(`/v1.0/workflows/dapr/${id}/raiseEvent/${event}`, { method: "POST", headers: json, body: JSON.stringify(data) });
type Status = { runtimeStatus: string; properties: Record<string, string> };
const status = async (id: string) => (await (await stack.dapr(`/v1.0/workflows/dapr/${id}`)).json()) as Status;
const finished = (id: string, timeoutMs = 60_000) =>
  waitFor(
    `instance ${id} to finish`,
    async () => {
      const s = await status(id);
      return s.runtimeStatus === "RUNNING" || s.runtimeStatus === "PENDING" ? undefined : s;
    },
    timeoutMs,
  );
const outputOf = (s: Status) => JSON.parse(s.properties["dapr.workflow.output"] ?? "null");
const order = (orderId: string, o: Record<string, unknown> = {}) => ({
  orderId,
  userId: "u-1",
  amount: 50,
  items: [{ sku: `sku-${orderId}`, quantity: 2 }],
  ...o,
});

describe("OrderWorkflow on daprd", () => {
  it("POST /checkout starts the instance; the approved payment creates the order and takes the stock once", async () => {
    await setStock("sku-o-created", 10);
    const unknown = await stack.dapr("/v1.0/workflows/dapr/o-none");
    expect([unknown.status, ((await unknown.json()) as { errorCode: string }).errorCode]).toEqual([404, "ERR_INSTANCE_ID_NOT_FOUND"]);
    const res = await stack.dapr("/v1.0/invoke/order-service/method/checkout", {
      method: "POST",
      headers: json,
      body: JSON.stringify(order("o-created")),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ instanceId: "o-created" });
    // a client retrying the same order starts no second instance
    expect(
      (
        await stack.dapr("/v1.0/invoke/order-service/method/checkout", {
          method: "POST",
          headers: json,
          body: JSON.stringify(order("o-created")),
        })
      ).status,
    ).toBe(202);
    await waitFor("the reservation", async () => (await stockOf("sku-o-created")) === 8);
    // daprd refuses to start a running instance again (the fake sidecar answers the same)
    const again = await start("o-created", order("o-created"));
    expect([again.status, ((await again.json()) as { message: string }).message]).toEqual([
      500,
      expect.stringContaining("an active workflow with ID 'o-created' already exists"),
    ]);
    expect((await raise("o-created", "payment-approved")).status).toBe(202);
    const s = await finished("o-created");
    expect(s.runtimeStatus).toBe("COMPLETED");
    expect(outputOf(s)).toEqual({ orderId: "o-created", status: "created" });
    expect(await stack.getState("order-o-created")).toEqual({
      orderId: "o-created",
      userId: "u-1",
      amount: 50,
      items: [{ sku: "sku-o-created", quantity: 2 }],
      status: "created",
    });
    expect(await stockOf("sku-o-created")).toBe(8);
    // One trace per instance: every activity (and so its effects) joins the trace daprd started the
    // instance in. daprd 1.18.2 does not continue the starter's trace: the request that started it
    // (through startWorkflow, carrying its traceparent) is in another one.
    const traceOf = (r?: { headers: Record<string, string> }) => r?.headers.traceparent?.split("-")[1];
    const calls = ["validateUser", "reserveInventory", "createOrder"].map((a) =>
      stack.deliveries(`activity/${a}`).find((r) => r.body?.includes("o-created") || r.body?.includes('"u-1"')),
    );
    const [first] = calls.map(traceOf);
    expect(first).toMatch(/^[\da-f]{32}$/);
    expect(calls.map(traceOf)).toEqual([first, first, first]);
    expect(calls.map((r) => r?.headers["dapr-workflow-instance-id"])).toEqual(["o-created", "o-created", "o-created"]);
    const started = stack.deliveries("/checkout").find((r) => r.body?.includes('"o-created"'));
    expect(traceOf(started)).not.toBe(first);
    // each activity is a handler in /metrics, once
    const metrics = await (await fetch(`http://127.0.0.1:${stack.appPort}/metrics`)).text();
    const reserved = metrics
      .split("\n")
      .filter((l) => l.startsWith('daprlet_deliveries_total{handler="reserveInventory",trigger="activity",outcome="SUCCESS"}'));
    expect(reserved).toHaveLength(1);
    expect(Number(reserved[0].split(" ")[1])).toBeGreaterThanOrEqual(1);
    if (process.env.DAPRLET_UPDATE_RECORDINGS) {
      const events = await fetchHistory(`127.0.0.1:${stack.grpcPort}`, "o-created");
      const file = join(projectRoot, "runtime/testing/recordings/workflow-order-created.json");
      writeFileSync(file, `${JSON.stringify(toWorkflowRecording("OrderWorkflow", "o-created", "daprd 1.18.2", events), null, 2)}\n`);
    }
  });

  it("ends every other outcome COMPLETED with its output, the stock back where it was", async () => {
    await Promise.all(["o-timeout", "o-failed", "o-short", "o-blocked"].map((id) => setStock(`sku-${id}`, 10)));
    const cases = {
      "o-blocked": [
        order("o-blocked", { userId: "blocked-7" }),
        { orderId: "o-blocked", status: "rejected", reason: "user blocked-7 is blocked" },
      ],
      "o-short": [order("o-short", { items: [{ sku: "sku-o-short", quantity: 11 }] }), { orderId: "o-short", status: "out-of-stock" }],
      "o-timeout": [order("o-timeout", { paymentTimeoutSeconds: 1 }), { orderId: "o-timeout", status: "payment-timeout" }],
      "o-failed": [order("o-failed", { amount: 20_000 }), { orderId: "o-failed", status: "failed", compensated: true }],
    } as const;
    for (const [id, [input]] of Object.entries(cases)) expect((await start(id, input)).status).toBe(202);
    await waitFor("the failing order's reservation", async () => (await stockOf("sku-o-failed")) === 8);
    await raise("o-failed", "payment-approved");
    for (const [id, [, output]] of Object.entries(cases)) {
      const s = await finished(id);
      expect([id, s.runtimeStatus, outputOf(s)]).toEqual([id, "COMPLETED", output]);
      expect(await stockOf(`sku-${id}`)).toBe(10);
    }
    expect(await stack.getState("order-o-failed")).toBeUndefined();
    if (process.env.DAPRLET_UPDATE_RECORDINGS) {
      // retries on durable timers, failed tasks and the compensation, as daprd records them
      const events = await fetchHistory(`127.0.0.1:${stack.grpcPort}`, "o-failed");
      const file = join(projectRoot, "runtime/testing/recordings/workflow-order-failed.json");
      writeFileSync(file, `${JSON.stringify(toWorkflowRecording("OrderWorkflow", "o-failed", "daprd 1.18.2", events), null, 2)}\n`);
    }
  });

  it("cancel-order releases the reservation and fails the instance", async () => {
    await setStock("sku-o-cancel", 10);
    await start("o-cancel", order("o-cancel", { paymentTimeoutSeconds: 600 }));
    await waitFor("the reservation", async () => (await stockOf("sku-o-cancel")) === 8);
    await raise("o-cancel", "cancel-order");
    expect((await finished("o-cancel")).runtimeStatus).toBe("FAILED");
    expect(await stockOf("sku-o-cancel")).toBe(10);
  });

  it("npm run trigger starts an instance and raises its event; npm run workflow prints its status and history", async () => {
    await setStock("sku-o-cli", 10);
    const cli = (script: string, ...args: string[]) =>
      spawnSync(join(projectRoot, "node_modules/.bin/node"), [join(projectRoot, "scripts", script), ...args], {
        cwd: stack.dir,
        encoding: "utf8",
        env: {
          ...process.env,
          DAPRLET_ROOT: stack.dir,
          DAPR_HTTP_PORT: String(stack.daprPort),
          DAPR_GRPC_PORT: String(stack.grpcPort),
          APP_PORT: String(stack.appPort),
        },
      });
    const started = cli("trigger.ts", "OrderWorkflow", JSON.stringify(order("o-cli")), "id=o-cli");
    expect([started.status, started.stdout]).toEqual([0, expect.stringContaining("started OrderWorkflow o-cli through daprd: 202")]);
    await waitFor("the reservation", async () => (await stockOf("sku-o-cli")) === 8);
    expect(cli("trigger.ts", "OrderWorkflow", "event=payment-approved", "id=o-cli", "{}").status).toBe(0);
    await finished("o-cli");
    const shown = cli("workflow.ts", "o-cli");
    expect(shown.stdout).toContain("o-cli (OrderWorkflow): COMPLETED");
    expect(shown.stdout).toContain('output: {"orderId":"o-cli","status":"created"}');
    expect(shown.stdout).toMatch(
      /taskscheduled #2 validateUser[\s\S]*eventraised payment-approved[\s\S]*executioncompleted #\d+ COMPLETED/,
    );
  });

  it("keeps an instance waiting for its payment across a restart of daprd and the app, and reserves once", async () => {
    await setStock("sku-o-restart", 10);
    await start("o-restart", order("o-restart", { paymentTimeoutSeconds: 600 }));
    await waitFor("the reservation", async () => (await stockOf("sku-o-restart")) === 8);
    await stack.restart();
    expect((await status("o-restart")).runtimeStatus).toBe("RUNNING");
    await raise("o-restart", "payment-approved");
    const s = await finished("o-restart");
    expect(outputOf(s)).toEqual({ orderId: "o-restart", status: "created" });
    expect(await stockOf("sku-o-restart")).toBe(8);
  });
});

describe("OrderWorkflow when the app is SIGKILLed inside reserveInventory", () => {
  // A copy whose reserveInventory ends with a slow call (3 s) after its reservations and its
  // applied-record: the app is killed once the record is written, before the activity completes;
  // daprd hands the call to the restarted app, whose record says it was applied (and what it answered).
  let crashing: Stack;
  beforeAll(async () => {
    const [scheduler, placement] = await Promise.all([startScheduler(), startPlacement()]);
    cleanup.push(scheduler.stop, placement.stop);
    crashing = await startStack({
      project: projectRoot,
      schedulerAddress: scheduler.address,
      placementAddress: placement.address,
      handlers: {
        slowCall: `import { defineHandler, invoke, reply } from "daprlet";
import * as v from "valibot";
export const slowCall = defineHandler({ trigger: invoke("POST", "/slow"), schema: v.unknown(),
  handle: async () => { await new Promise((r) => setTimeout(r, 3000)); return reply(200, {}); } });`,
      },
      prepare: (dir) => {
        const file = join(dir, "handlers/reserveInventory.ts");
        const source = readFileSync(file, "utf8")
          .replace(
            "import { activity, callActor, defineHandler, invokeActor, reply }",
            "import { activity, callActor, defineHandler, invokeActor, invokeApp, reply }",
          )
          .replace("return reply(200, { ok: true });", 'return [invokeApp("order-service", "POST", "/slow"), reply(200, { ok: true })];');
        if (!source.includes("/slow")) throw new Error("reserveInventory.ts changed: update this test's edit");
        writeFileSync(file, source);
      },
    });
    cleanup.unshift(crashing.stop);
  });

  it("leaves the stock reserved once when the workflow finishes", async () => {
    await inventory(crashing, "sku-o-crash", "setStock", { available: 10 });
    const started = await crashing.dapr("/v1.0/workflows/dapr/OrderWorkflow/start?instanceID=o-crash", {
      method: "POST",
      headers: json,
      body: JSON.stringify(order("o-crash")),
    });
    expect(started.status).toBe(202);
    const stock = () => stockOf("sku-o-crash", crashing);
    // the call's applied-record (task 3: after the version marker and validateUser), written before the slow call
    await waitFor(
      "reserveInventory's applied-record",
      async () => (await crashing.getState("daprlet-applied-reserveInventory-o-crash-3")) !== undefined,
    );
    expect(await stock()).toBe(8);
    expect((await crashing.killApp("SIGKILL")).signal).toBe("SIGKILL");
    crashing.restartApp();
    await crashing.dapr("/v1.0/workflows/dapr/o-crash/raiseEvent/payment-approved", { method: "POST", headers: json, body: "{}" });
    const s = await waitFor(
      "o-crash to finish",
      async () => {
        const body = (await (await crashing.dapr("/v1.0/workflows/dapr/o-crash")).json()) as Status;
        return body.runtimeStatus === "COMPLETED" || body.runtimeStatus === "FAILED" ? body : undefined;
      },
      90_000,
    );
    expect(outputOf(s)).toEqual({ orderId: "o-crash", status: "created" });
    expect(await stock()).toBe(8);
  });
});
