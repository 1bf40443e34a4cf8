// `npm start` as a person uses it: in a real terminal (tmux), wait for the ready line, use the app,
// press Ctrl-C, and nothing may be left running. Also: a busy port fails at once, naming the port
// and the fix; an app that crashes at start-up ends `npm start` with a non-zero exit and its error.
// Uses the template's fixed ports (3000, 3500, 50001, 9090, 50006-50009), like a user's machine.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { copyProject as copyProjectFiles } from "../runtime/testing/project-copy.ts";

const root = resolve(import.meta.dirname, "..");
const ports = [3000, 3500, 50001, 9090, 50006, 50007, 50008, 50009];
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null> | T | undefined | null,
  timeoutMs: number,
  context = () => "",
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
}

/** Ports of the template that something still listens on. */
function listening() {
  const out = spawnSync("ss", ["-Hltn"], { encoding: "utf8" }).stdout;
  return ports.filter((p) => new RegExp(`:${p}\\s`).test(out));
}

/** daprd, scheduler, dapr CLI and app processes whose working directory is `dir`. */
function processesIn(dir: string) {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== dir) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (/\.dapr\/bin\/(daprd|scheduler|dapr) |runtime\/main\.ts|scripts\/start\.ts/.test(cmd)) found.push(`${pid} ${cmd.slice(0, 120)}`);
    } catch {}
  }
  return found;
}

/** The project's files in a temporary folder (runtime/ and node_modules/ linked), to edit freely. */
/** The project as a user has it (every tracked and untracked file), with runtime/ and node_modules/ linked. */
const copyProject = () => copyProjectFiles(root, { prefix: "daprlet-copy-" });
const daprHome = process.env.DAPRLET_DAPR_HOME ?? join(root, ".dapr-home");

describe.skipIf(!hasTmux)("npm start in a terminal", () => {
  const socket = `daprlet-e2e-${process.pid}`;
  const logDir = mkdtempSync(join(tmpdir(), "daprlet-start-"));
  const pane = join(logDir, "pane.log");
  const tmux = (...args: string[]) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const output = () => (existsSync(pane) ? readFileSync(pane, "utf8") : "");
  const tail = () => `--- terminal ---\n${output().slice(-4000)}`;
  const atShell = () => tmux("display-message", "-p", "-t", "start", "#{pane_current_command}").stdout.trim() === "bash";
  /** The ready line of the command typed at `sent`; fails at once, with the terminal, if the command returned to the shell first. */
  const readyLine = (sent: number) => () => {
    const line = /\[daprlet\] ready in .*/.exec(output())?.[0];
    if (line) return line;
    if (Date.now() - sent > 5000 && atShell()) throw new Error(`the command returned to the shell before it was ready\n${tail()}`);
    return undefined;
  };

  beforeAll(() => {
    expect(listening(), "the template's ports must be free before the test").toEqual([]);
    // A plain bash as the terminal's shell; pipe-pane copies what the terminal shows into a file
    // without putting anything between the terminal and npm.
    expect(tmux("new-session", "-d", "-s", "start", "-x", "220", "-y", "50", "-c", root, "bash --norc --noprofile").status).toBe(0);
    tmux("pipe-pane", "-t", "start", "-o", `cat >> ${pane}`);
  });
  // A test that failed half-way leaves npm start running in the pane: stop it (Ctrl-C) so the next
  // test starts from a shell and the template's ports are free again.
  afterEach(async () => {
    if (atShell()) return;
    tmux("send-keys", "-t", "start", "C-c");
    await waitFor("the pane to return to the shell", () => atShell(), 30_000).catch(() => {});
  });
  afterAll(() => {
    tmux("kill-server");
    rmSync(logDir, { recursive: true, force: true });
  });

  it("is ready with a healthy daprd and a scheduler, reaches the app, and Ctrl-C leaves nothing behind", async () => {
    tmux("send-keys", "-t", "start", "npm start", "Enter");
    const ready = await waitFor("the [daprlet] ready line", readyLine(Date.now()), 110_000, tail);
    console.log(ready);

    expect((await fetch("http://127.0.0.1:3500/v1.0/healthz")).status).toBe(204);
    const schedulerErrors = output()
      .split("\n")
      .filter((l) => /level=(error|warning)/.test(l) && /scheduler/i.test(l));
    expect(schedulerErrors).toEqual([]);
    // daprd reaches the app (its health route: this test must not depend on which handlers exist).
    expect((await fetch("http://127.0.0.1:3500/v1.0/invoke/order-service/method/healthz")).status).toBe(200);
    // The app binds loopback only (dapr.yaml appChannelAddress), not every interface.
    expect(spawnSync("ss", ["-Hltn", "sport = :3000"], { encoding: "utf8" }).stdout).toMatch(/127\.0\.0\.1:3000/);

    const pressed = Date.now();
    tmux("send-keys", "-t", "start", "C-c");
    // npm start has returned to the shell when the pane runs bash again.
    await waitFor("npm start to exit after Ctrl-C", atShell, 30_000, tail);
    console.log(`stopped ${Date.now() - pressed} ms after Ctrl-C`);
    expect(output()).toContain("[daprlet] stopped");
    expect(listening()).toEqual([]);
    expect(processesIn(root)).toEqual([]);
  });

  it("npm run dev restarts the app and regenerates subscriptions when a handler is added, keeping daprd; Ctrl-C leaves nothing", async () => {
    const dir = copyProject();
    try {
      writeFileSync(pane, "");
      tmux("send-keys", "-t", "start", `cd ${dir} && DAPRLET_DAPR_HOME=${daprHome} npm run dev`, "Enter");
      await waitFor("the [daprlet] ready line", readyLine(Date.now()), 110_000, tail);
      const daprd = spawnSync("ss", ["-Hltnp", "sport = :3500"], { encoding: "utf8" }).stdout.match(/pid=(\d+)/)?.[1];

      const saved = Date.now();
      writeFileSync(
        join(dir, "handlers/onPing.ts"),
        [
          'import * as v from "valibot";',
          'import { defineHandler, saveState, topic } from "../runtime/index.ts";',
          "export const onPing = defineHandler({",
          '  trigger: topic("pubsub", "pings"),',
          "  schema: v.object({ n: v.number() }),",
          '  handle: ({ data }) => [saveState("statestore", "ping-" + String(data.n), data)],',
          "});",
          "",
        ].join("\n"),
      );
      const restarted = await waitFor(
        "the app to restart",
        () => /\[daprlet\] app restarted (\d+) ms after handlers\/onPing.ts/.exec(output()),
        20_000,
        tail,
      );
      console.log(`${restarted[0]} (${Date.now() - saved} ms seen by the test)`);
      expect(Number(restarted[1])).toBeLessThan(3000);
      expect(output()).toContain("[daprlet] subscriptions/ disagreed with handlers/; regenerated it");
      expect(existsSync(join(dir, "subscriptions/pubsub-pings.yaml"))).toBe(true);
      // daprd hot-reloads the new Subscription: a ping published through it reaches the new handler.
      await waitFor(
        "daprd to list the new subscription",
        async () => {
          const meta = (await (await fetch("http://127.0.0.1:3500/v1.0/metadata")).json()) as { subscriptions?: { topic: string }[] };
          return meta.subscriptions?.some((s) => s.topic === "pings");
        },
        20_000,
        tail,
      );
      const state = await waitFor(
        "the ping's state",
        async () => {
          await fetch("http://127.0.0.1:3500/v1.0/publish/pubsub/pings", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: '{"n":7}',
          });
          const r = await fetch("http://127.0.0.1:3500/v1.0/state/statestore/ping-7");
          return r.status === 200 ? r.json() : undefined;
        },
        20_000,
        tail,
      );
      expect(state).toEqual({ n: 7 });
      expect(spawnSync("ss", ["-Hltnp", "sport = :3500"], { encoding: "utf8" }).stdout).toContain(`pid=${daprd},`);

      tmux("send-keys", "-t", "start", "C-c");
      await waitFor("npm run dev to exit after Ctrl-C", atShell, 30_000, tail);
      expect(output()).toContain("[daprlet] stopped");
      expect(listening()).toEqual([]);
      expect(processesIn(dir)).toEqual([]);
    } finally {
      tmux("send-keys", "-t", "start", `cd ${root}`, "Enter");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

it.runIf(!hasTmux)("needs tmux to drive a real terminal: apt-get install -y tmux", () => {
  console.warn("tmux is missing: the Ctrl-C test was skipped. Install it with: apt-get install -y tmux");
});

/** Runs `node scripts/start.ts` in `cwd` to its end; kills it after `timeoutMs`. */
function runStart(cwd: string, timeoutMs: number) {
  return new Promise<{ code: number | null; output: string; ms: number }>((done) => {
    const started = Date.now();
    const child = spawn(join(root, "node_modules/.bin/node"), ["scripts/start.ts"], {
      cwd,
      env: { ...process.env, DAPRLET_DAPR_HOME: daprHome },
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, output, ms: Date.now() - started });
    });
  });
}

describe("npm start refuses to run half-broken", () => {
  let holder: Server | undefined;
  afterAll(() => holder?.close());

  it("fails at once when a port is busy, naming the port, its holder and the fix", async () => {
    holder = createServer();
    await new Promise<void>((r) => holder!.listen(3500, "127.0.0.1", r));
    const run = await runStart(root, 30_000);
    holder.close();
    console.log(run.output.trim());
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(5000);
    expect(run.output).toContain("port 3500 (daprHTTPPort of order-service");
    expect(run.output).toContain(`pid ${process.pid}`);
    expect(run.output).toContain("ss -ltnp 'sport = :3500'");
    expect(processesIn(root)).toEqual([]);
  });

  it("regenerates a stale subscriptions/, then exits non-zero with the app's error when the app crashes at start-up", async () => {
    const dir = copyProject();
    try {
      const template = readFileSync(join(dir, "dapr.yaml"), "utf8");
      const crashing = `command: ["node_modules/.bin/node", "-e", "console.error('boom: the app cannot start'); process.exit(3)"]`;
      writeFileSync(join(dir, "dapr.yaml"), template.replace(/command: \[.*\]/, crashing));
      // As if a topic handler were added without `npm run generate` (the test's own: it must not
      // depend on which handlers the project has).
      writeFileSync(
        join(dir, "handlers/onStaleCheck.ts"),
        `import { defineHandler, topic } from "daprlet";\nimport * as v from "valibot";\nexport const onStaleCheck = defineHandler({ trigger: topic("pubsub", "stale-check"), schema: v.unknown(), handle: () => [] });\n`,
      );
      const run = await runStart(dir, 120_000);
      console.log(
        run.output
          .split("\n")
          .filter((l) => l.startsWith("[daprlet]") || l.includes("boom"))
          .join("\n"),
      );
      expect(run.output).toContain("[daprlet] subscriptions/ disagreed with handlers/; regenerated it");
      expect(readFileSync(join(dir, "subscriptions/pubsub-stale-check.yaml"), "utf8")).toContain("default: /events/onStaleCheck");
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/\[daprlet\] the app order-service exited during start-up \(exit status 3\)/);
      expect(run.output).toContain("boom: the app cannot start");
      expect(run.output).not.toContain("[daprlet] ready");
      expect(listening()).toEqual([]);
      expect(processesIn(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
