// Real servers from Debian's packages (redis-server, mosquitto), started on free ports for a test.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./harness.ts";

const listening = (port: number) =>
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
    throw new Error(`${binary} not found: install it with \`apt-get install ${pkg}\` (.ci/run does)`);
  }
}

async function start(binary: string, args: (port: number, dir: string) => string[], pkg: string): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `daprlet-${pkg}-`));
  const child: ChildProcess = spawn(which(binary, pkg), args(port, dir), { cwd: dir, stdio: "ignore" });
  await waitFor(`${binary} to listen on ${port}`, () => listening(port), 10_000);
  return { port, stop: () => child.kill("SIGKILL") };
}

export const startRedis = () =>
  start("redis-server", (port) => ["--port", String(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"], "redis-server");

export const startMosquitto = () =>
  start(
    "mosquitto",
    (port, dir) => {
      writeFileSync(join(dir, "mosquitto.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
      return ["-c", join(dir, "mosquitto.conf")];
    },
    "mosquitto",
  );
