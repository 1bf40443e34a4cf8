// What every part of `npm start` shares: where things are, how it talks, and the one mutable supervisor
// (the processes it started, the CLI, whether it is stopping) handed to each module instead of globals.
import type { ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { serverSet } from "../profiles.ts";
import { daprHome } from "../servers/control-plane.ts";

export const root = resolve(import.meta.dirname, "..", "..");
export const home = daprHome;
export const bin = join(home, ".dapr", "bin");

export const say = (line: string) => process.stdout.write(`[daprlet] ${line}\n`);
export const complain = (line: string) => process.stderr.write(`[daprlet] ${line}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A failure whose message is the whole story: printed as is, with no stack. */
export class StartError extends Error {}

export interface Supervisor {
  /** Placement and the scheduler, stopped after the CLI. */
  children: { name: string; proc: ChildProcess }[];
  cli?: ChildProcess;
  /** Set once: every later stop waits for the first. */
  stopping?: Promise<void>;
  /** The profile's servers, stopped last. */
  servers: ReturnType<typeof serverSet>;
  dev: boolean;
  /** Dev mode: the last file saved, to tell how long the app's restart took. */
  lastChange?: { path: string; at: number };
  /** Dev mode: a newer restart (or a failed one) makes an older poll stop. */
  restarts: number;
}

export const createSupervisor = (dev: boolean): Supervisor => ({ children: [], servers: serverSet(), dev, restarts: 0 });
