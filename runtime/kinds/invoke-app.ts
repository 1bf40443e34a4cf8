import { checkedHeaders, daprdPath, methodPath } from "./daprd-path.ts";
import { type EffectKind, json } from "./effect.ts";

/** A call to another app's method whose answer nobody waits on: a non-2xx is a failure (RETRY, or 502 for invoked routes). */
export interface InvokeApp {
  kind: "invokeApp";
  appId: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** @example invokeApp("shipping", "POST", "/shipments", { orderId }) */
export const invokeApp = (
  appId: string,
  method: InvokeApp["method"],
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): InvokeApp => ({ kind: "invokeApp", appId, method, path, ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });

export const invokeAppKind: EffectKind<InvokeApp> = {
  kind: "invokeApp",
  describe: (e) => `invokeApp ${e.appId} ${e.method} ${e.path}`,
  sidecar: {
    api: "invoke",
    call: (e) => ({
      api: "invoke",
      method: e.method,
      path: `${daprdPath("invoke", { appId: e.appId }, "method")}/${methodPath("path", e.path)}`,
      ...(e.body !== undefined ? { body: json(e.body) } : {}),
      headers: { ...(e.body !== undefined ? { "content-type": "application/json" } : {}), ...checkedHeaders("headers", e.headers) },
    }),
    span: (e) => ({
      name: `invokeApp ${e.appId} ${e.method} ${e.path}`,
      kind: "client",
      attributes: { "rpc.system": "dapr", "rpc.service": e.appId, "http.request.method": e.method, "dapr.app.id": e.appId },
    }),
    example: invokeApp("shipping", "POST", "/shipments/o-1", { orderId: "o-1" }, { "x-request-id": "r-1" }),
  },
};
