import { type DeleteState, deleteStateKind } from "../kinds/delete-state.ts";
import type { SidecarCall } from "../kinds/effect.ts";
import type { SidecarClient } from "../kinds/input.ts";
import { type SaveState, saveStateKind } from "../kinds/save-state.ts";
import { stateInputKind, storedValue } from "../kinds/state-input.ts";
import type { FailureRecord } from "../kinds/topic.ts";
import { errorText } from "../kinds/verdict.ts";

/**
 * Remembers, per message, the last RETRY/DROP reason and how many attempts failed, so a retried
 * delivery can log its attempt number and a dead-letter handler can say *why* a message died:
 * daprd republishes the original bytes (same `id`) to the dead-letter topic without a reason.
 * Per process and bounded: the fallback of `FailureRecords` when there is no sidecar (unit tests)
 * or the state store cannot be reached.
 */
export class FailureLog {
  readonly #entries = new Map<string, FailureRecord>();
  readonly limit: number;
  constructor(limit = 10_000) {
    this.limit = limit;
  }

  get(key: string | undefined): FailureRecord | undefined {
    return key ? this.#entries.get(key) : undefined;
  }

  fail(key: string | undefined, reason: string): FailureRecord | undefined {
    if (!key) return undefined;
    return this.set(key, { reason, attempts: (this.#entries.get(key)?.attempts ?? 0) + 1 });
  }

  set(key: string, record: FailureRecord): FailureRecord {
    this.#entries.delete(key); // re-insert so the oldest entry is first to go
    this.#entries.set(key, record);
    if (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value as string);
    return record;
  }

  forget(key: string | undefined): void {
    if (key) this.#entries.delete(key);
  }
}

/** Where failure records are shared between replicas: a state store, records expiring after `ttlSeconds`. */
export interface FailureStoreOptions {
  /** Default `statestore`. */
  store?: string;
  /** Default 86400 (a day): longer than any retry window, outage or dead-letter backlog. */
  ttlSeconds?: number;
}
export const defaultFailureStore: Required<FailureStoreOptions> = { store: "statestore", ttlSeconds: 86_400 };

/** The state key of a message's record: `daprlet-failure-<pubsub>-<topic>-<id>` (daprd refuses `||` in keys). */
export const failureKey = (tracked: string) => `daprlet-failure-${tracked.replaceAll("/", "-").replaceAll("||", "|")}`;

/** A record as read: `found` tells a later success whether there is anything to delete. */
export interface ReadRecord {
  record?: FailureRecord;
  found: boolean;
}
const notFound: ReadRecord = Object.freeze({ found: false });

/**
 * The per-message failure records the pipeline reads before a delivery and writes after its
 * verdict. With a sidecar client they live in the state store, so a dead-letter delivery landing
 * on another replica (or on a restarted process) still knows why its message died; the in-memory
 * log is kept as well, and used when there is no client or a read fails. A failing read or write
 * is logged and never changes the verdict.
 */
export interface FailureRecords {
  /** `headers`: the delivery's trace context, so daprd's spans for these calls join its trace. */
  /** Synchronous when only this process's memory is read (`localOnly`, or no store). */
  read(tracked: string, headers?: Record<string, string>, localOnly?: boolean): ReadRecord | Promise<ReadRecord>;
  fail(tracked: string, reason: string, before: ReadRecord, headers?: Record<string, string>): Promise<FailureRecord>;
  /** Synchronous when there is nothing in the store to delete (`before.found` false). */
  forget(tracked: string, before: ReadRecord, headers?: Record<string, string>): void | Promise<void>;
}

export function failureRecords(
  log: FailureLog,
  client: SidecarClient | undefined,
  options: FailureStoreOptions | false | undefined,
  warn: (line: string) => void = throttledWarn(),
): FailureRecords {
  const memory = {
    read: (tracked: string): ReadRecord => {
      const record = log.get(tracked);
      return record ? { record, found: true } : notFound;
    },
    fail: async (tracked: string, reason: string) => log.fail(tracked, reason) as FailureRecord,
    forget: (tracked: string) => log.forget(tracked),
  } satisfies FailureRecords;
  if (!client || options === false) return memory;
  const { store, ttlSeconds } = { ...defaultFailureStore, ...options };
  const readStored = async (tracked: string, headers: Record<string, string>): Promise<ReadRecord> => {
    const params = { store, key: failureKey(tracked) };
    try {
      const response = await client(stateInputKind.call(params), { headers });
      if (response.status === 204 || response.body.length === 0) return notFound;
      const stored = storedValue(response.body, undefined);
      const value = stored.ok ? (stored.value as Partial<FailureRecord> | null) : null;
      if (!value || typeof value.reason !== "string" || typeof value.attempts !== "number") return { found: true };
      return { record: { reason: value.reason, attempts: value.attempts }, found: true };
    } catch (error) {
      warn(`[daprlet] could not read the failure record ${store}/${params.key} (using this process's own): ${errorText(error)}`);
      return memory.read(tracked);
    }
  };
  const deleteStored = async (tracked: string, headers: Record<string, string>) => {
    const key = failureKey(tracked);
    try {
      await client(callOf({ kind: "deleteState", store, key }), { headers });
    } catch (error) {
      warn(`[daprlet] could not delete the failure record ${store}/${key} (it expires by its TTL): ${errorText(error)}`);
    }
  };
  return {
    read(tracked, headers = {}, localOnly = false) {
      return localOnly ? memory.read(tracked) : readStored(tracked, headers);
    },
    async fail(tracked, reason, before, headers = {}) {
      const record = log.set(tracked, { reason, attempts: (before.record?.attempts ?? 0) + 1 });
      const save: SaveState = {
        kind: "saveState",
        store,
        key: failureKey(tracked),
        value: record,
        metadata: { ttlInSeconds: String(ttlSeconds) },
      };
      try {
        await client(callOf(save), { headers });
      } catch (error) {
        warn(`[daprlet] could not write the failure record ${store}/${save.key} (kept in this process only): ${errorText(error)}`);
      }
      return record;
    },
    forget(tracked, before, headers = {}) {
      log.forget(tracked);
      if (before.found) return deleteStored(tracked, headers);
    },
  };
}

function callOf(effect: SaveState | DeleteState): SidecarCall {
  const call = effect.kind === "saveState" ? saveStateKind.sidecar?.call(effect) : deleteStateKind.sidecar?.call(effect);
  if (!call) throw new Error(`${effect.kind} has no sidecar call`);
  return call;
}

/** console.warn, at most one line a minute per kind of problem (a store that is down would otherwise log every delivery). */
function throttledWarn(intervalMs = 60_000): (line: string) => void {
  const last = new Map<string, { at: number; skipped: number }>();
  return (line) => {
    const kind = line.replace(/ [^ ]*daprlet-failure-\S*/, "");
    const now = Date.now();
    const seen = last.get(kind);
    if (seen && now - seen.at < intervalMs) {
      seen.skipped++;
      return;
    }
    console.warn(seen?.skipped ? `${line} (${seen.skipped} more like it)` : line);
    last.set(kind, { at: now, skipped: 0 });
  };
}
