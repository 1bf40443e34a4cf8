import { describe, expect, it } from "vitest";
import { checkAppToken, defaultLimits, isLoopback, limitsFromEnv, metricsPortFromEnv, serverOptions } from "./listen.ts";

describe("checkAppToken", () => {
  it.each(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])("lets %s serve without a token", (host) => {
    expect(isLoopback(host)).toBe(true);
    expect(checkAppToken({}, host)).toBeUndefined();
  });

  it.each(["0.0.0.0", "::", "10.0.0.5", "128.0.0.1", "example.com"])(
    "refuses to serve %s without APP_API_TOKEN, saying how to fix it",
    (host) => {
      expect(() => checkAppToken({}, host)).toThrow(
        `[daprlet] refusing to listen on ${host} without APP_API_TOKEN: set APP_API_TOKEN to the same token as daprd's (its APP_API_TOKEN environment variable, --app-api-token), or set DAPRLET_ALLOW_NO_TOKEN=1 to serve without one`,
      );
    },
  );

  it("serves any address with a token, and without one only when told explicitly (with a warning)", () => {
    expect(checkAppToken({ APP_API_TOKEN: "t" }, "0.0.0.0")).toBeUndefined();
    expect(checkAppToken({ DAPRLET_ALLOW_NO_TOKEN: "1" }, "0.0.0.0")).toMatch(/without APP_API_TOKEN \(DAPRLET_ALLOW_NO_TOKEN=1\)/);
    expect(() => checkAppToken({ DAPRLET_ALLOW_NO_TOKEN: "true" }, "0.0.0.0")).toThrow(/DAPRLET_ALLOW_NO_TOKEN=1/);
  });
});

describe("limitsFromEnv", () => {
  it("takes the defaults, and each DAPRLET_* variable over its default", () => {
    expect(limitsFromEnv({})).toEqual(defaultLimits);
    expect(limitsFromEnv({ DAPRLET_MAX_CONNECTIONS: "10", DAPRLET_KEEP_ALIVE_TIMEOUT_MS: "1000", DAPRLET_MAX_BODY_BYTES: "" })).toEqual({
      ...defaultLimits,
      maxConnections: 10,
      keepAliveTimeoutMs: 1000,
    });
  });

  it("stops start-up on a value that is not a positive whole number, naming the variable", () => {
    expect(() => limitsFromEnv({ DAPRLET_REQUEST_TIMEOUT_MS: "30s" })).toThrow(
      'DAPRLET_REQUEST_TIMEOUT_MS="30s": expected a positive whole number',
    );
    expect(() => limitsFromEnv({ DAPRLET_HEADERS_TIMEOUT_MS: "90000" })).toThrow(/must not exceed DAPRLET_REQUEST_TIMEOUT_MS/);
  });

  it("keeps idle connections longer than daprd (Go's 90 s), and headers within daprd's own 10 s", () => {
    expect(serverOptions(defaultLimits)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 95_000,
      connectionsCheckingInterval: 1_000,
    });
  });
});

describe("metricsPortFromEnv", () => {
  it("is a port or unset", () => {
    expect(metricsPortFromEnv(undefined)).toBeUndefined();
    expect(metricsPortFromEnv("9464")).toBe(9464);
    expect(() => metricsPortFromEnv("metrics")).toThrow('DAPRLET_METRICS_PORT="metrics": expected a port number');
  });
});
