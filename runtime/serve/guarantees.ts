// Longer than most (≈260 lines): failure records, applied-once and the per-message lock are one protocol around a guarded delivery (before / applied / after).
// What a guarded trigger kind (pub/sub) promises beyond one delivery: the failure records that
// carry attempt numbers and reasons to retries and dead-letter handlers, and effects applied once
// per message (the applied-record, and a per-message lock where the store's transactions are not
// atomic). `before` runs ahead of the stages, `applied()` when the pipeline needs to know, `after`
// once the verdict is made (before the answer: daprd dead-letters or retries only once it has it).
import { randomUUID } from "node:crypto";
import type { HandlerDescriptor } from "../descriptor.ts";
import { daprdPath } from "../kinds/daprd-path.ts";
import type { SidecarCall } from "../kinds/effect.ts";
import type { SidecarClient } from "../kinds/input.ts";
import type { FailureRecord } from "../kinds/topic.ts";
import type { Message, TriggerKind } from "../kinds/trigger.ts";
import { errorText, type Verdict } from "../kinds/verdict.ts";
import type { Observation } from "../observe/observer.ts";
import { type FailureRecords, failureRecords, type ReadRecord } from "./failures.ts";
import { type AppliedRecord, type Guard, guardOf, readRecord } from "./idempotency.ts";
import { traced } from "./sidecar.ts";

/** What `applied()` found. */
export type Applied =
  /** Not applied before: carry on. `etag`: an untrusted value sits where the record goes; `atomic`: the record joins the store's transaction. */
  | { state: "fresh"; etag?: string; atomic: boolean }
  /** Applied by an earlier delivery; `pending`: what it still owes. */
  | { state: "applied"; record: AppliedRecord }
  /** Another delivery of this message holds its lock right now. */
  | { state: "busy"; reason: string };

export interface Guarantees {
  /** What earlier attempts at this message left behind, for the handler to see. */
  failure?: FailureRecord;
  /** Where its applied-record lives; undefined when the message is not guarded. */
  guard?: Guard;
  /**
   * Whether it was applied before (the lock taken first where there is one); read once, or again
   * with `again` (after a conflict: the record only, the lock is held). Throws when it cannot tell: fail closed.
   */
  applied(deadlineAt?: number, again?: boolean): Promise<Applied>;
  /** Writes or forgets the failure record by the verdict, releases the lock; the attempt number, when known. */
  after(verdict: Verdict): Promise<number | undefined>;
}

/** How the runtime learns the store's kind and the lock store: options, else daprd's metadata. */
export interface AppliedOnceOptions {
  /** The lock store (a `lock.*` component) for per-message locks; `false`: none. Default: DAPRLET_LOCK_STORE, else the first `lock.*` component daprd has. */
  lockStore?: string | false;
}

/** The part of the delivery options the guarantees use. */
export interface GuaranteeOptions {
  client?: SidecarClient;
  appliedOnce?: AppliedOnceOptions;
}

const none: ReadRecord = { found: false };

export async function guarantees(
  d: HandlerDescriptor,
  kind: TriggerKind<HandlerDescriptor["trigger"]>,
  message: Message,
  observation: Observation,
  options: GuaranteeOptions,
  records: FailureRecords,
  messageId: string | undefined,
): Promise<Guarantees> {
  const tracked = message.ok ? kind.track(d.trigger, message.event) : undefined;
  const ids: Tracked | undefined = tracked && d.fanOut ? memberIds(tracked, d.name) : tracked;
  const headers = observation.context.headers;
  // The records of this message: `seen` (the original topic: what a dead-letter handler reports)
  // and, for a dead-letter delivery, `own` (this subscription's), read in parallel. Only a dead
  // letter reads the state store, where the replica that gave up wrote why: a message's own
  // retries come from its daprd to this same process, whose memory counts them, so an ordinary
  // delivery costs no sidecar call here (failures are still written, for whoever dead-letters).
  const deadLetter = ids !== undefined && ids.own !== ids.seen;
  let seen = none;
  let ownRecord: ReadRecord | undefined;
  if (deadLetter) [seen, ownRecord] = await Promise.all([records.read(ids.seen, headers), records.read(ids.own, headers, true)]);
  else if (ids) {
    const read = records.read(ids.seen, headers, true);
    seen = pending(read) ? await read : read;
  }
  const own = ownRecord ?? seen;
  const { client } = options;
  const guard = message.ok ? guardOf(d, messageId, client) : undefined;

  let lock: { store: string; owner: string } | undefined;
  let found: Promise<Applied> | undefined;
  const check = async (g: Guard, c: SidecarClient, deadlineAt?: number, again = false): Promise<Applied> => {
    const components = await componentsOf(c, observation);
    const atomic = atomicTransactions(components.get(g.store));
    if (!atomic && !again) {
      // Two deliveries of one message at once (a reclaimed Redis message, a retry beside a slow
      // attempt) would both find no record: the first to lock the message applies it.
      const store = lockStoreOf(components, options.appliedOnce);
      if (store) {
        const owner = randomUUID();
        const acquired = await tryLock(c, observation, store, g.key, owner, deadlineAt);
        if (!acquired)
          return { state: "busy", reason: `another delivery of message ${g.messageId} is being applied (${store} holds its lock)` };
        lock = { store, owner };
      } else warnNoLock(g.store);
    }
    const read = await readRecord(g, c, observation, deadlineAt);
    if (read.record) return { state: "applied", record: read.record };
    if (read.malformed) console.warn(`[daprlet] ${g.store}/${g.key} is not an applied-record: not trusted, the message is handled`);
    return { state: "fresh", atomic, ...(read.etag ? { etag: read.etag } : {}) };
  };

  return {
    failure: seen.record,
    guard,
    applied(deadlineAt, again) {
      if (!guard || !client) return Promise.resolve({ state: "fresh", atomic: true });
      if (again) found = check(guard, client, deadlineAt, true);
      found ??= check(guard, client, deadlineAt);
      return found;
    },
    async after(verdict) {
      if (lock && client) await unlock(client, observation, lock.store, guard?.key ?? "", lock.owner);
      if (!ids) return undefined;
      if (verdict.status === "SUCCESS") {
        const forgot = records.forget(ids.own, own, headers);
        if (pending(forgot)) await forgot;
        // a dead-letter handler has now dealt with the original failure
        if (deadLetter) await records.forget(ids.seen, seen, headers);
      } else {
        const reason = verdict.reason ?? verdict.status;
        await records.fail(ids.own, reason, own, headers);
        // What the topic's dead-letter handler reads: the message's record, naming this handler.
        if (ids.shared) await records.fail(ids.shared, `${d.name}: ${reason}`, own, headers);
      }
      return deadLetter ? undefined : (own.record?.attempts ?? 0) + 1;
    },
  };
}

/**
 * A handler sharing its deliveries with others (fan-out) keeps its own records: one handler's
 * success must not forget another's failure. `shared` is the message's record under the topic, the
 * one a dead-letter handler reads (`seen`), written with the handler's name on each failure.
 */
type Tracked = { own: string; seen: string; shared?: string };
function memberIds(ids: Tracked, name: string): Tracked {
  const own = `${ids.own}/${name}`;
  if (ids.own !== ids.seen) return { ...ids, own }; // a dead-letter handler: `seen` is the original topic's
  return { own, seen: own, shared: ids.own };
}

/** The failure records a delivery uses: the app's, or made from its options; without a log, nothing is remembered. */
export function recordsOf(options: {
  failureRecords?: FailureRecords;
  failures?: Parameters<typeof failureRecords>[0];
  client?: SidecarClient;
  failureStore?: Parameters<typeof failureRecords>[2];
}): FailureRecords {
  if (options.failureRecords) return options.failureRecords;
  return options.failures ? failureRecords(options.failures, options.client, options.failureStore) : forgetful;
}

/** Nothing remembered: a lone `deliver` without a log (as `runHandler` calls it) sees every message fresh. */
const forgetful: FailureRecords = {
  read: () => ({ found: false }),
  fail: async (_, reason) => ({ reason, attempts: 1 }),
  forget: () => {},
};

const pending = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> => typeof (value as { then?: unknown } | null)?.then === "function";

/**
 * State stores whose multi-op transactions are all or nothing (components-contrib 1.18). state.redis
 * is not: a MULTI of Lua scripts applies every op but the one whose ETag does not match. A store not
 * listed is treated as not atomic: its record is written after its writes (at least once, never lost).
 */
const atomicStores = new Set([
  "state.in-memory",
  "state.postgresql",
  "state.cockroachdb",
  "state.sqlite",
  "state.mysql",
  "state.sqlserver",
  "state.oracledatabase",
  "state.azure.cosmosdb",
  "state.aws.dynamodb",
  "state.etcd",
]);
export const atomicTransactions = (type: string | undefined) => type !== undefined && atomicStores.has(type);

type Components = Map<string, string>;
/** daprd's metadata: `{"components":[{"name","type","version"}…]}` among the rest. */
export const metadataCall: SidecarCall = { api: "metadata.get", method: "GET", path: "/metadata" };
// daprd's components never change while it runs (hot reload aside): asked once per client.
const known = new WeakMap<SidecarClient, Promise<Components>>();
function componentsOf(client: SidecarClient, observation: Observation): Promise<Components> {
  let components = known.get(client);
  if (!components) {
    components = (async () => {
      const res = await client(metadataCall, observation.context);
      const body = JSON.parse(new TextDecoder().decode(res.body)) as { components?: { name: string; type: string }[] };
      return new Map((body.components ?? []).map((c) => [c.name, c.type]));
    })();
    known.set(client, components);
    components.catch(() => known.delete(client)); // asked again by the next delivery
  }
  return components;
}

function lockStoreOf(components: Components, options: AppliedOnceOptions | undefined): string | undefined {
  const named = options?.lockStore ?? process.env.DAPRLET_LOCK_STORE;
  if (named === false || named === "") return undefined;
  if (named) return named;
  return [...components].find(([, type]) => type.startsWith("lock."))?.[0];
}

const warned = new Set<string>();
function warnNoLock(store: string) {
  if (warned.has(store)) return;
  warned.add(store);
  console.warn(
    `[daprlet] ${store}'s transactions are not atomic and there is no lock store (a lock.* component, or DAPRLET_LOCK_STORE): two concurrent deliveries of one message can both apply`,
  );
}

/**
 * Seconds a message's lock outlives a crash of its holder: the deadline (every effect of the
 * delivery is started and bounded within it) and 5 s, short of Redis's 60 s processingTimeout, so
 * that a message reclaimed from a dead replica finds the lock gone (`npm run check` says otherwise).
 */
const lockSeconds = () => Math.ceil(Number(process.env.DAPRLET_DEADLINE_MS ?? 25_000) / 1000) + 5;

const lockSpan = (operation: string, store: string) => ({
  name: `${operation} ${store}`,
  kind: "client" as const,
  attributes: { "dapr.lock.store": store, "daprlet.lock.operation": operation },
});

/** The distributed lock API's calls (daprd 1.18 `pkg/api/http/lock.go`, alpha1 only). */
export const lockCalls = {
  /** TryLock: 200 `{"success":bool}`; 400 ERR_LOCK_STORE_NOT_FOUND, 500 ERR_LOCK_STORE_NOT_CONFIGURED or ERR_TRY_LOCK. */
  try: (store: string, resourceId: string, lockOwner: string, expiryInSeconds: number): SidecarCall => ({
    api: "lock.try",
    version: "v1.0-alpha1",
    method: "POST",
    path: daprdPath("lock", { store }),
    body: JSON.stringify({ resourceId, lockOwner, expiryInSeconds }),
  }),
  /** Unlock: 200 `{"status":n}` (0 released, 1 no such lock, 2 another owner's). */
  unlock: (store: string, resourceId: string, lockOwner: string): SidecarCall => ({
    api: "lock.unlock",
    version: "v1.0-alpha1",
    method: "POST",
    path: daprdPath("unlock", { store }),
    body: JSON.stringify({ resourceId, lockOwner }),
  }),
};

const bodyOf = (res: { body: Uint8Array }) => JSON.parse(new TextDecoder().decode(res.body)) as { success?: boolean; status?: number };

async function tryLock(client: SidecarClient, observation: Observation, store: string, key: string, owner: string, deadlineAt?: number) {
  const res = await traced(observation, lockSpan("tryLock", store), deadlineAt, (context) =>
    client(lockCalls.try(store, key, owner, lockSeconds()), context),
  );
  return bodyOf(res).success === true;
}

/** A failure leaves the lock to expire. */
async function unlock(client: SidecarClient, observation: Observation, store: string, key: string, owner: string) {
  try {
    const res = await traced(observation, lockSpan("unlock", store), undefined, (context) =>
      client(lockCalls.unlock(store, key, owner), context),
    );
    const status = bodyOf(res).status;
    if (status !== 0)
      console.warn(
        `[daprlet] the lock ${store}/${key} was not this delivery's to release any more (status ${status}): it outlived its expiry`,
      );
  } catch (error) {
    console.warn(`[daprlet] could not release the lock ${store}/${key} (it expires in ${lockSeconds()} s): ${errorText(error)}`);
  }
}
