import { actorErrorHeader } from "./actor-wire.ts";
import type { Reply } from "./reply.ts";
import { httpSpanAttributes, type TriggerKind } from "./trigger.ts";
import { summarizeIssues } from "./verdict.ts";
import { readJson } from "./wire.ts";

/** How daprd hosts an actor type (`GET /dapr/config`, per type in `entitiesConfig`). Unset: daprd's defaults. */
export interface ActorSettings {
  /** Deactivate an actor idle this long, e.g. "10m" (daprd: 60m). */
  idleTimeout?: string;
  /** How long a rebalance waits for an ongoing call, e.g. "2s" (daprd: 2s). */
  drainOngoingCallTimeout?: string;
  drainRebalancedActors?: boolean;
  /** A call chain A→B→A re-enters A instead of waiting for its lock (off unless enabled). */
  reentrancy?: { enabled: boolean; maxStackDepth?: number };
}

/**
 * One route daprd calls on an actor type: a method, or the callback of its reminders or timers.
 * Made by `defineActor` (one per method, one per callback kind); the type is the export's name.
 */
export interface ActorTrigger {
  kind: "actor";
  type: string;
  /** The method's name; for callbacks, "remind" or "timer". */
  method: string;
  callback?: "remind" | "timer";
  settings?: ActorSettings;
}

export interface ActorEvent<D> {
  data: D;
  /** The actor id (daprd passes it in the path). */
  id: string;
  type: string;
  method: string;
  headers: Record<string, string>;
  /** daprd's `Dapr-Reentrancy-Id`, carried onto the actor calls this turn makes. */
  reentrancyId?: string;
  /** For a reminder or timer: its name and schedule. */
  callback?: { name: string; dueTime?: string; period?: string };
}

declare module "./trigger.ts" {
  interface TriggerEvents<T, D> {
    actor: T extends ActorTrigger ? ActorEvent<D> : never;
  }
}

const actorRoute = (t: ActorTrigger) =>
  t.callback ? `/actors/${t.type}/:id/method/${t.callback}/:name` : `/actors/${t.type}/:id/method/${t.method}`;

export const actorKind: TriggerKind<ActorTrigger> = {
  kind: "actor",
  route: actorRoute,
  describe: (t) => (t.callback ? `actor ${t.type} ${t.callback}` : `actor ${t.type}.${t.method}`),
  mount(app, route, t, serve) {
    app.put(route, serve);
    // daprd deactivates an idle or rebalanced actor with a DELETE; nothing is cached between turns
    // (state is read each call), so there is nothing to drop: 200, or daprd counts a failure.
    if (t.callback === "remind") app.delete(`/actors/${t.type}/:id`, (c) => c.body(null, 200));
  },
  parse(t, req, params) {
    const id = params.id ?? "";
    const reentrancyId = req.headers["dapr-reentrancy-id"];
    const base = { id, type: t.type, method: t.method, headers: req.headers, ...(reentrancyId ? { reentrancyId } : {}) };
    let data: unknown;
    if (req.body.length > 0) {
      const json = readJson(req.body);
      if (!json.ok) return { bulk: false, messages: [{ ok: false, reason: json.reason, status: 400 }] };
      data = json.value;
    }
    if (!t.callback) return { bulk: false, messages: [{ ok: true, event: { data, ...base } }] };
    // A reminder or timer: {"data": <the JSON it was set with>, "dueTime", "period"} (timers add "callback").
    const fired = (data ?? {}) as { data?: unknown; dueTime?: string; period?: string };
    const callback = { name: params.name ?? "", dueTime: fired.dueTime, period: fired.period };
    return { bulk: false, messages: [{ ok: true, event: { data: decodeData(fired.data), ...base, callback } }] };
  },
  /**
   * Exactly 200 for every answer daprd should pass on: any other status reaches the caller only as
   * 500 ERR_ACTOR_INVOKE_METHOD text. Bad input, a refusal and a throw are 200 with the error header
   * (the caller tells them apart by it); a dependency that failed is 500, which a resiliency policy may retry.
   */
  answer(t, { results }) {
    const { verdict, effects, issues, correlationId } = results[0].outcome;
    // A reminder or timer has no caller to read an error: daprd treats the error header (like any
    // non-200) as a failed delivery and retries it. So only a RETRY is 500; what can never succeed
    // (bad data, a method it does not name) is 200 and stays in the log.
    if (t.callback)
      return verdict.status === "RETRY" ? { status: 500, body: { error: verdict.reason ?? "try again", correlationId } } : { status: 200 };
    const error = (body: unknown) => ({ status: 200, body, headers: { [actorErrorHeader]: "true", "content-type": "application/json" } });
    if (verdict.status === "SUCCESS") {
      const reply = effects.find((e): e is Reply => e.kind === "reply");
      if (reply?.headers?.[actorErrorHeader]) return error(reply.body);
      return reply?.body !== undefined ? { status: 200, body: reply.body } : { status: 200 };
    }
    switch (verdict.cause) {
      case "parse":
        return error({ error: verdict.reason });
      case "schema":
        return error({ error: "invalid input", issues: summarizeIssues(issues ?? []) });
      case "throw":
        return error({ error: verdict.reason });
      case "input":
        return verdict.status === "DROP"
          ? error({ error: "the actor's stored state is invalid", correlationId })
          : { status: 500, body: { error: "a dependency of this call is unavailable, try again", correlationId } };
      default:
        return verdict.status === "DROP"
          ? error({ error: verdict.reason })
          : { status: 500, body: { error: verdict.reason ?? "try again", correlationId } };
    }
  },
  span: (t, route, req, event) => {
    const id = (event as { id?: string } | undefined)?.id;
    return {
      name: t.callback ? `actor ${t.type} ${t.callback}` : `actor ${t.type}.${t.method}`,
      kind: "server",
      attributes: {
        ...httpSpanAttributes(route, req),
        "dapr.actor.type": t.type,
        "dapr.actor.method": t.method,
        ...(id ? { "dapr.actor.id": id } : {}),
      },
    };
  },
  answered: (_t, answer) => ({ "http.response.status_code": answer.status }),
  claims: (t, route) => [{ key: `route PUT ${route}`, what: actorKind.describe(t) }],
  // daprd keeps actor state in the one state store marked actorStateStore, whatever its name.
  needs: () => [{ block: "state", name: "*", metadata: { actorStateStore: "true" } }],
  track: () => undefined,
  /** The actor types this app hosts, for daprd's `GET /dapr/config` (read once, when the app first turns healthy). */
  config(triggers) {
    const types = new Map<string, ActorSettings | undefined>();
    for (const t of triggers) types.set(t.type, t.settings);
    const entitiesConfig = [...types]
      .filter(([, s]) => s && Object.keys(s).length)
      .map(([type, s]) => ({
        entities: [type],
        ...(s?.idleTimeout ? { actorIdleTimeout: s.idleTimeout } : {}),
        ...(s?.drainOngoingCallTimeout ? { drainOngoingCallTimeout: s.drainOngoingCallTimeout } : {}),
        ...(s?.drainRebalancedActors !== undefined ? { drainRebalancedActors: s.drainRebalancedActors } : {}),
        ...(s?.reentrancy ? { reentrancy: s.reentrancy } : {}),
      }));
    return { entities: [...types.keys()], ...(entitiesConfig.length ? { entitiesConfig } : {}) };
  },
};

/** Reminder data arrives as the raw JSON it was set with; an SDK that set bytes sends base64 of JSON. */
function decodeData(data: unknown): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(Buffer.from(data, "base64").toString("utf8"));
  } catch {
    return data;
  }
}
