// Starts a real daprd and the runtime on free ports, on a temporary copy of a project (the
// framework's fixture app by default, or this project as a user has it), and cleans both up.
// Used by the end-to-end suites only; nothing here fakes the sidecar.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readRecording } from "../runtime/observe/record.ts";
import { overriddenComponentFiles } from "../runtime/project/components.ts";
import { subscriptionManifests } from "../runtime/project/manifest.ts";
import { loadProject } from "../runtime/project/project.ts";
import { checkoutRoot, copyProject, fixtureRoot } from "../runtime/testing/project-copy.ts";
import { freePort, waitFor } from "../scripts/servers/wait.ts";

export const projectRoot = checkoutRoot;
export { fixtureRoot };

const daprHome = process.env.DAPRLET_DAPR_HOME ?? join(projectRoot, ".dapr-home");
export const daprd = join(daprHome, ".dapr", "bin", "daprd");
const node = join(projectRoot, "node_modules", ".bin", "node");

export { freePort, waitFor };

export interface StackOptions {
  /** The project to copy: the framework's fixture app (default), or `projectRoot` for this project as the user has it. */
  project?: string;
  /** Component folders under components/ to load, besides common/. */
  profiles?: string[];
  /** daprd's resource folders, relative to the project, instead of components/common + profiles + subscriptions + resiliency. */
  resources?: string[];
  /** Extra handler files: name → source (importing the runtime as `daprlet`, as handlers do). */
  handlers?: Record<string, string>;
  /** Edit the temporary copy before anything starts (component metadata, schedules). */
  prepare?: (dir: string) => void;
  /** Environment for both processes (tokens, OTEL_*). */
  env?: Record<string, string>;
  /** Extra daprd flags. */
  daprdArgs?: string[];
  /** A scheduler's address (`startScheduler()` in servers.ts), for jobs; without one daprd runs with the scheduler disabled. */
  schedulerAddress?: string;
  /** A placement's address (`startPlacement()` in servers.ts), for actors; without one daprd hosts none. */
  placementAddress?: string;
}

export interface Stack {
  dir: string;
  daprPort: number;
  /** daprd's gRPC API port (workflows dial it). */
  grpcPort: number;
  appPort: number;
  metricsPort: number;
  recordDir: string;
  logs: () => string;
  /** A call to daprd's HTTP API, with the API token when one is set. */
  dapr: (path: string, init?: RequestInit) => Promise<Response>;
  getState: (key: string, store?: string) => Promise<unknown>;
  /** The deliveries daprd made to a path, as recorded by the runtime. */
  deliveries: (path: string) => ReturnType<typeof readRecording>[];
  /** Ends the app process only (daprd keeps running) and resolves with how it exited. */
  killApp: (signal?: NodeJS.Signals) => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts the app process again on the same port (after `killApp`). */
  restartApp: () => void;
  /** Stops daprd (SIGTERM) and starts it again on the same ports, keeping the app; resolves once it is healthy. */
  restartDaprd: () => Promise<void>;
  /** Stops daprd and the app (SIGTERM), starts both again on the same copy and ports, and waits until they are ready. */
  restart: () => Promise<void>;
  /** SIGKILLs daprd and the app together, as a node or pod dying would (no shutdown of either). */
  crash: () => Promise<void>;
  stop: () => Promise<void>;
}

/** Replaces a component's metadata value in the copied YAML (e.g. a port or a schedule). */
export function setMetadata(dir: string, file: string, name: string, value: string) {
  const path = join(dir, "components", file);
  const yaml = readFileSync(path, "utf8");
  const pattern = new RegExp(`(- name: ${name}\\n\\s+value: )"[^"]*"`);
  if (!pattern.test(yaml)) throw new Error(`${file} has no metadata ${name}`);
  writeFileSync(path, yaml.replace(pattern, `$1"${value}"`));
}

/**
 * The stores a profile runs on its state store's server (redis: lock and configuration;
 * postgres-kafka: configuration) follow it: a test that points the state store at its own server
 * (setMetadata) moves them with it (daprd exits when a component cannot reach its server).
 */
const sharedWithStateStore = [
  { folder: "redis", field: "redisHost", files: ["lockstore.yaml", "configstore.yaml"] },
  { folder: "postgres-kafka", field: "connectionString", files: ["configstore.yaml"] },
];

function shareStateStoreServer(dir: string) {
  for (const { folder, field, files } of sharedWithStateStore) {
    const state = join(dir, "components", folder, "statestore.yaml");
    if (!existsSync(state)) continue;
    const value = new RegExp(`- name: ${field}\\n\\s+value: "([^"]*)"`).exec(readFileSync(state, "utf8"))?.[1];
    if (!value) continue;
    for (const file of files) if (existsSync(join(dir, "components", folder, file))) setMetadata(dir, `${folder}/${file}`, field, value);
  }
}

/** The fixture's redis profile with its configuration store, all pointed at one Redis server: `startStack({ ...redisWithConfiguration(port) })`. */
export const redisWithConfiguration = (redisPort: number): Pick<StackOptions, "profiles" | "prepare"> => ({
  profiles: ["redis", "configuration"],
  prepare: (dir) => {
    for (const file of ["redis/statestore.yaml", "redis/pubsub.yaml", "configuration/configstore.yaml"]) {
      setMetadata(dir, file, "redisHost", `127.0.0.1:${redisPort}`);
    }
  },
});

/**
 * The fixture's postgres-kafka profile without Kafka (the embedded pub/sub stays): its state and
 * configuration stores on one Postgres server (`startPostgres()` creates the configuration table).
 */
export const postgresWithConfiguration = (connectionString: string): Pick<StackOptions, "profiles" | "prepare"> => ({
  profiles: ["embedded", "postgres-kafka"],
  prepare: (dir) => {
    rmSync(join(dir, "components/postgres-kafka/pubsub.yaml"));
    setMetadata(dir, "postgres-kafka/statestore.yaml", "connectionString", connectionString);
  },
});

/** A component a later folder defines again replaces the earlier one (daprd refuses duplicates): see overriddenComponentFiles. */
function dropOverridden(dir: string, resources: string[]) {
  for (const file of overriddenComponentFiles(dir, resources)) rmSync(join(dir, file), { force: true });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (!existsSync(daprd)) throw new Error(`${daprd} not found: run \`npm run setup\` first`);
  // The whole project as it is (tracked and untracked files, not ignored ones): whatever a user
  // added (a secret-store file, a component folder) is there.
  const files = Object.fromEntries(Object.entries(options.handlers ?? {}).map(([name, source]) => [`handlers/${name}.ts`, source]));
  const dir = copyProject(options.project ?? fixtureRoot, { files, prefix: "daprlet-e2e-" });
  options.prepare?.(dir);
  shareStateStoreServer(dir);
  // The embedded state store's SQLite file lives in .data/ of the copy (never the checkout's): SQLite creates no folders.
  mkdirSync(join(dir, ".data"), { recursive: true });

  // The generator's own functions, run on the copy: the suite tests what `npm run generate` produces.
  const project = await loadProject(dir);
  rmSync(join(dir, "subscriptions"), { recursive: true, force: true });
  mkdirSync(join(dir, "subscriptions"));
  for (const file of subscriptionManifests(project.handlers, project.appId)) writeFileSync(join(dir, file.path), file.contents);

  const [appPort, daprPort, grpcPort, internalPort, metricsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const recordDir = join(dir, ".recordings");
  const env = { ...process.env, ...options.env };
  let output = "";
  const capture = (p: ChildProcess, name: string) => {
    p.stdout?.on("data", (d) => {
      output += `[${name}] ${d}`;
    });
    p.stderr?.on("data", (d) => {
      output += `[${name}] ${d}`;
    });
  };

  const profiles = options.profiles ?? ["embedded"];
  const resources = options.resources ?? ["components/common", ...profiles.map((p) => `components/${p}`), "subscriptions", "resiliency"];
  dropOverridden(dir, resources);
  const startDaprd = () => {
    const p = spawn(
      daprd,
      [
        ["--app-id", project.appId],
        ["--app-port", String(appPort)],
        ["--app-channel-address", "127.0.0.1"],
        ["--dapr-http-port", String(daprPort)],
        ["--dapr-grpc-port", String(grpcPort)],
        ["--dapr-internal-grpc-port", String(internalPort)],
        ["--metrics-port", String(metricsPort)],
        ["--dapr-listen-addresses", "127.0.0.1"],
        ...resources.map((r) => ["--resources-path", join(dir, r)]),
        // A project without a Configuration of its own (an example app) gets the checkout's.
        [
          "--config",
          existsSync(join(dir, "config/dapr-config.yaml"))
            ? join(dir, "config/dapr-config.yaml")
            : join(projectRoot, "config/dapr-config.yaml"),
        ],
        ["--enable-app-health-check"],
        ["--app-health-check-path", "/healthz"],
        ["--app-health-probe-interval", "1"],
        ["--log-level", "info"],
        options.schedulerAddress ? ["--scheduler-host-address", options.schedulerAddress] : [],
        options.placementAddress ? ["--placement-host-address", options.placementAddress] : [],
        options.daprdArgs ?? [],
      ].flat(),
      // daprd resolves localstorage's relative rootPath against its working directory, as under `dapr run -f`.
      { cwd: dir, env },
    );
    capture(p, "daprd");
    return p;
  };
  let sidecar = startDaprd();
  const startApp = () => {
    const p = spawn(node, ["runtime/main.js"], {
      cwd: dir,
      env: {
        ...env,
        APP_PORT: String(appPort),
        DAPR_HTTP_PORT: String(daprPort),
        DAPR_GRPC_PORT: String(grpcPort),
        DAPRLET_ROOT: dir,
        DAPRLET_RECORD_DIR: recordDir,
      },
    });
    capture(p, "app");
    return p;
  };
  let app = startApp();

  const token = options.env?.DAPR_API_TOKEN;
  const dapr = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${daprPort}${path}`, { ...init, headers: { ...(token ? { "dapr-api-token": token } : {}), ...init.headers } });

  const stopBoth = async () => {
    for (const p of [app, sidecar]) {
      if (p.exitCode === null) {
        p.kill("SIGTERM");
        await Promise.race([new Promise((r) => p.once("exit", r)), new Promise((r) => setTimeout(r, 5000))]);
        if (p.exitCode === null) p.kill("SIGKILL");
      }
    }
  };
  const stop = async () => {
    await stopBoth();
    if (!process.env.DAPRLET_KEEP_E2E) rmSync(dir, { recursive: true, force: true });
  };

  // With placement, actor calls fail until daprd has its placement table: wait for "placement: connected" too.
  const placed = async () =>
    !options.placementAddress ||
    ((await (await dapr("/v1.0/metadata")).json()) as { actorRuntime?: { placement?: string } }).actorRuntime?.placement ===
      "placement: connected";
  const ready = async () =>
    (await dapr("/v1.0/healthz")).status === 204 &&
    (await dapr(`/v1.0/invoke/${project.appId}/method/healthz`)).status === 200 &&
    (await placed());
  // A process that exits before daprd reports healthy ends the wait at once, with its last words.
  const exited = (p: ChildProcess, name: string) =>
    new Promise<never>((_, fail) =>
      p.once("exit", (code, signal) => fail(new Error(`${name} exited (${signal ?? `code ${code}`}) before daprd reported healthy`))),
    );
  const waitReady = async () => {
    const early = [exited(sidecar, "daprd"), exited(app, "the app")];
    for (const e of early) e.catch(() => {}); // a later exit (stop) is not an error
    // With no placement or scheduler address, /v1.0/healthz turns 204 once the app is found and healthy.
    // healthz can turn 204 a moment before daprd's app-health state lets calls through ("app is not
    // in a healthy state"): also wait until daprd invokes the app's own health route.
    await Promise.race([waitFor("daprd to report healthy and reach the app", ready, 60_000), ...early]);
  };
  try {
    await waitReady();
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- last log lines ---\n${output.split("\n").slice(-40).join("\n")}`);
  }
  return {
    dir,
    daprPort,
    grpcPort,
    appPort,
    metricsPort,
    recordDir,
    logs: () => output,
    dapr,
    getState: async (key, store = "statestore") => {
      const res = await dapr(`/v1.0/state/${store}/${encodeURIComponent(key)}`);
      return res.status === 200 ? res.json() : undefined;
    },
    deliveries: (path) =>
      existsSync(recordDir)
        ? readdirSync(recordDir)
            .sort()
            .map((f) => readRecording(join(recordDir, f)))
            .filter((r) => r.path === path)
        : [],
    killApp: (signal = "SIGKILL") =>
      new Promise((done) => {
        const p = app;
        if (p.exitCode !== null || p.signalCode !== null) return done({ code: p.exitCode, signal: p.signalCode });
        p.once("exit", (code, sig) => done({ code, signal: sig }));
        p.kill(signal);
      }),
    restartApp: () => {
      app = startApp();
    },
    restartDaprd: async () => {
      const old = sidecar;
      await new Promise((done) => old.once("exit", done).kill("SIGTERM"));
      sidecar = startDaprd();
      await waitFor("daprd to report healthy again", ready, 60_000);
    },
    restart: async () => {
      await stopBoth();
      sidecar = startDaprd();
      app = startApp();
      await waitReady();
    },
    crash: async () => {
      const dead = [sidecar, app].filter((p) => p.exitCode === null && p.signalCode === null);
      await Promise.all(dead.map((p) => new Promise((done) => p.once("exit", done).kill("SIGKILL"))));
    },
    stop,
  };
}
