// How the app listens: whether it may serve without a token, and the server's limits. Read from
// the environment by the wiring; pure functions here, so each rule has its test.
import type { Server } from "node:http";

/** Hosts only this machine can reach. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host) || /^::ffff:127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Refuses to serve without APP_API_TOKEN on anything but loopback: on 0.0.0.0 (the image's
 * default) anyone who reaches the port would drive the app, whose calls to daprd carry its
 * DAPR_API_TOKEN. Returns the warning to print when serving without a token was asked for.
 */
export function checkAppToken(env: { APP_API_TOKEN?: string; DAPRLET_ALLOW_NO_TOKEN?: string }, hostname: string): string | undefined {
  if (env.APP_API_TOKEN) return undefined;
  if (isLoopback(hostname)) return undefined;
  if (env.DAPRLET_ALLOW_NO_TOKEN === "1")
    return `[daprlet] ! serving on ${hostname} without APP_API_TOKEN (DAPRLET_ALLOW_NO_TOKEN=1): every route answers anyone who reaches the port`;
  throw new Error(
    `[daprlet] refusing to listen on ${hostname} without APP_API_TOKEN: set APP_API_TOKEN to the same token as daprd's (its APP_API_TOKEN environment variable, --app-api-token), or set DAPRLET_ALLOW_NO_TOKEN=1 to serve without one`,
  );
}

/** The HTTP server's limits; each has a DAPRLET_* variable. */
export interface ServerLimits {
  /** DAPRLET_HEADERS_TIMEOUT_MS. */
  headersTimeoutMs: number;
  /** DAPRLET_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs: number;
  /** DAPRLET_KEEP_ALIVE_TIMEOUT_MS. */
  keepAliveTimeoutMs: number;
  /** DAPRLET_MAX_CONNECTIONS. */
  maxConnections: number;
  /** DAPRLET_MAX_BODY_BYTES. */
  maxBodyBytes: number;
}

/**
 * The defaults, against what daprd does on its side of the app channel (pkg/runtime/channels:
 * Go's default transport, at most 1024 connections to the app, idle ones kept 90 s):
 * - headers within 10 s, as daprd asks of its own callers (ReadHeaderTimeout 10 s): daprd writes
 *   them at once, a slow-loris caller does not;
 * - the whole request (headers and body, not the handler's time) within 30 s: 4 MiB from a local
 *   daprd takes milliseconds;
 * - idle connections kept 95 s, just past daprd's 90 s, so daprd always closes an idle connection
 *   first and never sends a delivery on one the app is closing (a reset, then a retry);
 * - 1100 connections: daprd's 1024, plus health probes and `npm run trigger`;
 * - bodies up to 4 MiB, daprd's own default `maxBodySize`.
 */
export const defaultLimits: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 95_000,
  maxConnections: 1100,
  maxBodyBytes: 4 * 1024 * 1024,
};

const variables: Record<keyof ServerLimits, string> = {
  headersTimeoutMs: "DAPRLET_HEADERS_TIMEOUT_MS",
  requestTimeoutMs: "DAPRLET_REQUEST_TIMEOUT_MS",
  keepAliveTimeoutMs: "DAPRLET_KEEP_ALIVE_TIMEOUT_MS",
  maxConnections: "DAPRLET_MAX_CONNECTIONS",
  maxBodyBytes: "DAPRLET_MAX_BODY_BYTES",
};

/** The limits from the environment; a value that is not a positive integer stops start-up, naming the variable. */
export function limitsFromEnv(env: Record<string, string | undefined>): ServerLimits {
  const limits = { ...defaultLimits };
  for (const key of Object.keys(variables) as (keyof ServerLimits)[]) {
    const raw = env[variables[key]];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`[daprlet] ${variables[key]}="${raw}": expected a positive whole number`);
    limits[key] = value;
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new Error(`[daprlet] DAPRLET_HEADERS_TIMEOUT_MS must not exceed DAPRLET_REQUEST_TIMEOUT_MS (Node refuses it)`);
  return limits;
}

/** Node's server options for these limits (given at creation: Node checks the timeouts every `connectionsCheckingInterval`). */
export const serverOptions = (limits: ServerLimits) => ({
  headersTimeout: limits.headersTimeoutMs,
  requestTimeout: limits.requestTimeoutMs,
  keepAliveTimeout: limits.keepAliveTimeoutMs,
  // Node's default checks every 30 s, which would let a 10 s headers timeout run to 40 s.
  connectionsCheckingInterval: 1_000,
});

/** The connection cap, set once the server exists (Node drops connections past it at once). */
export function capConnections(server: Pick<Server, "maxConnections">, limits: ServerLimits): void {
  server.maxConnections = limits.maxConnections;
}

/** DAPRLET_METRICS_PORT: a port for `GET /metrics` alone, without the token; unset, metrics stay on the app port behind it. */
export function metricsPortFromEnv(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`[daprlet] DAPRLET_METRICS_PORT="${raw}": expected a port number`);
  return port;
}
