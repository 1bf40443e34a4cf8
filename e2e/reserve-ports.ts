// Vitest's global setup for the whole run (every project): keep the kernel from handing the template's
// fixed ports to the suite's own outgoing connections. dapr.yaml's ports (50001, 50005–50016, …) sit in
// Linux's ephemeral range (32768–60999); a long-lived connection of a server another file started at
// the same time (kube-apiserver to etcd in deploy/, a broker to its controller) may be handed one as
// its local port, and then `npm start` in e2e/start-stop.test.ts and handlers/start.e2e.test.ts
// rightly finds it busy (CI stop 22: 50006 and 50016). Root only (the setting is the machine's); the
// ports are added to net.ipv4.ip_local_reserved_ports for the run and the old value is put back after.
// Binding a reserved port stays allowed: only the kernel's own choice skips it.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readTemplate } from "../scripts/start/template.ts";
import { templatePorts } from "../scripts/start/template-ports.ts";

const setting = "/proc/sys/net/ipv4/ip_local_reserved_ports";
const root = resolve(import.meta.dirname, "..");

export default function reservePorts() {
  if (process.getuid?.() !== 0) return;
  let before: string;
  try {
    before = readFileSync(setting, "utf8").trim();
  } catch {
    return; // not Linux, or no such setting here
  }
  const ports = templatePorts(readTemplate(join(root, "dapr.yaml"))).map((p) => p.port);
  const merged = [before, ...new Set(ports)].filter(Boolean).join(",");
  try {
    writeFileSync(setting, merged);
  } catch {
    return; // read-only /proc/sys (some containers): the suite runs as before
  }
  // An empty write is ignored by the kernel: a newline clears the list.
  return () => writeFileSync(setting, `${before}\n`);
}
