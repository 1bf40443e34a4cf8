// The distributed lock API (lock.redis semantics: SET NX with an expiry).
import { HttpResponse, http } from "msw";
import { type Context, daprError, type Routes } from "./context.ts";

/** Trying and releasing locks. */
export function lockRoutes(ctx: Context): Routes<"lock.try" | "lock.unlock"> {
  const { base, locks, lockLog, lockStores, injected } = ctx;
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
  return {
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
  };
}
