// Busy ports: fail before anything starts, naming who holds the port and the fix.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { StartError } from "./supervisor.ts";

function listenOnce(port: number, host: string) {
  return new Promise<NodeJS.ErrnoException | undefined>((done) => {
    const server = createServer();
    server.once("error", (error) => done(error));
    server.listen({ port, host, exclusive: true }, () => server.close(() => done(undefined)));
  });
}

/** Whether something holds the port on any local address. */
export async function isBusy(port: number) {
  const taken = (error?: NodeJS.ErrnoException) => error?.code === "EADDRINUSE" || error?.code === "EACCES";
  // "::" is dual-stack: it collides with listeners on 127.0.0.1, ::1 and 0.0.0.0 alike. Without IPv6, try IPv4.
  const v6 = await listenOnce(port, "::");
  return taken(v6) || (v6 !== undefined && taken(await listenOnce(port, "0.0.0.0")));
}

/** The process listening on the port, from `ss` and /proc (undefined when it cannot be seen). */
export function holderOf(port: number) {
  const ss = spawnSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
  const pid = /pid=(\d+)/.exec(ss.stdout ?? "")?.[1];
  if (!pid) return undefined;
  let command = "";
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {}
  return { pid: Number(pid), command };
}

/**
 * A connection whose local end is the port (`ss` line: local and peer address), when no process listens on
 * it: the kernel hands ports of its ephemeral range to outgoing connections, and Dapr's default ports
 * (50001, 50005, 50006, …) sit in Linux's (32768–60999), so any client on the machine may hold one.
 */
export function connectionOn(port: number) {
  const ss = spawnSync("ss", ["-Htn", "state", "all", `sport = :${port}`], { encoding: "utf8" });
  const line = (ss.stdout ?? "").split("\n").find((l) => l.trim() && !l.startsWith("LISTEN"));
  return line?.trim().split(/\s+/).slice(-2).join(" → ");
}

/** What to tell about one busy port: who holds it, and how to free or move it. */
export function busyPort(port: number, what: string, holder?: { pid: number; command: string }, connection?: string) {
  if (!holder && connection) {
    return (
      `port ${port} (${what}) is the local end of a connection (${connection}): nothing listens on it, ` +
      "but the kernel handed it to an outgoing connection from its ephemeral range.\n" +
      "  Fix: wait for that connection to close (ss -tanp 'sport = :" +
      `${port}' names its process), or change the port in the template. To keep the kernel from handing out ` +
      `the template's ports again: sudo sysctl -w net.ipv4.ip_local_reserved_ports=${port} (comma-separate several)`
    );
  }
  return (
    `port ${port} (${what}) is already in use${holder ? ` by pid ${holder.pid}: ${holder.command.slice(0, 160)}` : ""}.\n` +
    `  Fix: stop it${holder ? ` (kill ${holder.pid})` : ""}, or change the port in the template. ` +
    `See who holds it: ss -ltnp 'sport = :${port}'  (or: lsof -nP -iTCP:${port} -sTCP:LISTEN)`
  );
}

/** Fails with every busy port at once. */
export async function checkPorts(ports: { port: number; what: string }[]) {
  const busy: string[] = [];
  for (const { port, what } of ports) {
    if (!(await isBusy(port))) continue;
    const holder = holderOf(port);
    busy.push(busyPort(port, what, holder, holder ? undefined : connectionOn(port)));
  }
  if (busy.length) throw new StartError(busy.join("\n"));
}
