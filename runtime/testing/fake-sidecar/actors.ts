// Actors: state (one transaction a write), reminders, timers, and calls to canned actor hosts.
import { HttpResponse, http } from "msw";
import { type ActorAnswer, appResponse, type Context, daprError, type Routes } from "./context.ts";
import type { ActorCall, ActorCallback, Operation } from "./types.ts";

const actorKey = (params: Record<string, unknown>) =>
  `${decodeURIComponent(String(params.type))}||${decodeURIComponent(String(params.id))}`;

/** A hosted actor type's canned answers: `on(method, answer)`. */
export const hostedActor = (ctx: Context, type: string) => {
  if (!ctx.actorHosts.has(type)) ctx.actorHosts.set(type, new Map());
  const methods = ctx.actorHosts.get(type) as Map<string, ActorAnswer>;
  const api = {
    /** Answers calls of `method` with `answer` (200 unless given; add the X-Daprerrorresponseheader header for an actor error). */
    on: (method: string, answer: ActorAnswer) => {
      methods.set(method, answer);
      return api;
    },
  };
  return api;
};

/** Setting and deleting reminders or timers (the same API under two names). */
const callbackRoutes = (
  { base, injected }: Context,
  what: "reminders" | "timers",
  kept: Map<string, ActorCallback>,
  set: Operation,
  remove: Operation,
) => ({
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

/** The actor API. */
export function actorRoutes(
  ctx: Context,
): Routes<
  | "actors.state.get"
  | "actors.state"
  | "actors.reminders.set"
  | "actors.reminders.delete"
  | "actors.timers.set"
  | "actors.timers.delete"
  | "actors.invoke"
> {
  const { base, actorStates, actorHosts, actorCalls, reminders, timers, injected } = ctx;
  const reminderRoutes = callbackRoutes(ctx, "reminders", reminders, "setReminder", "deleteReminder");
  const timerRoutes = callbackRoutes(ctx, "timers", timers, "setTimer", "deleteTimer");
  return {
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
  };
}
