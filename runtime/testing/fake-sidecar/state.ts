// The state API: ETags, first-write, TTLs, bulk get, and transactions (state.redis without rollback).
import { randomUUID } from "node:crypto";
import { HttpResponse, http } from "msw";
import { type Context, daprError, type Item, live, type Routes } from "./context.ts";

type Upsert = { key: string; value?: unknown; etag?: string; options?: { concurrency?: string }; metadata?: Record<string, string> };

/**
 * Applies one upsert the way state.in-memory does: ETag must match; first-write needs one for
 * existing keys (state.redis does not enforce first-write without an ETag); `ttlInSeconds` expires it.
 */
export const upsert = (items: Map<string, Item>, req: Upsert, redis = false) => {
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

/** The state store routes. */
export function stateRoutes(ctx: Context): Routes<"state.transaction" | "state.save" | "state.get" | "state.delete" | "state.bulk"> {
  const { base, options, state, injected, typeOf } = ctx;
  const storeOf = (name: string) => state.get(name);
  return {
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
      // Drafted after the last await and committed in place, with no await between: concurrent
      // transactions (handlers of one topic write at once) must not overwrite each other's writes.
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
      if (draft !== items) {
        items.clear();
        for (const [key, item] of draft) items.set(key, item);
      }
      return new HttpResponse(null, { status: 204 });
    }),
    "state.save": http.post(`${base}/v1.0/state/:store`, async ({ request, params }) => {
      const items = storeOf(String(params.store));
      if (!items) return daprError(400, "ERR_STATE_STORE_NOT_FOUND", `state store ${params.store} is not found`);
      const failure = await injected("saveState");
      if (failure) return failure;
      for (const item of (await request.json()) as Upsert[]) {
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
  };
}
