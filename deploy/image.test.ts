// deploy/Dockerfile without a container engine: run its two stages in a temporary folder (the build
// stage's COPYs and its build command, the final stage's production install from the lock with the
// npm package.json pins and its COPY --from=build), start its CMD with its ENV, ask /healthz and
// deliver one CloudEvent. The steps are read from the Dockerfile, so the two cannot drift.
import { execFile } from "node:child_process";
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { smokeServe } from "../scripts/serve-smoke.ts";

const root = join(import.meta.dirname, "..");
const run = promisify(execFile);

interface Instruction {
  name: string;
  args: string;
}
/** The Dockerfile's stages, each its instructions (continuation lines joined). */
const stages = readFileSync(join(root, "deploy/Dockerfile"), "utf8")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"))
  .reduce<Instruction[][]>((acc, line) => {
    const [, name, args] = line.match(/^(\w+)\s+(.*)$/) ?? [];
    if (name.toUpperCase() === "FROM") acc.push([]);
    acc.at(-1)?.push({ name: name.toUpperCase(), args });
    return acc;
  }, []);
const [buildStage, finalStage] = stages;
const all = (stage: Instruction[], name: string) => stage.filter((i) => i.name === name).map((i) => i.args);

const install = all(finalStage, "RUN")
  .join(" && ")
  .match(/npm ci [^&;]*/)?.[0]
  .trim();
/** ENV instructions of a stage, in order: `KEY=value` pairs. */
const envOf = (instructions: Instruction[]) =>
  Object.fromEntries(
    instructions
      .filter((i) => i.name === "ENV")
      .flatMap((i) => [...i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(([, k, v]) => [k, v.replace(/"/g, "")])),
  );
const command = JSON.parse(all(finalStage, "CMD").at(-1) ?? "[]") as string[];
const pinnedNpm = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devEngines.packageManager.version as string;

// The image's Node is node:24; the project's own Node 24 stands in for it.
const projectNode = join(root, "node_modules/.bin/node");
const node = existsSync(projectNode) ? projectNode : process.execPath;

let work: string | undefined;
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Where an absolute path of a stage's file system lives in the temporary folder: one folder per stage. */
const at = (stage: Instruction[], path: string) => join(work as string, `stage-${stages.indexOf(stage)}`, path);
const workdir = (stage: Instruction[]) => at(stage, all(stage, "WORKDIR").at(-1) ?? "/");
/** The stage `FROM … AS <name>` names. */
const stageNamed = (name: string) => stages.find((stage) => new RegExp(`\\sAS\\s+${name}$`, "i").test(stage[0].args)) as Instruction[];

/** Some of a stage's COPY instructions, as Docker runs them: from the checkout, or (`--from=<stage>`) from an earlier stage's files. */
function copyStage(stage: Instruction[], copies = all(stage, "COPY")): void {
  for (const args of copies) {
    const words = args.split(/\s+/);
    const from = words[0].startsWith("--from=") ? stageNamed(words[0].slice("--from=".length)) : undefined;
    const paths = from ? words.slice(1) : words;
    const target = join(workdir(stage), paths.at(-1) as string);
    for (const source of paths.slice(0, -1)) {
      const path = from ? at(from, source) : join(root, source);
      // A folder's contents go into the target; a file goes into a target ending in "/", else becomes it.
      const into = !statSync(path).isDirectory() && (paths.at(-1) as string).endsWith("/");
      const destination = into ? join(target, basename(source)) : target;
      mkdirSync(dirname(destination), { recursive: true });
      cpSync(path, destination, { recursive: true });
    }
  }
}

// A cache inside the project's ignored .tools/ keeps repeated runs from downloading again.
const npmEnv = {
  ...process.env,
  npm_config_cache: join(root, ".tools/npm-cache"),
  npm_config_prefer_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
};

// Switching users needs root (CI is); otherwise the steps after USER run as this process's user.
const asRoot = process.getuid?.() === 0;

/**
 * Runs a stage's instructions in order, each `RUN` split at `&&`: the pinned npm's global install
 * and the cache clean are skipped (this machine's npm is the pinned one, the first test checks),
 * the build stage's full `npm ci` is the checkout's own node_modules (the same lock, linked), a
 * production `npm ci` and `node …` commands run for real, with absolute paths and the stage's ENV
 * mapped into the temporary folder, as the stage's USER (when this runs as root), and
 * `install -d -o <uid> -g <gid> <dir>` makes the folder and hands it over. Anything else fails, so
 * the Dockerfile cannot drift from this. Returns the stage's ENV, mapped, and its last USER.
 */
async function runStage(stage: Instruction[]) {
  const mapped = (value: string) => (value.startsWith("/") ? at(stage, value) : value);
  let user: { uid: number; gid: number } | undefined;
  for (const [index, { name, args }] of stage.entries()) {
    if (name === "USER") {
      const [uid, gid] = args.split(":").map(Number);
      user = { uid, gid: gid ?? uid };
    }
    const env = Object.fromEntries(Object.entries(envOf(stage.slice(0, index))).map(([k, v]) => [k, mapped(v)]));
    if (name === "COPY") copyStage(stage, [args]);
    if (name === "WORKDIR") mkdirSync(workdir(stage), { recursive: true });
    if (name !== "RUN") continue;
    for (const step of args.split("&&").map((part) => part.trim())) {
      const [program, ...words] = step.split(/\s+/);
      if (/^npm (install -g|cache clean)/.test(step)) continue;
      const options = { cwd: workdir(stage), env: { ...npmEnv, ...env }, maxBuffer: 16 * 1024 * 1024, ...(asRoot ? user : {}) };
      const failed = (error: { message: string; stderr?: string }) => {
        throw new Error(`${step} failed in ${workdir(stage)}: ${error.message}\n${error.stderr}`);
      };
      if (/^npm ci\b/.test(step) && !step.includes("--omit=dev")) {
        symlinkSync(join(root, "node_modules"), join(workdir(stage), "node_modules"), "dir");
      } else if (/^npm ci\b/.test(step)) {
        await run(program, words, options).catch(failed);
      } else if (program === "install" && words[0] === "-d") {
        const [, , uid, , gid, dir] = words;
        mkdirSync(mapped(dir), { recursive: true });
        if (asRoot) chownSync(mapped(dir), Number(uid), Number(gid));
      } else if (program === "node") {
        await run(node, words.map(mapped), options).catch(failed);
      } else {
        throw new Error(`deploy/image.test.ts cannot run \`${step}\` from deploy/Dockerfile: teach runStage what it does`);
      }
    }
  }
  return { env: Object.fromEntries(Object.entries(envOf(stage)).map(([k, v]) => [k, mapped(v)])), user };
}

describe("deploy/Dockerfile", () => {
  it("installs with npm ci --omit=dev --omit=optional from the lock, using the npm package.json pins", async () => {
    expect(install).toMatch(/^npm ci .*--omit=dev --omit=optional/);
    expect(all(finalStage, "RUN").join(" ")).toContain("devEngines.packageManager.version");
    expect(all(buildStage, "RUN").join(" ")).toContain("devEngines.packageManager.version");
    expect(command[0]).toBe("node");
    expect(command.at(-1), "the built entry, JavaScript only").toBe("runtime/main.js");
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

  it("builds JavaScript in one stage, installs production packages in the next, starts CMD and answers a delivery", async () => {
    work = mkdtempSync(join(tmpdir(), "daprlet-image-"));
    chmodSync(work, 0o755); // the image's USER walks into it
    await runStage(buildStage);
    const { env, user } = await runStage(finalStage);
    const app = workdir(finalStage);
    expect(existsSync(join(app, "node_modules/hono")), "production dependencies installed").toBe(true);
    expect(existsSync(join(app, "node_modules/vitest")), "no devDependencies").toBe(false);
    expect(existsSync(join(app, "node_modules/typescript")), "no TypeScript (a dev tool, and only an optional peer of valibot)").toBe(
      false,
    );
    const sources = (dir: string): string[] =>
      readdirSync(join(app, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : /\.[mc]?ts$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    expect([...sources("runtime"), ...sources("handlers")], "nothing left to strip types from at start").toEqual([]);
    expect(existsSync(join(app, "examples/payment-gateway/handlers/charge.js")), "the payment gateway, built beside the app").toBe(true);
    expect(readdirSync(env.NODE_COMPILE_CACHE), "a compile cache filled at build time").not.toEqual([]);
    // Node keeps a folder per uid (`v24…-<uid>`): one filled as another user than CMD's is never read.
    if (asRoot && user) expect(readdirSync(env.NODE_COMPILE_CACHE)).toEqual([expect.stringMatching(new RegExp(`-${user.uid}$`))]);

    // The image binds 0.0.0.0: the app wants daprd's APP_API_TOKEN there, as daprd sends it.
    const token = "image-test-token";
    const result = await smokeServe(app, {
      node,
      nodeArgs: command.slice(1, -1),
      // NODE_DEBUG_NATIVE: Node says, per module, whether the compile cache served it.
      env: { ...env, APP_API_TOKEN: token, DAPRLET_LOG: "off", NODE_DEBUG_NATIVE: "COMPILE_CACHE" },
      token,
      user: asRoot ? user : undefined,
    });
    expect(result.healthz, `GET /healthz from \`${command.join(" ")}\` in the image's tree:\n${result.output}`).toBe(200);
    expect(result.answer, result.output).toEqual({ status: "SUCCESS" });
    expect(
      result.sidecarCalls.filter((c) => c.startsWith("POST /v1.0/state/statestore")),
      result.sidecarCalls.join("\n"),
    ).not.toEqual([]); // The modules CMD loads come from the cache filled at build time, not compiled again.
    expect(result.output, "runtime/main.js served by the baked compile cache").toMatch(
      /V8 code cache for ESM \S+\/runtime\/main\.js was accepted/,
    );
  });
});
