import { randomUUID } from "node:crypto";
import { delay, HttpResponse, http, type RequestHandler } from "msw";
import type { DaprApi } from "../kinds/effect.ts";
import type { Executor } from "../kinds/effects.ts";
import { scheduleProblem } from "../kinds/job-schedule.ts";
import { createSidecarClient, createSidecarExecutor } from "../serve/sidecar.ts";

/** What the fake remembers of a publish, as a test asserts on it. */
export interface Published {
  pubsub: string;
  topic: string;
  data: unknown;
  contentType: string;
  metadata: Record<string, string>;
}

export interface BindingCall {
  name: string;
  operation: string;
  data: unknown;
  metadata: Record<string, string>;
}

/** What the fake remembers of a service invocation, as the called app would receive it. */
export interface Invocation {
  appId: string;
  method: string;
  /** The called method's path, with a leading slash and without the query: `/orders`. */
  path: string;
  /** The query string as sent, without `?` (daprd passes it on). */
  query: string;
  /** Lower-case names; the API token is not passed on. */
  headers: Record<string, string>;
  /** JSON bodies parsed, other bodies as text, undefined when empty. */
  body: unknown;
}

/** A called app's canned answer: status (200 unless given), body (JSON unless a string or bytes), headers. */
export interface AppAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A canned answer, or a function of the request that computes one. */
export type AppRoute = AppAnswer | ((request: Invocation) => AppAnswer | Promise<AppAnswer>);

/** A configuration item as a test seeds it; the version defaults to a counter per key ("1", "2", …). */
export interface ConfigurationSeed {
  value: string;
  version?: string;
  metadata?: Record<string, string>;
}

export type Operation =
  | "saveState"
  | "getState"
  | "bulkState"
  | "deleteState"
  | "transaction"
  | "publish"
  | "invokeBinding"
  | "getSecret"
  | "getConfiguration"
  | "invoke"
  | "scheduleJob"
  | "deleteJob"
  | "tryLock"
  | "unlock"
  | "subscribeConfiguration"
  | "workflow"
  | "actorState"
  | "getActorState"
  | "setReminder"
  | "deleteReminder"
  | "setTimer"
  | "deleteTimer"
  | "invokeActor";

/** A failure to inject: the next `times` calls of `operation` answer `status` (or hang `delayMs`). */
export interface Failure {
  operation: Operation;
  status?: number;
  errorCode?: string;
  delayMs?: number;
  times?: number;
}

export interface FakeSidecarOptions {
  port?: number;
  token?: string;
  stores?: string[];
  pubsubs?: string[];
  bindings?: string[];
  /** Secret stores that exist (default `secretstore`), besides those `secrets` names. */
  secretStores?: string[];
  /** Secrets by store, then secret name: each a record of keys to values, as daprd answers. Kept by `reset`. */
  secrets?: Record<string, Record<string, Record<string, string>>>;
  /** Configuration stores that exist (default `configstore`), besides those `configuration` names. */
  configurationStores?: string[];
  /** Configuration items by store, then key. Kept by `reset`. */
  configuration?: Record<string, Record<string, string | ConfigurationSeed>>;
  appId?: string;
  /** daprd runs with a scheduler (default): without one, every Jobs API call answers 500 "scheduler clients are disabled". */
  scheduler?: boolean;
  /**
   * Each state store's component type as `/v1.0/metadata` reports it (default `state.in-memory`).
   * `state.redis` also behaves like it in a transaction: the ops whose ETag matches are applied
   * even though another's does not (no rollback), and the answer is 500 "failed to set key".
   */
  storeTypes?: Record<string, string>;
  /** Lock stores (`lock.redis` in metadata) served by the distributed lock API; default none. */
  lockStores?: string[];
}

/** A workflow instance as the fake keeps it: started, raised events, status (set `output` and `status` to fake its end). */
export interface FakeWorkflow {
  instanceId: string;
  workflow: string;
  input: unknown;
  status: string;
  output?: unknown;
  events: { name: string; data: unknown }[];
}

/** A job as the fake's scheduler keeps it: the body it was scheduled with. */
export interface ScheduledJob {
  name: string;
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  data?: unknown;
  failurePolicy?: unknown;
}

/** A reminder or timer as the fake keeps it: the body it was set with. */
export interface ActorCallback {
  type: string;
  id: string;
  name: string;
  dueTime?: string;
  period?: string;
  ttl?: string;
  data?: unknown;
}

/** An actor call as the fake's canned actor host receives it. */
export interface ActorCall {
  type: string;
  id: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

interface Item {
  value: string;
  etag: string;
  /** Epoch ms after which the key reads as missing (`metadata.ttlInSeconds`, as state.sqlite and state.redis honour it). */
  expires?: number;
}

/** A key's item unless its TTL has passed (then it is gone, as the stores' reads treat it). */
const live = (items: Map<string, Item>, key: string) => {
  const item = items.get(key);
  if (item?.expires !== undefined && item.expires <= Date.now()) {
    items.delete(key);
    return undefined;
  }
  return item;
};

interface ConfigurationEntry {
  value: string;
  version: string;
  metadata: Record<string, string>;
}

const daprError = (status: number, errorCode: string, message: string) => HttpResponse.json({ errorCode, message }, { status });

/** A called app's answer as daprd passes it through: status, headers and body as the app sent them. */
function appResponse(answer: AppAnswer): Response {
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

/**
 * The Dapr HTTP API the runtime calls, in memory, as msw handlers: state (ETags, first-write,
 * bulk get, transactions), publish and bulk publish, output bindings, secrets, configuration,
 * service invocation (canned answers per app), metadata and health. `reset` empties state and
 * what was recorded, forgets registered apps, and puts secrets and configuration back to the
 * options' seeds. Its behaviour is pinned by a contract suite that also runs against a real daprd.
 * @example const sidecar = createFakeSidecar(); server.use(...sidecar.handlers); runHandler(h, d, { sidecar: sidecar.execute })
 * @example sidecar.secret("secretstore", "api-key", { "api-key": "k" }); sidecar.app("payments").on("POST", "/charge", { status: 201, body: { id: "c-1" } })
 */
export function createFakeSidecar(options: FakeSidecarOptions = {}) {
  const port = options.port ?? 3500;
  const base = `http://127.0.0.1:${port}`;
  const stores = new Set(options.stores ?? ["statestore"]);
  const pubsubs = new Set(options.pubsubs ?? ["pubsub"]);
  const bindings = new Set(options.bindings ?? ["receipts"]);
  const state = new Map<string, Map<string, Item>>([...stores].map((s) => [s, new Map()]));
  const published: Published[] = [];
  const bindingCalls: BindingCall[] = [];
  const failures: Failure[] = [];
  const jobs = new Map<string, ScheduledJob>();
  const lockStores = new Set(options.lockStores ?? []);
  // Locks by store and resource: owner and expiry (lock.redis: SET NX with an expiry).
  const locks = new Map<string, { owner: string; until: number }>();
  /** Acquisitions that succeeded, in order: `store/resourceId owner`. */
  const lockLog: string[] = [];
  const typeOf = (store: string) => options.storeTypes?.[store] ?? "state.in-memory";
  // What lives in daprd's memory only: configuration subscriptions and metadata attributes (`restart` loses them).
  const subscriptions = new Map<string, { store: string; keys: string[] }>();
  const attributes = new Map<string, string>();
  const workflows = new Map<string, FakeWorkflow>();
  const workflowOf = (id: string) => workflows.get(id);
  const noInstance = (id: string) =>
    daprError(404, "ERR_INSTANCE_ID_NOT_FOUND", `unable to find workflow with the provided instance ID: ${id}`);
  // Actors: state by `type||id` then key (raw JSON text, as daprd stores it), reminders and timers
  // by `type||id||name`, and canned method answers by type then method.
  const actorStates = new Map<string, Map<string, string>>();
  const reminders = new Map<string, ActorCallback>();
  const timers = new Map<string, ActorCallback>();
  const actorHosts = new Map<string, Map<string, AppAnswer | ((call: ActorCall) => AppAnswer | Promise<AppAnswer>)>>();
  const actorCalls: ActorCall[] = [];
  const actorKey = (params: Record<string, unknown>) =>
    `${decodeURIComponent(String(params.type))}||${decodeURIComponent(String(params.id))}`;
  const actor = (type: string) => {
    if (!actorHosts.has(type)) actorHosts.set(type, new Map());
    const methods = actorHosts.get(type) as Map<string, AppAnswer | ((call: ActorCall) => AppAnswer | Promise<AppAnswer>)>;
    const api = {
      /** Answers calls of `method` with `answer` (200 unless given; add the X-Daprerrorresponseheader header for an actor error). */
      on: (method: string, answer: AppAnswer | ((call: ActorCall) => AppAnswer | Promise<AppAnswer>)) => {
        methods.set(method, answer);
        return api;
      },
    };
    return api;
  };
  const callbackRoutes = (what: "reminders" | "timers", kept: Map<string, ActorCallback>, set: Operation, remove: Operation) => ({
    set: ["post", "put"].map((verb) =>
      http[verb as "post"](`${base}/v1.0/actors/:type/:id/${what}/:name`, async ({ request, params }) => {
        const failure = await injected(set);
        if (failure) return failure;
        const body = (await request.json()) as Omit<ActorCallback, "type" | "id" | "name">;
        const [type, id] = actorKey(params).split("||");
        const name = decodeURIComponent(String(params.name));
        kept.set(`${type}||${id}||${name}`, { type, id, name, ...body });
        return new HttpResponse(null, { status: 204 });
      }),
    ),
    remove: http.delete(`${base}/v1.0/actors/:type/:id/${what}/:name`, async ({ params }) => {
      const failure = await injected(remove);
      if (failure) return failure;
      kept.delete(`${actorKey(params)}||${decodeURIComponent(String(params.name))}`);
      return new HttpResponse(null, { status: 204 });
    }),
  });
  const reminderRoutes = callbackRoutes("reminders", reminders, "setReminder", "deleteReminder");
  const timerRoutes = callbackRoutes("timers", timers, "setTimer", "deleteTimer");

  // Secret and configuration stores: known names (as components would define them) and their
  // contents, seeded from the options again on every reset.
  const secretStores = new Set([...(options.secretStores ?? ["secretstore"]), ...Object.keys(options.secrets ?? {})]);
  const configurationStores = new Set([...(options.configurationStores ?? ["configstore"]), ...Object.keys(options.configuration ?? {})]);
  const secrets = new Map<string, Map<string, Record<string, string>>>();
  const configuration = new Map<string, Map<string, ConfigurationEntry>>();
  const secretOf = (store: string, name: string, values: Record<string, string>) => {
    secretStores.add(store);
    if (!secrets.has(store)) secrets.set(store, new Map());
    secrets.get(store)?.set(name, { ...values });
  };
  const configure = (store: string, key: string, seed: string | ConfigurationSeed) => {
    configurationStores.add(store);
    if (!configuration.has(store)) configuration.set(store, new Map());
    const items = configuration.get(store) as Map<string, ConfigurationEntry>;
    const item = typeof seed === "string" ? { value: seed } : seed;
    // configuration.redis reads `value||version`; the fake counts versions per key unless told.
    const version = item.version ?? String(Number(items.get(key)?.version ?? 0) + 1 || 1);
    items.set(key, { value: item.value, version, metadata: { ...item.metadata } });
  };
  const seedStores = () => {
    secrets.clear();
    configuration.clear();
    for (const [store, byName] of Object.entries(options.secrets ?? {})) {
      for (const [name, values] of Object.entries(byName)) secretOf(store, name, values);
    }
    for (const [store, byKey] of Object.entries(options.configuration ?? {})) {
      for (const [key, seed] of Object.entries(byKey)) configure(store, key, seed);
    }
  };
  seedStores();

  // Called apps: canned answers by app id, then `METHOD path`. What was called is kept in order.
  const apps = new Map<string, Map<string, AppRoute>>();
  const invocations: Invocation[] = [];
  const app = (appId: string) => {
    if (!apps.has(appId)) apps.set(appId, new Map());
    const routes = apps.get(appId) as Map<string, AppRoute>;
    const api = {
      /** Answers `method path` (exact path, no query; `*` as method: any) with `answer`. */
      on: (method: string, path: string, answer: AppRoute) => {
        routes.set(`${method.toUpperCase()} /${path.replace(/^\/+/, "")}`, answer);
        return api;
      },
    };
    return api;
  };

  const injected = async (operation: Operation) => {
    const f = failures.find((x) => x.operation === operation && (x.times ?? 1) > 0);
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    if (f.delayMs) await delay(f.delayMs);
    return f.status ? daprError(f.status, f.errorCode ?? "ERR_INJECTED", `injected failure of ${operation}`) : undefined;
  };
  const guard = (request: Request) =>
    options.token && request.headers.get("dapr-api-token") !== options.token
      ? new HttpResponse("invalid api token", { status: 401 })
      : undefined;
  const storeOf = (name: string) => state.get(name);

  /**
   * Applies one upsert the way state.in-memory does: ETag must match; first-write needs one for
   * existing keys (state.redis does not enforce first-write without an ETag); `ttlInSeconds` expires it.
   */
  const upsert = (
    items: Map<string, Item>,
    req: { key: string; value?: unknown; etag?: string; options?: { concurrency?: string }; metadata?: Record<string, string> },
    redis = false,
  ) => {
    const current = live(items, req.key);
    if (req.etag !== undefined && req.etag !== "" && current?.etag !== req.etag) return "mismatch";
    if (!redis && (req.etag === undefined || req.etag === "") && req.options?.concurrency === "first-write" && current) return "mismatch";
    const ttl = Number(req.metadata?.ttlInSeconds ?? 0);
    items.set(req.key, {
      value: JSON.stringify(req.value ?? null),
      etag: randomUUID(),
      ...(ttl > 0 ? { expires: Date.now() + ttl * 1000 } : {}),
    });
    return "ok";
  };

  const plumbing: RequestHandler[] = [
    http.get(`${base}/v1.0/healthz`, () => new HttpResponse(null, { status: 204 })),
    http.get(`${base}/v1.0/healthz/outbound`, () => new HttpResponse(null, { status: 204 })),
    http.all(`${base}/*`, ({ request }) => guard(request)),
  ];
  // daprd's lock API (`pkg/api/http/lock.go`, `pkg/api/universal/lock.go`): errors before the store is asked.
  const lockRefusal = (store: string, body: { resourceId?: string; lockOwner?: string; expiryInSeconds?: number }, trying: boolean) => {
    if (trying && !((body.expiryInSeconds ?? 0) > 0))
      return daprError(400, "ERR_MALFORMED_REQUEST", `ExpiryInSeconds is not positive in lock store ${store}`);
    if (lockStores.size === 0) return daprError(500, "ERR_LOCK_STORE_NOT_CONFIGURED", "lock store is not configured");
    if (!body.resourceId) return daprError(400, "ERR_MALFORMED_REQUEST", `ResourceId is empty in lock store ${store}`);
    if (!body.lockOwner) return daprError(400, "ERR_MALFORMED_REQUEST", `LockOwner is empty in lock store ${store}`);
    if (!lockStores.has(store)) return daprError(400, "ERR_LOCK_STORE_NOT_FOUND", `lock store ${store} not found`);
    return undefined;
  };
  // Every daprd API the runtime calls, served the way daprd 1.18 answers it (the contract suite
  // runs the same assertions against a real daprd). Checked against `DaprApi`: an effect kind
  // using an API the fake does not serve does not compile.
  const apis = {
    "metadata.get": http.get(`${base}/v1.0/metadata`, () =>
      HttpResponse.json({
        id: options.appId ?? "order-service",
        components: [
          ...[...stores].map((name) => ({ name, type: typeOf(name), version: "v1" })),
          ...[...pubsubs].map((name) => ({ name, type: "pubsub.in-memory", version: "v1" })),
          ...[...bindings].map((name) => ({ name, type: "bindings.localstorage", version: "v1" })),
          ...[...secretStores].map((name) => ({ name, type: "secretstores.local.file", version: "v1" })),
          ...[...configurationStores].map((name) => ({ name, type: "configuration.redis", version: "v1" })),
          ...[...lockStores].map((name) => ({ name, type: "lock.redis", version: "v1" })),
        ],
        extended: Object.fromEntries(attributes),
      }),
    ),
    "lock.try": http.post(`${base}/v1.0-alpha1/lock/:store`, async ({ request, params }) => {
      const store = String(params.store);
      const body = (await request.json()) as { resourceId?: string; lockOwner?: string; expiryInSeconds?: number };
      const refused = lockRefusal(store, body, true);
      if (refused) return refused;
      const failure = await injected("tryLock");
      if (failure) return failure;
      const key = `${store}/${body.resourceId}`;
      const held = locks.get(key);
      if (held && held.until > Date.now()) return HttpResponse.json({ success: false });
      locks.set(key, { owner: String(body.lockOwner), until: Date.now() + (body.expiryInSeconds ?? 0) * 1000 });
      lockLog.push(`${key} ${body.lockOwner}`);
      return HttpResponse.json({ success: true });
    }),
    "lock.unlock": http.post(`${base}/v1.0-alpha1/unlock/:store`, async ({ request, params }) => {
      const store = String(params.store);
      const body = (await request.json()) as { resourceId?: string; lockOwner?: string };
      const refused = lockRefusal(store, body, false);
      if (refused) return refused;
      const failure = await injected("unlock");
      if (failure) return failure;
      const key = `${store}/${body.resourceId}`;
      const held = locks.get(key);
      // UnlockResponse.Status as a number: 0 SUCCESS, 1 LOCK_DOES_NOT_EXIST, 2 LOCK_BELONGS_TO_OTHERS.
      if (!held || held.until <= Date.now()) return HttpResponse.json({ status: 1 });
      if (held.owner !== body.lockOwner) return HttpResponse.json({ status: 2 });
      locks.delete(key);
      return HttpResponse.json({ status: 0 });
    }),
    // daprd keeps custom attributes in memory (gone after a restart) and answers 204.
    "metadata.set": http.put(`${base}/v1.0/metadata/:key`, async ({ request, params }) => {
      attributes.set(String(params.key), await request.text());
      return new HttpResponse(null, { status: 204 });
    }),
    "configuration.subscribe": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.get(`${base}/${version}/configuration/:store/subscribe`, async ({ request, params }) => {
        const store = String(params.store);
        if (!configurationStores.has(store))
          return daprError(400, "ERR_CONFIGURATION_STORE_NOT_FOUND", `configuration store ${store} not found`);
        const failure = await injected("subscribeConfiguration");
        if (failure) return failure;
        const id = randomUUID();
        subscriptions.set(id, { store, keys: new URL(request.url).searchParams.getAll("key") });
        return HttpResponse.json({ id });
      }),
    ),
    "configuration.unsubscribe": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.get(`${base}/${version}/configuration/:store/:id/unsubscribe`, ({ params }) => {
        if (!subscriptions.delete(String(params.id)))
          return HttpResponse.json(
            {
              ok: false,
              message: `error occurred while unsubscribing configuration ${params.id}: subscription with id ${params.id} does not exist`,
            },
            { status: 500 },
          );
        return HttpResponse.json({ ok: true });
      }),
    ),
    "state.transaction": http.post(`${base}/v1.0/state/:store/transaction`, async ({ request, params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("transaction");
      if (failure) return failure;
      const body = (await request.json()) as {
        operations: { operation: string; request: { key: string; value?: unknown; etag?: string } }[];
      };
      // state.redis has no rollback: it applies to the store itself, op by op, and answers the first failure.
      const redis = typeOf(String(params.store)) === "state.redis";
      const draft = redis ? items : new Map(items);
      let firstFailure: string | undefined;
      for (const op of body.operations) {
        const before = live(draft, op.request.key);
        let outcome = "ok";
        if (op.operation !== "delete") outcome = upsert(draft, op.request, redis);
        else if (op.request.etag && before?.etag !== op.request.etag) outcome = "mismatch";
        else draft.delete(op.request.key);
        if (outcome === "mismatch" && redis) firstFailure ??= `failed to set key ${options.appId ?? "order-service"}||${op.request.key}`;
        // daprd answers 500, not 409, for any store error inside a transaction (state.in-memory's text).
        else if (outcome === "mismatch") {
          const cause = op.request.etag
            ? `state etag not match for key=${options.appId ?? "order-service"}||${op.request.key}: current=${before?.etag ?? ""}, expect=${op.request.etag}`
            : "item already exists and no etag was passed";
          return daprError(
            500,
            "ERR_STATE_TRANSACTION",
            `error while executing state transaction: possible etag mismatch. error from state store: ${cause}`,
          );
        }
      }
      if (firstFailure) return daprError(500, "ERR_STATE_TRANSACTION", `error while executing state transaction: ${firstFailure}`);
      state.set(String(params.store), draft);
      return new HttpResponse(null, { status: 204 });
    }),
    "state.save": http.post(`${base}/v1.0/state/:store`, async ({ request, params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("saveState");
      if (failure) return failure;
      for (const item of (await request.json()) as Parameters<typeof upsert>[1][]) {
        if (!item.key) return daprError(400, "ERR_MALFORMED_REQUEST", "key is required");
        if (item.key.includes("||")) return daprError(400, "ERR_MALFORMED_REQUEST", "input key cannot contain '||'");
        if (upsert(items, item, typeOf(String(params.store)) === "state.redis") === "mismatch")
          return daprError(409, "ERR_STATE_SAVE", "possible etag mismatch");
      }
      return new HttpResponse(null, { status: 204 });
    }),
    "state.get": http.get(`${base}/v1.0/state/:store/:key`, async ({ params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("getState");
      if (failure) return failure;
      const item = live(items, String(params.key));
      if (!item) return new HttpResponse(null, { status: 204 });
      return new HttpResponse(item.value, { status: 200, headers: { "content-type": "application/json", etag: item.etag } });
    }),
    "state.delete": http.delete(`${base}/v1.0/state/:store/:key`, async ({ request, params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("deleteState");
      if (failure) return failure;
      const etag = request.headers.get("if-match");
      if (etag && live(items, String(params.key))?.etag !== etag) return daprError(409, "ERR_STATE_DELETE", "possible etag mismatch");
      items.delete(String(params.key));
      return new HttpResponse(null, { status: 204 });
    }),
    "publish.bulk": ["v1.0-alpha1", "v1.0"].map((version) =>
      http.post(`${base}/${version}/publish/bulk/:pubsub/*`, async ({ request, params }) => {
        if (!pubsubs.has(String(params.pubsub))) return daprError(404, "ERR_PUBSUB_NOT_FOUND", `pubsub ${params.pubsub} not found`);
        const failure = await injected("publish");
        if (failure) return failure;
        const topic = new URL(request.url).pathname.split(`/publish/bulk/${params.pubsub}/`)[1];
        for (const e of (await request.json()) as { event: unknown; contentType: string; metadata?: Record<string, string> }[]) {
          published.push({ pubsub: String(params.pubsub), topic, data: e.event, contentType: e.contentType, metadata: e.metadata ?? {} });
        }
        return new HttpResponse(null, { status: 204 });
      }),
    ),
    publish: http.post(`${base}/v1.0/publish/:pubsub/*`, async ({ request, params }) => {
      if (!pubsubs.has(String(params.pubsub))) return daprError(404, "ERR_PUBSUB_NOT_FOUND", `pubsub ${params.pubsub} is not found`);
      const failure = await injected("publish");
      if (failure) return failure;
      const url = new URL(request.url);
      const topic = decodeURIComponent(url.pathname.split(`/publish/${params.pubsub}/`)[1] ?? "");
      if (!topic) return daprError(404, "ERR_TOPIC_NAME_EMPTY", "topic is empty");
      const contentType = request.headers.get("content-type") ?? "application/json";
      const text = await request.text();
      const data = /json/.test(contentType) && text ? JSON.parse(text) : text;
      const metadata = Object.fromEntries(
        [...url.searchParams].filter(([k]) => k.startsWith("metadata.")).map(([k, v]) => [k.slice(9), v]),
      );
      published.push({ pubsub: String(params.pubsub), topic, data, contentType, metadata });
      return new HttpResponse(null, { status: 204 });
    }),
    "state.bulk": http.post(`${base}/v1.0/state/:store/bulk`, async ({ request, params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("bulkState");
      if (failure) return failure;
      let body: { keys?: unknown };
      try {
        body = (await request.json()) as { keys?: unknown };
      } catch (error) {
        return daprError(400, "ERR_MALFORMED_REQUEST", `failed deserializing HTTP body: ${(error as Error).message}`);
      }
      const keys = Array.isArray(body.keys) ? body.keys.map(String) : [];
      const bad = keys.find((key) => key.includes("||"));
      if (bad !== undefined) return daprError(400, "ERR_MALFORMED_REQUEST", `input key/keyPrefix '${bad}' can't contain '||'`);
      // daprd answers in the order asked; a missing key is `{key}` only.
      return HttpResponse.json(
        keys.map((key) => {
          const item = live(items, key);
          return item ? { key, data: JSON.parse(item.value) as unknown, etag: item.etag } : { key };
        }),
      );
    }),
    "secrets.get": http.get(`${base}/v1.0/secrets/:store/:name`, async ({ params }) => {
      // daprd's own codes: no store at all 500, unknown store 401 (sic), unknown secret 500.
      if (secretStores.size === 0) return daprError(500, "ERR_SECRET_STORES_NOT_CONFIGURED", "secret store is not configured");
      const store = String(params.store);
      const name = String(params.name);
      if (!secretStores.has(store)) return daprError(401, "ERR_SECRET_STORE_NOT_FOUND", `failed finding secret store with key ${store}`);
      const failure = await injected("getSecret");
      if (failure) return failure;
      const values = secrets.get(store)?.get(name);
      if (!values) {
        return daprError(
          500,
          "ERR_SECRET_GET",
          `failed getting secret with key ${name} from secret store ${store}: secret ${name} not found`,
        );
      }
      return HttpResponse.json(values);
    }),
    "configuration.get": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.get(`${base}/${version}/configuration/:store`, async ({ request, params }) => {
        const store = String(params.store);
        if (configurationStores.size === 0) {
          return daprError(500, "ERR_CONFIGURATION_STORE_NOT_CONFIGURED", "configuration stores not configured");
        }
        if (!configurationStores.has(store))
          return daprError(400, "ERR_CONFIGURATION_STORE_NOT_FOUND", `configuration store ${store} not found`);
        const failure = await injected("getConfiguration");
        if (failure) return failure;
        const items = configuration.get(store) ?? new Map<string, ConfigurationEntry>();
        const asked = new URL(request.url).searchParams.getAll("key");
        // Unknown keys are left out; no key at all means every key. daprd (configuration.redis)
        // answers 204 with no body when none is found, and leaves out an empty version or metadata.
        const found = (asked.length ? asked : [...items.keys()]).filter((key) => items.has(key));
        if (found.length === 0) return new HttpResponse(null, { status: 204 });
        return HttpResponse.json(
          Object.fromEntries(
            found.map((key) => {
              const { value, version, metadata } = items.get(key) as ConfigurationEntry;
              return [key, { value, ...(version ? { version } : {}), ...(Object.keys(metadata).length ? { metadata } : {}) }];
            }),
          ),
        );
      }),
    ),
    invoke: http.all(`${base}/v1.0/invoke/:appId/method/*`, async ({ request, params }) => {
      const appId = decodeURIComponent(String(params.appId));
      const url = new URL(request.url);
      const path = `/${decodeURIComponent(url.pathname.split("/method/").slice(1).join("/method/"))}`;
      const failure = await injected("invoke");
      if (failure) return failure;
      const routes = apps.get(appId);
      // daprd's answer when name resolution finds no such app (after about a second, with mDNS).
      if (!routes) return daprError(500, "ERR_DIRECT_INVOKE", `failed to invoke, id: ${appId}, err: couldn't find service: ${appId}`);
      const headers = Object.fromEntries([...request.headers].filter(([name]) => name !== "dapr-api-token"));
      const text = await request.text();
      let body: unknown = text === "" ? undefined : text;
      if (text && /json/.test(headers["content-type"] ?? "")) {
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text: the app would see the same bytes
        }
      }
      const invocation: Invocation = { appId, method: request.method, path, query: url.search.slice(1), headers, body };
      invocations.push(invocation);
      const route = routes.get(`${request.method} ${path}`) ?? routes.get(`* ${path}`);
      // A known app without that route answers as a Hono app does; daprd passes any status through.
      if (!route) return new HttpResponse("404 Not Found", { status: 404, headers: { "content-type": "text/plain; charset=UTF-8" } });
      return appResponse(typeof route === "function" ? await route(invocation) : route);
    }),
    // daprd 1.18.2: 204 on success, 409 for an existing name without `overwrite`, 400 without a
    // schedule or dueTime or with a name in the body; any other scheduler failure is a 500
    // DAPR_SCHEDULER_SCHEDULE_JOB (a bad schedule: "job failed validation", by the runtime's own rules).
    "jobs.schedule": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.post(`${base}/${version}/jobs/:name`, async ({ request, params }) => {
        const name = String(params.name);
        if (options.scheduler === false)
          return daprError(500, "DAPR_SCHEDULER_SCHEDULE_JOB", "failed to schedule job due to: scheduler clients are disabled");
        const failure = await injected("scheduleJob");
        if (failure) return failure;
        const body = (await request.json()) as Omit<ScheduledJob, "name"> & { overwrite?: boolean; name?: unknown };
        if (body.name !== undefined) return daprError(400, "DAPR_SCHEDULER_JOB_NAME", "Set the job name in the url only");
        if (body.schedule === undefined && body.dueTime === undefined)
          return daprError(400, "DAPR_SCHEDULER_SCHEDULE_EMPTY", "Schedule is empty");
        const invalid = body.schedule === undefined ? undefined : scheduleProblem(body.schedule);
        if (invalid)
          return daprError(
            500,
            "DAPR_SCHEDULER_SCHEDULE_JOB",
            `failed to schedule job due to: rpc error: code = InvalidArgument desc = job failed validation: ${invalid}`,
          );
        if (jobs.has(name) && !body.overwrite)
          return daprError(
            409,
            "DAPR_SCHEDULER_SCHEDULE_JOB",
            `failed to schedule job due to: rpc error: code = AlreadyExists desc = job already exists: 'app||default||${options.appId ?? "order-service"}||${name}'`,
          );
        const { schedule, dueTime, repeats, ttl, data, failurePolicy } = body;
        jobs.set(name, { name, schedule, dueTime, repeats, ttl, data, failurePolicy });
        return new HttpResponse(null, { status: 204 });
      }),
    ),
    "jobs.delete": ["v1.0", "v1.0-alpha1"].map((version) =>
      http.delete(`${base}/${version}/jobs/:name`, async ({ params }) => {
        if (options.scheduler === false)
          return daprError(500, "DAPR_SCHEDULER_DELETE_JOB", "failed to delete job due to: scheduler clients are disabled");
        const failure = await injected("deleteJob");
        if (failure) return failure;
        jobs.delete(String(params.name)); // a missing job is 204 too
        return new HttpResponse(null, { status: 204 });
      }),
    ),
    // Actor state: a read answers the raw value or 204; a write is one all-or-nothing transaction,
    // 204. (daprd also refuses writes for an actor not active on that host; the fake does not know
    // activity and accepts them.)
    "actors.state.get": http.get(`${base}/v1.0/actors/:type/:id/state/:key`, async ({ params }) => {
      const failure = await injected("getActorState");
      if (failure) return failure;
      const value = actorStates.get(actorKey(params))?.get(decodeURIComponent(String(params.key)));
      if (value === undefined) return new HttpResponse(null, { status: 204 });
      return new HttpResponse(value, { status: 200, headers: { "content-type": "application/json" } });
    }),
    "actors.state": ["post", "put"].map((verb) =>
      http[verb as "post"](`${base}/v1.0/actors/:type/:id/state`, async ({ request, params }) => {
        const failure = await injected("actorState");
        if (failure) return failure;
        const ops = (await request.json()) as { operation: string; request: { key: string; value?: unknown } }[];
        const key = actorKey(params);
        const draft = new Map(actorStates.get(key));
        for (const op of ops) {
          if (op.operation === "upsert") draft.set(op.request.key, JSON.stringify(op.request.value ?? null));
          else if (op.operation === "delete") draft.delete(op.request.key);
          else return daprError(400, "ERR_ACTOR_STATE_TRANSACTION_SAVE", `operation type ${op.operation} not supported`);
        }
        actorStates.set(key, draft);
        return new HttpResponse(null, { status: 204 });
      }),
    ),
    "actors.reminders.set": reminderRoutes.set,
    "actors.reminders.delete": reminderRoutes.remove,
    "actors.timers.set": timerRoutes.set,
    "actors.timers.delete": timerRoutes.remove,
    // An actor call: a canned answer per type and method; an unknown type is daprd's answer for a
    // type no replica hosts, a known type without the method the app's 404 turned into a 500.
    "actors.invoke": http.all(`${base}/v1.0/actors/:type/:id/method/:method`, async ({ request, params }) => {
      const failure = await injected("invokeActor");
      if (failure) return failure;
      const [type, id] = actorKey(params).split("||");
      const method = decodeURIComponent(String(params.method));
      const text = await request.text();
      let body: unknown = text === "" ? undefined : text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // kept as text
      }
      const headers = Object.fromEntries([...request.headers].filter(([name]) => name !== "dapr-api-token"));
      const call: ActorCall = { type, id, method, headers, body };
      actorCalls.push(call);
      const host = actorHosts.get(type);
      if (!host)
        return daprError(500, "ERR_ACTOR_INVOKE_METHOD", `error invoke actor method: did not find address for actor ${type}/${id}`);
      const route = host.get(method);
      if (!route) return daprError(500, "ERR_ACTOR_INVOKE_METHOD", `error invoke actor method: actor method not found: ${method}`);
      return appResponse(typeof route === "function" ? await route(call) : route);
    }),
    "bindings.invoke": http.post(`${base}/v1.0/bindings/:name`, async ({ request, params }) => {
      const failure = await injected("invokeBinding");
      if (failure) return failure;
      const body = (await request.json()) as { operation?: string; data?: unknown; metadata?: Record<string, string> };
      // daprd answers 500 for every binding failure, unknown binding and empty operation included.
      if (!bindings.has(String(params.name)) || !body.operation) {
        return daprError(500, "ERR_INVOKE_OUTPUT_BINDING", `error invoking output binding ${params.name}`);
      }
      bindingCalls.push({ name: String(params.name), operation: body.operation, data: body.data ?? null, metadata: body.metadata ?? {} });
      return new HttpResponse(null, { status: 204 });
    }),
    // Instances are only recorded: nothing runs them (the workflow kit, runtime/testing/workflow.ts, runs workflows).
    "workflows.start": http.post(`${base}/v1.0/workflows/dapr/:name/start`, async ({ request, params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const id = new URL(request.url).searchParams.get("instanceID") ?? randomUUID();
      // Not pinned on daprd: starting an id that is still running is refused.
      if (workflowOf(id)?.status === "RUNNING")
        return daprError(
          500,
          "ERR_START_WORKFLOW",
          `error starting workflow '${params.name}': an active workflow with ID '${id}' already exists`,
        );
      const text = await request.text();
      workflows.set(id, {
        instanceId: id,
        workflow: String(params.name),
        input: text ? JSON.parse(text) : undefined,
        status: "RUNNING",
        events: [],
      });
      return HttpResponse.json({ instanceID: id }, { status: 202 });
    }),
    "workflows.raiseEvent": http.post(`${base}/v1.0/workflows/dapr/:id/raiseEvent/:event`, async ({ request, params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const instance = workflowOf(String(params.id));
      if (!instance) return noInstance(String(params.id));
      const text = await request.text();
      instance.events.push({ name: String(params.event), data: text ? JSON.parse(text) : undefined });
      return new HttpResponse(null, { status: 202 });
    }),
    "workflows.manage": http.post(`${base}/v1.0/workflows/dapr/:id/:operation`, async ({ params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const id = String(params.id);
      const instance = workflowOf(id);
      if (!instance) return noInstance(id);
      const next = { terminate: "TERMINATED", pause: "SUSPENDED", resume: "RUNNING" }[String(params.operation)];
      if (params.operation === "purge") workflows.delete(id);
      else if (next) instance.status = next;
      else return daprError(404, "ERR_NOT_FOUND", `unknown workflow operation ${params.operation}`);
      return new HttpResponse(null, { status: 202 });
    }),
    "workflows.get": http.get(`${base}/v1.0/workflows/dapr/:id`, async ({ params }) => {
      const failure = await injected("workflow");
      if (failure) return failure;
      const instance = workflowOf(String(params.id));
      if (!instance) return noInstance(String(params.id));
      return HttpResponse.json({
        instanceID: instance.instanceId,
        workflowName: instance.workflow,
        runtimeStatus: instance.status,
        properties: {
          "dapr.workflow.input": JSON.stringify(instance.input ?? null),
          ...(instance.output !== undefined ? { "dapr.workflow.output": JSON.stringify(instance.output) } : {}),
        },
      });
    }),
  } satisfies Record<DaprApi, RequestHandler | RequestHandler[]>;
  const handlers: RequestHandler[] = [...plumbing, ...Object.values(apis).flat()];

  return {
    handlers,
    port,
    /** An executor pointed at this fake (msw must be listening). */
    execute: createSidecarExecutor({ port, token: options.token, timeoutMs: 1_000 }) as Executor,
    /** The runtime's sidecar client pointed at this fake, as inputs use it (msw must be listening). */
    client: createSidecarClient({ port, token: options.token, timeoutMs: 1_000 }),
    published,
    bindings: bindingCalls,
    /** The jobs scheduled through the Jobs API, by name, as they were last scheduled. */
    jobs,
    /** Every lock acquired through the lock API, in order: `store/resourceId owner`. */
    locks: lockLog,
    /** Open configuration subscriptions by id. */
    subscriptions,
    /** What a daprd restart loses: configuration subscriptions and metadata attributes. */
    restart: () => {
      subscriptions.clear();
      attributes.clear();
    },
    /**
     * Changes `key` and returns what daprd would deliver for it: one `POST /configuration/<store>/<key>`
     * per subscription watching it, each with the whole event `{ id, items }`.
     * @example for (const d of sidecar.change("configstore", "express-shipping", "on")) await app.send("onExpressShipping", d)
     */
    change: (store: string, key: string, value: string | ConfigurationSeed) => {
      configure(store, key, value);
      const { version, metadata, ...item } = (configuration.get(store) as Map<string, ConfigurationEntry>).get(key) as ConfigurationEntry;
      return [...subscriptions]
        .filter(([, sub]) => sub.store === store && (sub.keys.length === 0 || sub.keys.includes(key)))
        .map(([id]) => ({
          method: "POST",
          path: `/configuration/${store}/${key}`,
          headers: { "content-type": "application/json" },
          body: new TextEncoder().encode(JSON.stringify({ id, items: { [key]: { ...item, version, metadata } } })),
        }));
    },
    /**
     * A firing of a scheduled job exactly as daprd delivers it (`POST /job/<name>`, its data as the
     * whole body), to send with `testApp(...).request` or `runHandler`.
     * @example await app.send("onReminder", sidecar.fire("reminder-o-1"))
     */
    fire: (name: string) => {
      const job = jobs.get(name);
      if (!job) throw new Error(`no job ${name} is scheduled (scheduled: ${[...jobs.keys()].join(", ") || "none"})`);
      return {
        method: "POST",
        path: `/job/${name}`,
        headers: { "content-type": "application/json" },
        body: new TextEncoder().encode(JSON.stringify(job.data ?? {})),
      };
    },
    /** Workflow instances started through the API, by instance id (status and output settable by the test). */
    workflows,
    /** Actor reminders and timers by `type||id||name`, as they were last set. */
    reminders,
    timers,
    /** Every actor call, in order. */
    actorCalls,
    /** A hosted actor type's canned answers: `sidecar.actor("InventoryActor").on("reserve", { body: { reserved: true } })`. */
    actor,
    /** An actor's stored state key, parsed, or undefined. */
    actorState: (type: string, id: string, key = "state") => {
      const value = actorStates.get(`${type}||${id}`)?.get(key);
      return value === undefined ? undefined : (JSON.parse(value) as unknown);
    },
    /** Stores an actor's state key as a method wrote it. */
    seedActor: (type: string, id: string, value: unknown, key = "state") => {
      if (!actorStates.has(`${type}||${id}`)) actorStates.set(`${type}||${id}`, new Map());
      actorStates.get(`${type}||${id}`)?.set(key, JSON.stringify(value));
    },
    /** Every service invocation of a known app, in order. */
    invocations,
    /** A called app: `sidecar.app("payments").on("POST", "/charge", { status: 201, body: { id: "c-1" } })`. Unknown apps answer as daprd does (500 ERR_DIRECT_INVOKE). */
    app,
    /** Stores a secret: `values` is what daprd answers for it (`{ [key]: value }`). */
    secret: (store: string, name: string, values: Record<string, string>) => secretOf(store, name, values),
    /** Stores a configuration item; a string is its value, with the next version of the key ("1", "2", …). */
    configure: (store: string, key: string, value: string | ConfigurationSeed) => configure(store, key, value),
    /** The stored value of a key, parsed, or undefined. */
    get: (store: string, key: string) => {
      const item = state.get(store)?.get(key);
      return item ? (JSON.parse(item.value) as unknown) : undefined;
    },
    seed: (store: string, key: string, value: unknown) => {
      const etag = randomUUID();
      state.get(store)?.set(key, { value: JSON.stringify(value), etag });
      return etag;
    },
    fail: (failure: Failure) => failures.push({ times: 1, ...failure }),
    reset: () => {
      for (const items of state.values()) items.clear();
      published.length = 0;
      bindingCalls.length = 0;
      failures.length = 0;
      invocations.length = 0;
      apps.clear();
      jobs.clear();
      locks.clear();
      lockLog.length = 0;
      subscriptions.clear();
      attributes.clear();
      workflows.clear();
      actorStates.clear();
      reminders.clear();
      timers.clear();
      actorHosts.clear();
      actorCalls.length = 0;
      seedStores();
    },
  };
}

export type FakeSidecar = ReturnType<typeof createFakeSidecar>;
