// Dapr's control plane (placement, the scheduler; built by `npm run setup` beside daprd), started one way
// for `npm start` (fixed ports derived from the template, data under .data/) and for the end-to-end suite
// (free ports, a throwaway data dir): the flags, the spawn and the healthz wait are the same.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkoutRoot, freePort } from "./wait.ts";

export type ControlPlane = "scheduler" | "placement";

/** Where `npm run setup` puts Dapr's binaries (DAPRLET_DAPR_HOME moves it). */
export const daprHome = process.env.DAPRLET_DAPR_HOME ?? join(checkoutRoot, ".dapr-home");
export const daprBin = (name: string) => join(daprHome, ".dapr", "bin", name);

export interface SchedulerPorts {
  port: number;
  healthz: number;
  etcdClient: number;
  etcdPeer: number;
}
export interface PlacementPorts {
  port: number;
  healthz: number;
  raft: number;
}

const portOf = (address: string) => Number(address.split(":").pop());

/**
 * Derived from the scheduler's port so one template setting moves them all; metrics are off because
 * the scheduler's default metrics port (9090) is daprd's.
 */
export const schedulerPorts = (address: string): SchedulerPorts => {
  const port = portOf(address);
  return { port, healthz: port + 1, etcdClient: port + 2, etcdPeer: port + 3 };
};

/**
 * Derived from placement's port, as the scheduler's are: its defaults (healthz 8080, raft 8201,
 * metrics 9090) would collide with other tools and with daprd's metrics.
 */
export const placementPorts = (address: string): PlacementPorts => {
  const port = portOf(address);
  return { port, healthz: port + 10, raft: port + 11 };
};

export const schedulerArgs = (ports: SchedulerPorts, dataDir: string) => [
  `--port=${ports.port}`,
  "--listen-address=127.0.0.1",
  `--healthz-port=${ports.healthz}`,
  "--healthz-listen-address=127.0.0.1",
  "--enable-metrics=false",
  `--etcd-data-dir=${dataDir}`,
  `--etcd-client-port=${ports.etcdClient}`,
  `--etcd-initial-cluster=dapr-scheduler-server-0=http://localhost:${ports.etcdPeer}`,
];

/** Placement keeps its tables in memory: daprd re-registers its actor types when it reconnects. */
export const placementArgs = (ports: PlacementPorts) => [
  `--port=${ports.port}`,
  "--listen-address=127.0.0.1",
  `--healthz-port=${ports.healthz}`,
  "--healthz-listen-address=127.0.0.1",
  "--enable-metrics=false",
  `--initial-cluster=dapr-placement-0=127.0.0.1:${ports.raft}`,
];

export interface Started {
  proc: ChildProcess;
  logFile: string;
}

/**
 * Starts a control-plane binary, its output in `logFile`, and waits until its healthz answers; a binary
 * that exits first, or is not healthy in 30 s, fails with the last lines of its log and `hint`.
 */
export async function startControlPlane(
  name: ControlPlane,
  args: string[],
  options: { healthz: number; logFile: string; cwd: string; detached?: boolean; hint?: string },
): Promise<Started> {
  const { healthz, logFile } = options;
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const proc = spawn(daprBin(name), args, { cwd: options.cwd, detached: options.detached, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) break;
    const ok = await fetch(`http://127.0.0.1:${healthz}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, logFile };
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill("SIGKILL");
  const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n  ") : "";
  const hint = options.hint ? `\n  ${options.hint}` : "";
  throw new Error(`the ${name} did not become healthy on :${healthz} (log: ${logFile}):\n  ${tail}${hint}`);
}

export interface TestServer {
  port: number;
  address: string;
  stop: () => void;
}

const testDir = (name: ControlPlane) => mkdtempSync(join(tmpdir(), `daprlet-${name}-`));

/**
 * The scheduler on free ports with its own data dir: give `address` to `startStack({ schedulerAddress })`;
 * several daprds may share one.
 */
export async function startTestScheduler(): Promise<TestServer> {
  const [port, healthz, etcdClient, etcdPeer] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dir = testDir("scheduler");
  const args = schedulerArgs({ port, healthz, etcdClient, etcdPeer }, join(dir, "data"));
  const { proc } = await startControlPlane("scheduler", args, { healthz, logFile: join(dir, "scheduler.log"), cwd: dir });
  return { port, address: `127.0.0.1:${port}`, stop: () => proc.kill("SIGKILL") };
}

/**
 * Placement on free ports, its tables in memory: give `address` to `startStack({ placementAddress })`;
 * every daprd of a test that shares actors must share one.
 */
export async function startTestPlacement(): Promise<TestServer> {
  const [port, healthz, raft] = await Promise.all([freePort(), freePort(), freePort()]);
  const dir = testDir("placement");
  const { proc } = await startControlPlane("placement", placementArgs({ port, healthz, raft }), {
    healthz,
    logFile: join(dir, "placement.log"),
    cwd: dir,
  });
  return { port, address: `127.0.0.1:${port}`, stop: () => proc.kill("SIGKILL") };
}
