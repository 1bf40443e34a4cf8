// Real servers from Debian's packages (redis-server, mosquitto), started on free ports for a test.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, listening, waitFor } from "./wait.ts";

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

/** On a free port, or on `port` (npm run servers). */
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
