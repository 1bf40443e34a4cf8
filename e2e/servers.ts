// Real servers from Debian's packages (redis-server, mosquitto), started on free ports for a test.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./harness.ts";

/** Whether something accepts TCP connections on the port (a connected socket means listening). */
export const listening = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });

export interface Server {
  port: number;
  stop: () => void;
}

function which(binary: string, pkg: string): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${binary} || ls /usr/sbin/${binary}`], { encoding: "utf8" })
      .trim()
      .split("\n")[0];
  } catch {
    throw new Error(`${binary} not found: run \`npm run setup\` (scripts/setup-servers.sh installs it), or \`apt-get install ${pkg}\``);
  }
}

async function start(binary: string, args: (port: number, dir: string) => string[], pkg: string, fixed?: number): Promise<Server> {
  const port = fixed ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), `daprlet-${pkg}-`));
  // Its own process group, as the backends have: a terminal's Ctrl-C reaches `npm start`, which stops
  // daprd before the servers it talks to.
  const child: ChildProcess = spawn(which(binary, pkg), args(port, dir), { cwd: dir, stdio: "ignore", detached: true });
  await waitFor(`${binary} to listen on ${port}`, () => listening(port), 10_000);
  return { port, stop: () => child.kill("SIGKILL") };
}

/** On a free port, or on `port` (scripts/servers.ts). */
export const startRedis = (port?: number) =>
  start("redis-server", (p) => ["--port", String(p), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"], "redis-server", port);

export const startMosquitto = (fixedPort?: number) =>
  start(
    "mosquitto",
    (port, dir) => {
      writeFileSync(join(dir, "mosquitto.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
      return ["-c", join(dir, "mosquitto.conf")];
    },
    "mosquitto",
    fixedPort,
  );

/**
 * Dapr's scheduler (built by `npm run setup` beside daprd), on free ports with its own data dir:
 * give `address` to `startStack({ schedulerAddress })`; several daprds may share one.
 */
export async function startScheduler(): Promise<Server & { address: string }> {
  const bin = join(process.env.DAPRLET_DAPR_HOME ?? join(import.meta.dirname, "..", ".dapr-home"), ".dapr", "bin", "scheduler");
  const [port, healthz, etcdClient, etcdPeer] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dir = mkdtempSync(join(tmpdir(), "daprlet-scheduler-"));
  const child = spawn(
    bin,
    [
      `--port=${port}`,
      "--listen-address=127.0.0.1",
      `--healthz-port=${healthz}`,
      "--enable-metrics=false",
      `--etcd-data-dir=${join(dir, "data")}`,
      `--etcd-client-port=${etcdClient}`,
      `--etcd-initial-cluster=dapr-scheduler-server-0=http://localhost:${etcdPeer}`,
    ],
    { cwd: dir, stdio: "ignore" },
  );
  await waitFor(`the scheduler to be healthy on ${healthz}`, async () => (await fetch(`http://127.0.0.1:${healthz}/healthz`)).ok, 30_000);
  return { port, address: `127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

/**
 * Dapr's placement (built by `npm run setup` beside daprd), on free ports, its tables in memory:
 * give `address` to `startStack({ placementAddress })`; every daprd of a test that shares actors
 * must share one.
 */
export async function startPlacement(): Promise<Server & { address: string }> {
  const bin = join(process.env.DAPRLET_DAPR_HOME ?? join(import.meta.dirname, "..", ".dapr-home"), ".dapr", "bin", "placement");
  const [port, healthz, raft] = await Promise.all([freePort(), freePort(), freePort()]);
  const child = spawn(
    bin,
    [
      `--port=${port}`,
      "--listen-address=127.0.0.1",
      `--healthz-port=${healthz}`,
      "--enable-metrics=false",
      `--initial-cluster=dapr-placement-0=127.0.0.1:${raft}`,
    ],
    { stdio: "ignore" },
  );
  await waitFor(`placement to be healthy on ${healthz}`, async () => (await fetch(`http://127.0.0.1:${healthz}/healthz`)).ok, 30_000);
  return { port, address: `127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}
