// Service invocation: canned answers per called app, each call kept in order.
import { HttpResponse, http } from "msw";
import { appResponse, type Context, daprError, type Routes } from "./context.ts";
import type { AppRoute, Invocation } from "./types.ts";

/** A called app: `on(method, path, answer)` sets a canned answer (exact path, no query; `*` as method: any). */
export const calledApp = (ctx: Context, appId: string) => {
  if (!ctx.apps.has(appId)) ctx.apps.set(appId, new Map());
  const routes = ctx.apps.get(appId) as Map<string, AppRoute>;
  const api = {
    /** Answers `method path` (exact path, no query; `*` as method: any) with `answer`. */
    on: (method: string, path: string, answer: AppRoute) => {
      routes.set(`${method.toUpperCase()} /${path.replace(/^\/+/, "")}`, answer);
      return api;
    },
  };
  return api;
};

/** Calling another app's method through daprd. */
export function invokeRoutes(ctx: Context): Routes<"invoke"> {
  const { base, apps, invocations, injected } = ctx;
  return {
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
  };
}
