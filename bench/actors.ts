// Actor method calls through a real daprd with placement and Redis as the actor state store:
// `PUT /v1.0/actors/BenchCounter/<id>/method/add` per request, 32 callers over 64 actor ids (so
// the actor lock is not what limits the rate), calls/s for daprlet's defineActor and for an
// @dapr/dapr AbstractActor doing the same (read state, add, save, reply).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./e2e.ts";
import { freePort, node, onCore, stop } from "./procs.ts";

export interface ActorApp {
  name: string;
  script: string;
  env: Record<string, string>;
}

const store = (redisPort: number) => `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.redis
  version: v1
  metadata:
    - name: redisHost
      value: "127.0.0.1:${redisPort}"
    - name: actorStateStore
      value: "true"
`;

/** One app behind its own daprd, placement and redis-server: `calls` actor calls after a warm-up, return calls/s. */
export async function measureActorCalls(app: ActorApp, daprd: string, redis: string, calls: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "daprlet-bench-actor-"));
  const ports = await Promise.all(Array.from({ length: 9 }, () => freePort()));
  const [redisPort, daprPort, grpcPort, internalPort, metricsPort, appPort, placementPort, placementHealthz, raft] = ports;
  const children: ChildProcess[] = [];
  const launch = (command: string, args: string[], env: Record<string, string> = {}) => {
    const [c, a] = onCore("load", command, args);
    const child = spawn(c, a, { cwd: dir, env: { ...process.env, ...env }, stdio: "ignore" });
    children.push(child);
    return child;
  };
  try {
    mkdirSync(join(dir, "resources"));
    writeFileSync(join(dir, "resources", "statestore.yaml"), store(redisPort));
    launch(redis, ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    const placement = join(daprd, "..", "placement");
    launch(placement, [
      `--port=${placementPort}`,
      "--listen-address=127.0.0.1",
      `--healthz-port=${placementHealthz}`,
      "--enable-metrics=false",
      `--initial-cluster=dapr-placement-0=127.0.0.1:${raft}`,
    ]);
    await waitFor("placement", async () => (await fetch(`http://127.0.0.1:${placementHealthz}/healthz`)).ok);
    launch(daprd, [
      ...["--app-id", "bench-actor", "--app-port", String(appPort), "--app-channel-address", "127.0.0.1"],
      ...["--dapr-http-port", String(daprPort), "--dapr-grpc-port", String(grpcPort), "--dapr-internal-grpc-port", String(internalPort)],
      ...["--metrics-port", String(metricsPort), "--dapr-listen-addresses", "127.0.0.1", "--resources-path", join(dir, "resources")],
      ...["--placement-host-address", `127.0.0.1:${placementPort}`, "--log-level", "warn"],
    ]);
    // The app gets the server core; the SDK's server waits for daprd's metadata before it listens.
    const [appCommand, appArgs] = onCore("server", node, [app.script]);
    children.push(
      spawn(appCommand, appArgs, {
        env: { ...process.env, ...app.env, APP_PORT: String(appPort), DAPR_HTTP_PORT: String(daprPort) },
        stdio: "ignore",
      }),
    );
    const dapr = `http://127.0.0.1:${daprPort}`;
    const call = async (i: number) => {
      const res = await fetch(`${dapr}/v1.0/actors/BenchCounter/c-${i % 64}/method/add`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: '{"by":1}',
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`[bench] actor call answered ${res.status}`);
    };
    await waitFor("the actor type to be hosted", async () => {
      await call(0);
      return true;
    });
    const callAll = async (count: number) => {
      let next = 0;
      const worker = async () => {
        while (next < count) await call(next++);
      };
      await Promise.all(Array.from({ length: 32 }, worker));
    };
    await callAll(Math.min(1000, calls));
    const t0 = performance.now();
    await callAll(calls);
    return calls / ((performance.now() - t0) / 1000);
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
