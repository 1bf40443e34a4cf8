// For tests of a production tree (scripts/build.test.ts, deploy/image.test.ts): start
// `node runtime/main.js` in it as the image does, with a stand-in sidecar, and make it answer
// /healthz and one pub/sub delivery to onOrderCreated, whose saveState must reach the sidecar.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface SmokeResult {
  healthz: number;
  /** The app's answer to the CloudEvent (`{"status":"SUCCESS"}` when all went well). */
  answer: unknown;
  /** `METHOD path` of every call the app made to the stand-in sidecar. */
  sidecarCalls: string[];
  /** What the app printed (stdout and stderr), for failure messages. */
  output: string;
}

const cloudEvent = JSON.stringify({
  id: "smoke-1",
  source: "smoke",
  type: "com.dapr.event.sent",
  specversion: "1.0",
  datacontenttype: "application/json",
  data: { orderId: "smoke-1", amount: 1 },
  topic: "orders",
  pubsubname: "pubsub",
});

/** A daprd stand-in: 204 to state reads (no record yet) and writes, `{}` to anything else. */
async function standInSidecar(calls: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      calls.push(`${req.method} ${req.url}`);
      if (req.url?.startsWith("/v1.0/state/")) return void res.writeHead(204).end();
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return server;
}

const freePort = async () => {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
};

/**
 * Spawns `node [nodeArgs] runtime/main.js` in `tree` with `env` (and only PATH/HOME from this
 * process, as a container has), waits up to 30 s for /healthz, then delivers one order.
 * `token` is sent as dapr-api-token when given (pass the APP_API_TOKEN you set in `env`); `user` runs
 * it as that uid and gid (as an image's USER does; this process must be root).
 */
export async function smokeServe(
  tree: string,
  options: { node: string; nodeArgs?: string[]; env?: Record<string, string>; token?: string; user?: { uid: number; gid: number } },
): Promise<SmokeResult> {
  const calls: string[] = [];
  const sidecar = await standInSidecar(calls);
  const port = await freePort();
  const output: string[] = [];
  let app: ChildProcess | undefined;
  try {
    app = spawn(options.node, [...(options.nodeArgs ?? []), "runtime/main.js"], {
      cwd: tree,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DAPR_HTTP_PORT: String((sidecar.address() as AddressInfo).port),
        ...options.env,
        APP_PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
      ...options.user,
    });
    app.stdout?.on("data", (chunk) => output.push(String(chunk)));
    app.stderr?.on("data", (chunk) => output.push(String(chunk)));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    let healthz = 0;
    while (Date.now() < deadline && app.exitCode === null && healthz === 0) {
      healthz = await fetch(`${base}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (healthz === 0) await sleep(100);
    }
    let answer: unknown;
    if (healthz === 200) {
      const headers: Record<string, string> = { "content-type": "application/cloudevents+json" };
      if (options.token) headers["dapr-api-token"] = options.token;
      const res = await fetch(`${base}/events/onOrderCreated`, { method: "POST", headers, body: cloudEvent });
      answer = await res.json().catch(() => res.status);
    }
    return { healthz, answer, sidecarCalls: calls, output: output.join("") };
  } finally {
    app?.kill("SIGKILL");
    await new Promise((done) => sidecar.close(done));
  }
}
