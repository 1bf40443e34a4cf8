// deploy/Dockerfile without a container engine: copy what it copies, run its production install from
// the lock (npm ci --omit=dev, with the npm package.json pins), start its command with its
// environment, and ask /healthz. The steps are read from the Dockerfile, so the two cannot drift.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const run = promisify(execFile);

/** The Dockerfile's instructions, continuation lines joined. */
const instructions = readFileSync(join(root, "deploy/Dockerfile"), "utf8")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"))
  .map((line) => {
    const [, name, args] = line.match(/^(\w+)\s+(.*)$/) ?? [];
    return { name: name.toUpperCase(), args };
  });
const all = (name: string) => instructions.filter((i) => i.name === name).map((i) => i.args);

const copies = all("COPY").map((args) => {
  const words = args.split(/\s+/);
  return { sources: words.slice(0, -1), target: words.at(-1) as string };
});
const install = all("RUN")
  .join(" && ")
  .match(/npm ci [^&;]*/)?.[0]
  .trim();
const env = Object.fromEntries(
  all("ENV").flatMap((args) => [...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(([, k, v]) => [k, v.replace(/"/g, "")])),
);
const command = JSON.parse(all("CMD").at(-1) ?? "[]") as string[];
const pinnedNpm = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devEngines.packageManager.version as string;

// The image's Node is node:24 (type stripping); the project's own Node 24 stands in for it.
const projectNode = join(root, "node_modules/.bin/node");
const node = existsSync(projectNode) ? projectNode : process.execPath;

let app: ChildProcess | undefined;
let work: string | undefined;
afterAll(() => {
  app?.kill("SIGKILL");
  if (work) rmSync(work, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe("deploy/Dockerfile", () => {
  it("installs with npm ci --omit=dev --omit=optional from the lock, using the npm package.json pins", async () => {
    expect(install).toMatch(/^npm ci .*--omit=dev --omit=optional/);
    expect(all("RUN").join(" ")).toContain("devEngines.packageManager.version");
    expect(command.slice(1)).toEqual(["runtime/main.js"]);
    const { stdout } = await run("npm", ["--version"]);
    expect(stdout.trim(), `npm ${stdout.trim()} runs here; package.json pins ${pinnedNpm}`).toBe(pinnedNpm);
  });

  it("omits optional packages only where that drops nothing production needs", () => {
    // --omit=optional is there for typescript (dev, and an optional peer of valibot). A production
    // dependency that brings optional packages of its own (native builds, for one) needs them.
    const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    const optional = Object.entries(lock.packages)
      .filter(([path, p]) => path && !p.dev && (p.optional || p.devOptional) && path !== "node_modules/typescript")
      .map(([path]) => path);
    expect(
      optional,
      `production dependencies with optional packages: remove --omit=optional from deploy/Dockerfile (and bench/install.ts), or those are not installed`,
    ).toEqual([]);
  });

  it("builds the app's files with a production install that starts and answers /healthz", async () => {
    work = mkdtempSync(join(tmpdir(), "daprlet-image-"));
    for (const { sources, target } of copies) {
      for (const source of sources) {
        // COPY dir ./dir copies the folder's contents; COPY a b ./ puts files into the folder.
        const into = target.endsWith("/") || sources.length > 1;
        const destination = join(work, target, into ? basename(source) : "");
        mkdirSync(into ? join(work, target) : join(destination, ".."), { recursive: true });
        cpSync(join(root, source), destination, { recursive: true });
      }
    }

    // A cache inside the project's ignored .tools/ keeps repeated runs from downloading again.
    const cache = join(root, ".tools/npm-cache");
    const npmEnv = {
      ...process.env,
      npm_config_cache: cache,
      npm_config_prefer_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
    };
    const [npm, ...args] = (install as string).split(/\s+/);
    await run(npm, args, { cwd: work, env: npmEnv, maxBuffer: 16 * 1024 * 1024 }).catch((error) => {
      throw new Error(`${install} failed in ${work}:\n${error.stderr}`);
    });
    expect(existsSync(join(work, "node_modules/hono")), "production dependencies installed").toBe(true);
    expect(existsSync(join(work, "node_modules/vitest")), "no devDependencies").toBe(false);
    expect(existsSync(join(work, "node_modules/typescript")), "no TypeScript (a dev tool, and only an optional peer of valibot)").toBe(
      false,
    );

    const port = await freePort();
    const output: string[] = [];
    app = spawn(node, command.slice(1), {
      cwd: work,
      // The image binds 0.0.0.0, so it refuses to start without APP_API_TOKEN (as deploy/kubernetes sets it).
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...env,
        APP_PORT: String(port),
        APP_API_TOKEN: "image-test",
        DAPRLET_LOG: "off",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    app.stdout?.on("data", (chunk) => output.push(String(chunk)));
    app.stderr?.on("data", (chunk) => output.push(String(chunk)));

    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline && app.exitCode === null) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status, `GET /healthz from \`${command.join(" ")}\` in the installed copy:\n${output.join("")}`).toBe(200);
  });

  it("serves the payment gateway from the same image (DAPRLET_ROOT, as deploy/kubernetes/payment-gateway.yaml sets it)", async () => {
    expect(work, "the previous test builds the copy").toBeDefined();
    const manifest = readFileSync(join(root, "deploy/kubernetes/payment-gateway.yaml"), "utf8");
    const gatewayRoot = manifest.match(/name: DAPRLET_ROOT, value: "\/app\/([^"]+)"/)?.[1] as string;
    expect(gatewayRoot).toBe("examples/payment-gateway");
    app?.kill("SIGKILL");
    const port = await freePort();
    const output: string[] = [];
    app = spawn(node, command.slice(1), {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...env,
        APP_PORT: String(port),
        DAPRLET_LOG: "off",
        DAPRLET_ROOT: join(work as string, gatewayRoot),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    app.stdout?.on("data", (chunk) => output.push(String(chunk)));
    app.stderr?.on("data", (chunk) => output.push(String(chunk)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && app.exitCode === null && !output.join("").includes("listening")) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output.join(""), "the gateway's start-up line").toMatch(/payment-gateway listening on .* with 1 handlers/);
  });
});
