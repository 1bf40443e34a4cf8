// What every contract suite shares: the target daprd (or fake), the fixture's ids and secrets, and
// effects through the executor and reads through the client, as the runtime makes them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { Effect } from "../../index.ts";
import type { SidecarCall } from "../../kinds/effect.ts";
import type { SidecarResponse } from "../../kinds/input.ts";
import { createSidecarClient, createSidecarExecutor, SidecarError } from "../../serve/sidecar.ts";
import { fixtureRoot } from "../project-copy.ts";

export interface ContractTarget {
  /** daprd's HTTP port (the fake's, or a real one's). */
  port: number;
  token?: string;
}

export interface ContractOptions {
  /**
   * Runs before each case. A fake registers here what a real daprd gets from its components and
   * the fixture app (the called app's answers, see `fixtureApp`); a real daprd needs nothing.
   */
  prime?: () => void | Promise<void>;
}

/** The app id the real daprd runs the fixture app under; it can invoke itself. */
export const fixtureAppId = "order-service";

/**
 * The fixture's test secrets (`fixture/secrets/secrets.json`, read by its `secretstore`
 * component) as daprd answers them: a string is a one-key secret, an object a secret with its keys.
 * @example createFakeSidecar({ secrets: { secretstore: fixtureSecrets() } })
 */
export function fixtureSecrets(): Record<string, Record<string, string>> {
  const file = JSON.parse(readFileSync(join(fixtureRoot, "secrets/secrets.json"), "utf8")) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(file).map(([name, value]) => [
      name,
      typeof value === "string" ? { [name]: value } : Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, String(v)])),
    ]),
  );
}

export const noTrace = { headers: {} };
export const unique = () => `contract-${Math.random().toString(36).slice(2)}`;

/** Helpers shared by the suites: effects through the executor, reads through the client. */
export function connect(target: () => ContractTarget) {
  const client = (call: SidecarCall) => {
    const { port, token } = target();
    return createSidecarClient({ port, token, timeoutMs: 5_000 })(call, noTrace);
  };
  const run = (effect: Effect) => {
    const { port, token } = target();
    return createSidecarExecutor({ port, token, timeoutMs: 5_000 })(effect, noTrace);
  };
  const fails = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SidecarError);
    const { status, errorCode, message } = error as SidecarError;
    return { status, errorCode, message };
  };
  const json = (res: SidecarResponse) => (res.body.length ? (JSON.parse(new TextDecoder().decode(res.body)) as unknown) : undefined);
  return { client, run, fails, json };
}
