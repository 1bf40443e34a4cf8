// The local trace UI for real: Zipkin 3.6.1 (`npm run zipkin`), daprd and the app sending it their
// spans, and headless Chromium opening the order's trace. The picture in the README is this
// test's screenshot (DAPRLET_UPDATE_SCREENSHOTS=1 rewrites docs/zipkin-trace.png).
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort, projectRoot, type Stack, startStack, waitFor } from "./harness.ts";

const browserPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
let zipkin: ChildProcess | undefined;
let port: number;
let stack: Stack;

beforeAll(async () => {
  port = await freePort();
  zipkin = spawn("bash", [join(projectRoot, "scripts/zipkin.sh")], { env: { ...process.env, ZIPKIN_PORT: String(port) }, stdio: "ignore" });
  await waitFor("Zipkin to be up", async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 120_000);
  // The standard variable: the app's exporter and daprd's Configuration (config/dapr-config.yaml) both read it.
  stack = await startStack({
    env: { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `http://127.0.0.1:${port}/api/v2/spans`, OTEL_BSP_SCHEDULE_DELAY: "200" },
  });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  zipkin?.kill("SIGTERM");
});

it.skipIf(!browserPath)("shows the order's trace in the Zipkin UI: daprd's spans and the app's, one trace", async () => {
  const res = await stack.dapr("/v1.0/invoke/order-service/method/orders", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId: "zipkin-1", amount: 42 }),
  });
  expect(res.status).toBe(202);
  type Span = { traceId: string; name: string; localEndpoint?: { serviceName?: string }; tags?: Record<string, string> };
  const api = async <T>(path: string) => (await (await fetch(`http://127.0.0.1:${port}/api/v2${path}`)).json()) as T;
  // The trace with createOrder's span, once onOrderCreated's spans have arrived too.
  const trace = await waitFor("the order trace in Zipkin", async () => {
    const traces = await api<Span[][]>("/traces?serviceName=order-service&spanName=post%20%2Forders&limit=10");
    return traces.find((t) => t.some((s) => s.name === "process orders") && t.some((s) => s.name.startsWith("calllocal/")));
  });
  const traceId = trace[0].traceId;

  const browser = await chromium.launch({
    executablePath: browserPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/zipkin/traces/${traceId}`);
    // The UI lists the spans by name once the trace has loaded.
    for (const name of ["post /orders", "process orders", "publish orders"]) {
      await page.getByText(name, { exact: false }).first().waitFor({ timeout: 30_000 });
    }
    const shot = join(mkdtempSync(join(tmpdir(), "daprlet-zipkin-")), "zipkin-trace.png");
    await page.screenshot({ path: shot, fullPage: false });
    if (process.env.DAPRLET_UPDATE_SCREENSHOTS) copyFileSync(shot, join(projectRoot, "docs/zipkin-trace.png"));
    expect(existsSync(shot)).toBe(true);
    console.log(`[e2e] Zipkin trace ${traceId}: ${trace.length} spans, screenshot ${shot}`);
  } finally {
    await browser.close();
  }
});
