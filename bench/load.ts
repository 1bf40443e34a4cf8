// The load generator: autocannon from bench/node_modules, run as a child process on the load core,
// posting the CloudEvent over real HTTP with keep-alive connections.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { orderEvent, orderHeaders } from "./cloudevent.ts";
import { node, onCore } from "./procs.ts";

const autocannon = join(import.meta.dirname, "node_modules", "autocannon", "autocannon.js");

export interface LoadResult {
  /** mean requests per second over the run */
  rps: number;
  /** requests answered over the run */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** connection errors, timeouts and non-2xx answers: all should be 0 */
  failures: number;
}

/** `connections` keep-alive connections for `seconds`, no pipelining. */
export async function load(url: string, connections: number, seconds: number): Promise<LoadResult> {
  const headers = Object.entries(orderHeaders).flatMap(([k, v]) => ["-H", `${k}=${v}`]);
  const args = [autocannon, "--json", "-c", String(connections), "-d", String(seconds), "-m", "POST", ...headers, "-b", orderEvent, url];
  const [command, argv] = onCore("load", node, args);
  const { stdout } = await promisify(execFile)(command, argv, { maxBuffer: 16 * 1024 * 1024 });
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  return {
    rps: r.requests.average,
    requests: r.requests.total,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    failures: r.errors + r.timeouts + r.non2xx,
  };
}
