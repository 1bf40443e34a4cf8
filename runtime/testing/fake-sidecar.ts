// The fake sidecar: daprd's HTTP API in memory, one module per API family under fake-sidecar/ over one
// shared context, gathered here in a route table the compiler checks against `DaprApi`.
import { randomUUID } from "node:crypto";
import { HttpResponse, http, type RequestHandler } from "msw";
import type { DaprApi } from "../kinds/effect.ts";
import type { Executor } from "../kinds/effects.ts";
import { createSidecarClient, createSidecarExecutor } from "../serve/sidecar.ts";
import { actorRoutes, hostedActor } from "./fake-sidecar/actors.ts";
import { bindingRoutes } from "./fake-sidecar/bindings.ts";
import { configurationRoutes, configure } from "./fake-sidecar/configuration.ts";
import { type ConfigurationEntry, createContext } from "./fake-sidecar/context.ts";
import { calledApp, invokeRoutes } from "./fake-sidecar/invoke.ts";
import { jobRoutes } from "./fake-sidecar/jobs.ts";
import { lockRoutes } from "./fake-sidecar/locks.ts";
import { metadataRoutes } from "./fake-sidecar/metadata.ts";
import { pubsubRoutes } from "./fake-sidecar/pubsub.ts";
import { secretOf, secretRoutes } from "./fake-sidecar/secrets.ts";
import { stateRoutes } from "./fake-sidecar/state.ts";
import type { ConfigurationSeed, Failure, FakeSidecarOptions } from "./fake-sidecar/types.ts";
import { workflowRoutes } from "./fake-sidecar/workflows.ts";

export type * from "./fake-sidecar/types.ts";

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
  const ctx = createContext(options);
  const { port, base, state, published, bindingCalls, failures, jobs, locks, lockLog, subscriptions, attributes } = ctx;
  const { actorStates, reminders, timers, actorHosts, actorCalls, secrets, configuration, apps, invocations } = ctx;
  const seedStores = () => {
    secrets.clear();
    configuration.clear();
    for (const [store, byName] of Object.entries(options.secrets ?? {})) {
      for (const [name, values] of Object.entries(byName)) secretOf(ctx, store, name, values);
    }
    for (const [store, byKey] of Object.entries(options.configuration ?? {})) {
      for (const [key, seed] of Object.entries(byKey)) configure(ctx, store, key, seed);
    }
  };
  seedStores();
  const guard = (request: Request) =>
    options.token && request.headers.get("dapr-api-token") !== options.token
      ? new HttpResponse("invalid api token", { status: 401 })
      : undefined;
  const plumbing: RequestHandler[] = [
    http.get(`${base}/v1.0/healthz`, () => new HttpResponse(null, { status: 204 })),
    http.get(`${base}/v1.0/healthz/outbound`, () => new HttpResponse(null, { status: 204 })),
    http.all(`${base}/*`, ({ request }) => guard(request)),
  ];
  // Every daprd API the runtime calls, served the way daprd 1.18 answers it (the contract suite
  // runs the same assertions against a real daprd). Checked against `DaprApi`: an effect kind
  // using an API the fake does not serve does not compile.
  const apis = {
    ...metadataRoutes(ctx),
    ...lockRoutes(ctx),
    ...configurationRoutes(ctx),
    ...stateRoutes(ctx),
    ...pubsubRoutes(ctx),
    ...secretRoutes(ctx),
    ...invokeRoutes(ctx),
    ...jobRoutes(ctx),
    ...actorRoutes(ctx),
    ...bindingRoutes(ctx),
    ...workflowRoutes(ctx),
  } satisfies Record<DaprApi, RequestHandler | RequestHandler[]>;
  const handlers: RequestHandler[] = [...plumbing, ...Object.values(apis).flat()];
  const actor = (type: string) => hostedActor(ctx, type);
  const app = (appId: string) => calledApp(ctx, appId);

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
    /** Workflow instances started through the API, by instance id (status and output settable by the test). */
    workflows: ctx.workflows,
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
      configure(ctx, store, key, value);
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
    secret: (store: string, name: string, values: Record<string, string>) => secretOf(ctx, store, name, values),
    /** Stores a configuration item; a string is its value, with the next version of the key ("1", "2", …). */
    configure: (store: string, key: string, value: string | ConfigurationSeed) => configure(ctx, store, key, value),
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
      ctx.workflows.clear();
      locks.clear();
      lockLog.length = 0;
      subscriptions.clear();
      attributes.clear();
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
