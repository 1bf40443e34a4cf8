// The servers the bench compares, as plain descriptors: what to run, where it answers, with which env.
import { join } from "node:path";

const bench = import.meta.dirname;
const main = join(bench, "..", "runtime", "main.js");

export interface ServerSpec {
  name: string;
  script: string;
  /** Where the CloudEvent is POSTed. */
  path: string;
  env: Record<string, string>;
  /** node's own flags, before the script */
  nodeArgs?: string[];
}

const events = "/events/onOrderCreated";
/**
 * The reference every ratio is taken against: a hand-written hono + valibot service as it runs in
 * production, plain JavaScript (no type stripping at start). Its .ts twin is measured beside it.
 */
export const reference = "hono + valibot, JS";
/** The same server as a .ts file run by type stripping: it pays the loader cost daprlet pays unbuilt. */
export const referenceTs = "hono + valibot, TS";

/** What the goals read: daprlet as the image runs it, the built tree with the Dockerfile's node flags. */
export const daprletImage = "daprlet, built + image flags";

/**
 * Delivery with no effects: the peers (JS and TS), daprlet unbuilt twice and built as the image runs
 * it (`deliver` is the fixture project's folder, `built` its build, `imageFlags` the CMD's node flags).
 */
export function deliveryServers(deliver: string, built?: { dir: string; imageFlags: string[] }): ServerSpec[] {
  return [
    { name: "@dapr/dapr DaprServer", script: join(bench, "servers", "dapr-server.ts"), path: "/pubsub--orders--default", env: {} },
    { name: reference, script: join(bench, "servers", "hono.js"), path: events, env: {} },
    { name: referenceTs, script: join(bench, "servers", "hono.ts"), path: events, env: {} },
    { name: "bare node:http, JS", script: join(bench, "servers", "node-http.js"), path: events, env: {} },
    { name: "bare node:http, TS", script: join(bench, "servers", "node-http.ts"), path: events, env: {} },
    { name: "daprlet, defaults", script: main, path: events, env: { DAPRLET_ROOT: deliver } },
    { name: "daprlet, DAPRLET_LOG=off", script: main, path: events, env: { DAPRLET_ROOT: deliver, DAPRLET_LOG: "off" } },
    ...(built
      ? [
          {
            name: daprletImage,
            script: join(built.dir, "runtime", "main.js"),
            path: events,
            env: { DAPRLET_ROOT: built.dir },
            nodeArgs: built.imageFlags,
          },
        ]
      : []),
  ];
}

/** One saveState per delivery against the stand-in sidecar (`saveState` is the fixture project's folder). */
export function effectServers(saveState: string): ServerSpec[] {
  const on = { BENCH_SAVE_STATE: "1" };
  return [
    { name: "DaprServer + DaprClient", script: join(bench, "servers", "dapr-server.ts"), path: "/pubsub--orders--default", env: on },
    { name: reference, script: join(bench, "servers", "hono.js"), path: events, env: on },
    { name: "daprlet, defaults", script: main, path: events, env: { DAPRLET_ROOT: saveState } },
  ];
}
