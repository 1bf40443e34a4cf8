// End to end through a real daprd with Redis pub/sub: messages per second from publish (daprd's
// HTTP publish API) to SUCCESS at the app, counted by daprd itself (its pubsub ingress metric), so
// both apps are counted the same way. The app gets the server core; daprd, redis-server and the
// publisher share the load core.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { listening } from "../scripts/servers/wait.ts";
import { freePort, onCore, type Started, startServer, stop } from "./procs.ts";

const repo = join(import.meta.dirname, "..");

/** daprd from DAPRLET_DAPR_HOME or the repo's .dapr-home (as `npm run setup` lays it out); the main checkout's when in a worktree. */
export function findDaprd(): string | undefined {
  const homes = [process.env.DAPRLET_DAPR_HOME, join(repo, ".dapr-home")];
  try {
    const common = execFileSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd: repo, encoding: "utf8" }).trim();
    homes.push(join(common, "..", ".dapr-home"));
  } catch {
    // Not a git checkout: the two above are all there is.
  }
  return homes
    .filter((h): h is string => !!h)
    .map((h) => join(h, ".dapr", "bin", "daprd"))
    .find((p) => existsSync(p));
}

export function findRedis(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface E2eApp {
  name: string;
  script: string;
  env: Record<string, string>;
}

const resources = (redisPort: number, appId: string) => `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.redis
  version: v1
  metadata:
    - name: redisHost
      value: "127.0.0.1:${redisPort}"
---
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: orders
spec:
  pubsubname: pubsub
  topic: orders
  routes:
    default: /events/onOrderCreated
scopes:
  - ${appId}
`;

/** Polls `check` until it is true (errors count as not yet); throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(20);
  }
  throw new Error(`[bench] timed out waiting for ${what}`);
}

/** One app behind its own daprd and redis-server: publish `messages` after a warm-up, return messages/s. */
export async function measureE2e(app: E2eApp, daprd: string, redis: string, messages: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "daprlet-bench-e2e-"));
  const [redisPort, daprPort, grpcPort, internalPort, metricsPort] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  const children: ChildProcess[] = [];
  let started: Started | undefined;
  try {
    const appId = "bench-app";
    mkdirSync(join(dir, "resources"));
    writeFileSync(join(dir, "resources", "pubsub.yaml"), resources(redisPort, appId));
    const [redisCommand, redisArgs] = onCore("load", redis, [
      "--port",
      String(redisPort),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
    children.push(spawn(redisCommand, redisArgs, { stdio: "ignore" }));
    await waitFor("redis-server", () => listening(redisPort));
    started = await startServer(app.script, { ...app.env, DAPR_HTTP_PORT: String(daprPort) }, "/events/onOrderCreated");
    const [daprdCommand, daprdArgs] = onCore("load", daprd, [
      ...["--app-id", appId, "--app-port", String(started.port), "--app-channel-address", "127.0.0.1"],
      ...["--dapr-http-port", String(daprPort), "--dapr-grpc-port", String(grpcPort), "--dapr-internal-grpc-port", String(internalPort)],
      ...["--metrics-port", String(metricsPort), "--dapr-listen-addresses", "127.0.0.1", "--resources-path", join(dir, "resources")],
      ...["--log-level", "warn"],
    ]);
    const sidecar = spawn(daprdCommand, daprdArgs, { cwd: dir, stdio: "ignore" });
    children.push(sidecar);
    const dapr = `http://127.0.0.1:${daprPort}`;
    await waitFor("daprd to report healthy", async () => (await fetch(`${dapr}/v1.0/healthz`)).status === 204);
    await waitFor("daprd to subscribe", async () => {
      const meta = (await (await fetch(`${dapr}/v1.0/metadata`)).json()) as { subscriptions?: unknown[] };
      return (meta.subscriptions?.length ?? 0) > 0;
    });
    const delivered = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      let n = 0;
      for (const line of text.split("\n")) {
        if (/^dapr_component_pubsub_ingress_count(_total)?\{.*process_status="success"/.test(line)) n += Number(line.split(" ").pop());
      }
      return n;
    };
    const publishAll = async (count: number) => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const res = await fetch(`${dapr}/v1.0/publish/pubsub/orders`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ orderId: `order-${i}`, amount: i }),
          });
          await res.arrayBuffer();
          if (res.status !== 204) throw new Error(`[bench] daprd refused a publish: ${res.status}`);
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
    };
    const until = (target: number) => waitFor(`${target} deliveries`, async () => (await delivered()) >= target, 300_000);
    const warmUp = Math.min(1000, messages);
    await publishAll(warmUp);
    await until(warmUp);
    const before = await delivered();
    const t0 = performance.now();
    await publishAll(messages);
    await until(before + messages);
    return messages / ((performance.now() - t0) / 1000);
  } finally {
    if (started) await stop(started.child);
    for (const child of children.reverse()) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
