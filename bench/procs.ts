// Child processes for the bench: free ports, cores, spawning a server (node itself, never a shell,
// so its pid is the server's), waiting for its first SUCCESS, reading its RSS, stopping it.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { orderEvent, orderHeaders } from "./cloudevent.ts";

export const node = process.execPath;

/** `taskset` where it exists and the machine has two cores or more: server on core 0, the rest on core 1. */
export const pinning = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const cores = Number(execFileSync("nproc", { encoding: "utf8" }).trim());
  return cores >= 2 ? { server: "0", load: "1" } : undefined;
})();

/** Moves this process (all its threads) to the load core, away from the server. */
export function pinSelf(): void {
  if (pinning) execFileSync("taskset", ["-a", "-cp", pinning.load, String(process.pid)], { stdio: "ignore" });
}

/** The command line for `args` on a core (taskset execs it, so the pid stays the program's). */
export function onCore(core: "server" | "load", command: string, args: string[]): [string, string[]] {
  return pinning ? ["taskset", ["-c", pinning[core], command, ...args]] : [command, args];
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

export interface Started {
  child: ChildProcess;
  port: number;
  /** spawn → the first delivery answered {"status":"SUCCESS"}, ms */
  coldStartMs: number;
}

/** Spawns `node [nodeArgs] <script>` on the server core with `env` (in `cwd`), and polls it with the CloudEvent until it answers SUCCESS. */
export async function startServer(
  script: string,
  env: Record<string, string>,
  path: string,
  nodeArgs: string[] = [],
  cwd?: string,
): Promise<Started> {
  const timeoutMs = 30_000;
  const port = await freePort();
  const [command, args] = onCore("server", node, [...nodeArgs, script]);
  const t0 = performance.now();
  // stdout goes to /dev/null: the delivery log is written (in batches, as to a file) but not read.
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env, APP_PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}${path}`;
  while (performance.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${stderr}`);
    try {
      const res = await fetch(url, { method: "POST", headers: orderHeaders, body: orderEvent });
      const body = (await res.json()) as { status?: string };
      if (body.status === "SUCCESS") return { child, port, coldStartMs: performance.now() - t0 };
      throw new Error(`${script} answered ${res.status} ${JSON.stringify(body)} instead of SUCCESS:\n${stderr}`);
    } catch (error) {
      if ((error as Error).message.includes("instead of SUCCESS")) throw error;
      await sleep(2);
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${script} gave no SUCCESS within ${timeoutMs} ms:\n${stderr}`);
}

/** Resident set size of a process in MB, from /proc (Linux only; undefined elsewhere). */
export function rssMb(pid: number | undefined): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in seconds, from /proc (undefined elsewhere). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after a second; resolves once the process is gone. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 1000);
  await gone;
  clearTimeout(timer);
}
