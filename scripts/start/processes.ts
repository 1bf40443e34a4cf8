// Processes: watching the CLI's children through /proc, and stopping everything in order.
import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { type Supervisor, say, sleep } from "./supervisor.ts";

export const exited = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null;

const waitExit = (proc: ChildProcess, ms: number) =>
  exited(proc)
    ? Promise.resolve(true)
    : new Promise<boolean>((done) => {
        const timer = setTimeout(() => done(false), ms);
        proc.once("exit", () => {
          clearTimeout(timer);
          done(true);
        });
      });

/** Alive and not a zombie (daprd and the app are the CLI's children: it reaps them, we only watch). */
function alive(pid: number) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number) {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  return !alive(pid);
}

/** The CLI's children (daprd and the app's command), from /proc. */
function childrenOf(pid: number) {
  const found: { pid: number; command: string }[] = [];
  for (const entry of existsSync("/proc") ? readdirSync("/proc") : []) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ") });
    } catch {}
  }
  return found;
}

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {}
};

/** Stops daprd, the app, the CLI, placement, the scheduler and the profile's servers, in that order; once. */
export function stopAll(sup: Supervisor, reason: string) {
  sup.stopping ??= (async () => {
    const { cli, children, servers } = sup;
    if (cli || children.length || servers.count()) {
      say(
        `${reason}: stopping daprd, the app, the CLI, placement and the scheduler${servers.count() ? ", then the profile's servers" : ""}`,
      );
    }
    if (cli?.pid && !exited(cli)) {
      const procs = childrenOf(cli.pid);
      const daprd = procs.filter((p) => /(^|\/)daprd /.test(p.command));
      const apps = procs.filter((p) => !daprd.includes(p));
      // daprd first: it stops delivering and lets in-flight calls finish; then the app flushes its spans.
      for (const p of daprd) signal(p.pid, "SIGTERM");
      for (const p of daprd) await waitGone(p.pid, 8000);
      for (const p of apps) signal(p.pid, "SIGTERM");
      for (const p of apps) await waitGone(p.pid, 5000);
      signal(cli.pid, "SIGINT");
      if (!(await waitExit(cli, 5000))) signal(cli.pid, "SIGKILL");
      // Whatever the app left in the CLI's process group (its own children).
      signal(-cli.pid, "SIGKILL");
    }
    for (const { proc } of children) {
      if (proc.pid && !exited(proc)) {
        signal(proc.pid, "SIGTERM");
        if (!(await waitExit(proc, 5000))) signal(-proc.pid, "SIGKILL");
      }
    }
    await servers.stop();
  })();
  return sup.stopping;
}
