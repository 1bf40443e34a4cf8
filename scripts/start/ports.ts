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

/** What to tell about one busy port: who holds it, and how to free or move it. */
export function busyPort(port: number, what: string, holder?: { pid: number; command: string }) {
  return (
    `port ${port} (${what}) is already in use${holder ? ` by pid ${holder.pid}: ${holder.command.slice(0, 160)}` : ""}.\n` +
    `  Fix: stop it${holder ? ` (kill ${holder.pid})` : ""}, or change the port in the template. ` +
    `See who holds it: ss -ltnp 'sport = :${port}'  (or: lsof -nP -iTCP:${port} -sTCP:LISTEN)`
  );
}

/** Fails with every busy port at once. */
export async function checkPorts(ports: { port: number; what: string }[]) {
  const busy: string[] = [];
  for (const { port, what } of ports) if (await isBusy(port)) busy.push(busyPort(port, what, holderOf(port)));
  if (busy.length) throw new StartError(busy.join("\n"));
}
