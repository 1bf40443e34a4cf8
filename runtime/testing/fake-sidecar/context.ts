// The fake sidecar's shared context: every store, record and canned answer the API families read and
// write, created once per fake, and the helpers they share (injected failures, daprd's error shape).
import { delay, HttpResponse, type RequestHandler } from "msw";
import type { DaprApi } from "../../kinds/effect.ts";
import type {
  ActorCall,
  ActorCallback,
  AppAnswer,
  AppRoute,
  BindingCall,
  Failure,
  FakeSidecarOptions,
  FakeWorkflow,
  Invocation,
  Operation,
  Published,
  ScheduledJob,
} from "./types.ts";

export interface Item {
  value: string;
  etag: string;
  /** Epoch ms after which the key reads as missing (`metadata.ttlInSeconds`, as state.sqlite and state.redis honour it). */
  expires?: number;
}

/** A key's item unless its TTL has passed (then it is gone, as the stores' reads treat it). */
export const live = (items: Map<string, Item>, key: string) => {
  const item = items.get(key);
  if (item?.expires !== undefined && item.expires <= Date.now()) {
    items.delete(key);
    return undefined;
  }
  return item;
};

export interface ConfigurationEntry {
  value: string;
  version: string;
  metadata: Record<string, string>;
}

export const daprError = (status: number, errorCode: string, message: string) => HttpResponse.json({ errorCode, message }, { status });

/** A called app's answer as daprd passes it through: status, headers and body as the app sent them. */
export function appResponse(answer: AppAnswer): Response {
  const status = answer.status ?? 200;
  const headers = new Headers(answer.headers);
  if (answer.body === undefined) return new HttpResponse(null, { status, headers });
  if (typeof answer.body === "string" || answer.body instanceof Uint8Array) {
    if (!headers.has("content-type"))
      headers.set("content-type", typeof answer.body === "string" ? "text/plain; charset=UTF-8" : "application/octet-stream");
    return new HttpResponse(answer.body, { status, headers });
  }
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return new HttpResponse(JSON.stringify(answer.body), { status, headers });
}

/** One API family's routes, keyed by the `DaprApi` they serve (the route table checks that all are there). */
export type Routes<K extends DaprApi> = { [P in K]: RequestHandler | RequestHandler[] };

export type ActorAnswer = AppAnswer | ((call: ActorCall) => AppAnswer | Promise<AppAnswer>);

/** Everything the fake keeps, by family; `reset` (fake-sidecar.ts) empties what a test leaves behind. */
export function createContext(options: FakeSidecarOptions) {
  const port = options.port ?? 3500;
  const stores = new Set(options.stores ?? ["statestore"]);
  const failures: Failure[] = [];
  return {
    options,
    port,
    base: `http://127.0.0.1:${port}`,
    /** The app id daprd prefixes keys and job names with. */
    appId: options.appId ?? "order-service",
    stores,
    pubsubs: new Set(options.pubsubs ?? ["pubsub"]),
    bindings: new Set(options.bindings ?? ["receipts"]),
    state: new Map<string, Map<string, Item>>([...stores].map((s) => [s, new Map()])),
    typeOf: (store: string) => options.storeTypes?.[store] ?? "state.in-memory",
    published: [] as Published[],
    bindingCalls: [] as BindingCall[],
    failures,
    jobs: new Map<string, ScheduledJob>(),
    workflows: new Map<string, FakeWorkflow>(),
    lockStores: new Set(options.lockStores ?? []),
    // Locks by store and resource: owner and expiry (lock.redis: SET NX with an expiry).
    locks: new Map<string, { owner: string; until: number }>(),
    /** Acquisitions that succeeded, in order: `store/resourceId owner`. */
    lockLog: [] as string[],
    // What lives in daprd's memory only: configuration subscriptions and metadata attributes (`restart` loses them).
    subscriptions: new Map<string, { store: string; keys: string[] }>(),
    attributes: new Map<string, string>(),
    // Actors: state by `type||id` then key (raw JSON text, as daprd stores it), reminders and timers
    // by `type||id||name`, and canned method answers by type then method.
    actorStates: new Map<string, Map<string, string>>(),
    reminders: new Map<string, ActorCallback>(),
    timers: new Map<string, ActorCallback>(),
    actorHosts: new Map<string, Map<string, ActorAnswer>>(),
    actorCalls: [] as ActorCall[],
    // Secret and configuration stores: known names (as components would define them) and their
    // contents, seeded from the options again on every reset.
    secretStores: new Set([...(options.secretStores ?? ["secretstore"]), ...Object.keys(options.secrets ?? {})]),
    configurationStores: new Set([...(options.configurationStores ?? ["configstore"]), ...Object.keys(options.configuration ?? {})]),
    secrets: new Map<string, Map<string, Record<string, string>>>(),
    configuration: new Map<string, Map<string, ConfigurationEntry>>(),
    // Called apps: canned answers by app id, then `METHOD path`. What was called is kept in order.
    apps: new Map<string, Map<string, AppRoute>>(),
    invocations: [] as Invocation[],
    /** The next injected failure of `operation`, if any: its answer (after its delay), or undefined to go on. */
    injected: async (operation: Operation) => {
      const f = failures.find((x) => x.operation === operation && (x.times ?? 1) > 0);
      if (!f) return undefined;
      f.times = (f.times ?? 1) - 1;
      if (f.delayMs) await delay(f.delayMs);
      return f.status ? daprError(f.status, f.errorCode ?? "ERR_INJECTED", `injected failure of ${operation}`) : undefined;
    },
  };
}

export type Context = ReturnType<typeof createContext>;
