import { randomUUID } from "node:crypto";
import { delay, HttpResponse, http, type RequestHandler } from "msw";
import type { DaprApi } from "../kinds/effect.ts";
import type { Executor } from "../kinds/effects.ts";
import { createSidecarExecutor } from "../serve/sidecar.ts";

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

type Operation = "saveState" | "getState" | "deleteState" | "transaction" | "publish" | "invokeBinding";

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
  appId?: string;
}

interface Item {
  value: string;
  etag: string;
}

const daprError = (status: number, errorCode: string, message: string) => HttpResponse.json({ errorCode, message }, { status });

/**
 * The Dapr HTTP API the runtime calls, in memory, as msw handlers: state (ETags, first-write,
 * transactions), publish and bulk publish, output bindings, metadata and health. Its behaviour
 * is pinned by a contract suite that also runs against a real daprd.
 * @example const sidecar = createFakeSidecar(); server.use(...sidecar.handlers); runHandler(h, d, { sidecar: sidecar.execute })
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

  /** Applies one upsert the way state.in-memory does: ETag must match; first-write needs one for existing keys. */
  const upsert = (items: Map<string, Item>, req: { key: string; value?: unknown; etag?: string; options?: { concurrency?: string } }) => {
    const current = items.get(req.key);
    if (req.etag !== undefined && req.etag !== "" && current?.etag !== req.etag) return "mismatch";
    if ((req.etag === undefined || req.etag === "") && req.options?.concurrency === "first-write" && current) return "mismatch";
    items.set(req.key, { value: JSON.stringify(req.value ?? null), etag: randomUUID() });
    return "ok";
  };

  const plumbing: RequestHandler[] = [
    http.get(`${base}/v1.0/healthz`, () => new HttpResponse(null, { status: 204 })),
    http.get(`${base}/v1.0/healthz/outbound`, () => new HttpResponse(null, { status: 204 })),
    http.all(`${base}/*`, ({ request }) => guard(request)),
    http.get(`${base}/v1.0/metadata`, () =>
      HttpResponse.json({
        id: options.appId ?? "order-service",
        components: [
          ...[...stores].map((name) => ({ name, type: "state.in-memory", version: "v1" })),
          ...[...pubsubs].map((name) => ({ name, type: "pubsub.in-memory", version: "v1" })),
          ...[...bindings].map((name) => ({ name, type: "bindings.localstorage", version: "v1" })),
        ],
      }),
    ),
  ];
  // Every daprd API the runtime calls, served the way daprd 1.18 answers it (the contract suite
  // runs the same assertions against a real daprd). Checked against `DaprApi`: an effect kind
  // using an API the fake does not serve does not compile.
  const apis = {
    "state.transaction": http.post(`${base}/v1.0/state/:store/transaction`, async ({ request, params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("transaction");
      if (failure) return failure;
      const body = (await request.json()) as {
        operations: { operation: string; request: { key: string; value?: unknown; etag?: string } }[];
      };
      const draft = new Map(items);
      for (const op of body.operations) {
        let outcome = "ok";
        if (op.operation !== "delete") outcome = upsert(draft, op.request);
        else if (op.request.etag && draft.get(op.request.key)?.etag !== op.request.etag) outcome = "mismatch";
        else draft.delete(op.request.key);
        // daprd answers 500, not 409, for any store error inside a transaction.
        if (outcome === "mismatch") return daprError(500, "ERR_STATE_TRANSACTION", "possible etag mismatch");
      }
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
        if (upsert(items, item) === "mismatch") return daprError(409, "ERR_STATE_SAVE", "possible etag mismatch");
      }
      return new HttpResponse(null, { status: 204 });
    }),
    "state.get": http.get(`${base}/v1.0/state/:store/:key`, async ({ params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("getState");
      if (failure) return failure;
      const item = items.get(String(params.key));
      if (!item) return new HttpResponse(null, { status: 204 });
      return new HttpResponse(item.value, { status: 200, headers: { "content-type": "application/json", etag: item.etag } });
    }),
    "state.delete": http.delete(`${base}/v1.0/state/:store/:key`, async ({ request, params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("deleteState");
      if (failure) return failure;
      const etag = request.headers.get("if-match");
      if (etag && items.get(String(params.key))?.etag !== etag) return daprError(409, "ERR_STATE_DELETE", "possible etag mismatch");
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
  } satisfies Record<DaprApi, RequestHandler | RequestHandler[]>;
  const handlers: RequestHandler[] = [...plumbing, ...Object.values(apis).flat()];

  return {
    handlers,
    port,
    /** An executor pointed at this fake (msw must be listening). */
    execute: createSidecarExecutor({ port, token: options.token, timeoutMs: 1_000 }) as Executor,
    published,
    bindings: bindingCalls,
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
    },
  };
}

export type FakeSidecar = ReturnType<typeof createFakeSidecar>;
