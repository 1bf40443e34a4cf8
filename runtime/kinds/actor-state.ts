import { type EffectKind, json, segment } from "./effect.ts";
import type { InputKind, InputRead } from "./input.ts";
import { storedValue } from "./state-input.ts";

/** The actor an actor-scoped effect or input addresses; inside a method, the runtime fills in the actor's own. */
export interface ActorRef {
  type?: string;
  id?: string;
}

export type ActorStateOperation =
  | { operation: "upsert"; request: { key: string; value: unknown } }
  | { operation: "delete"; request: { key: string } };

/** One actor-state transaction: daprd applies every operation or none, and only while the actor is active here. */
export interface ActorState extends ActorRef {
  kind: "actorState";
  operations: ActorStateOperation[];
}

/** Writes keys of the actor's state in one transaction. @example actorState([{ operation: "upsert", request: { key: "state", value } }]) */
export const actorState = (operations: ActorStateOperation[], actor: ActorRef = {}): ActorState => ({
  kind: "actorState",
  operations,
  ...actor,
});

/** The actor an effect addresses, or an error saying how to name one. */
export function actorOf(e: ActorRef & { kind: string }): { type: string; id: string } {
  if (!e.type || !e.id) throw new TypeError(`${e.kind} outside an actor method needs its actor: pass { type, id }`);
  return { type: e.type, id: e.id };
}

/**
 * The one place actor API paths are built: `/actors/<type>/<id>` then `parts` (literal segments,
 * or named values encoded as one segment each), the shape of daprdPath's arguments.
 * @example actorApiPath("InventoryActor", "sku/1", "state", { key: "state" }) // "/actors/InventoryActor/sku%2F1/state/state"
 */
export const actorApiPath = (type: string, id: string, ...parts: (string | Record<string, string>)[]) =>
  `/actors/${segment(type)}/${segment(id)}${parts
    .map((p) =>
      typeof p === "string"
        ? `/${p}`
        : Object.values(p)
            .map((v) => `/${segment(v)}`)
            .join(""),
    )
    .join("")}`;

/** An actor-scoped effect's path: its actor (or an error saying how to name one), then `parts`. */
export const actorPath = (e: ActorRef & { kind: string }, ...parts: (string | Record<string, string>)[]) => {
  const { type, id } = actorOf(e);
  return actorApiPath(type, id, ...parts);
};

export const actorSpan = (operation: string, type: string | undefined) => ({
  name: `${operation} ${type ?? "actor"}`,
  kind: "client" as const,
  attributes: { "rpc.system": "dapr", "dapr.actor.type": type ?? "", "db.operation.name": operation },
});

export const actorStateKind: EffectKind<ActorState> = {
  kind: "actorState",
  describe: (e) => `actorState ${e.type}/${e.id} ${e.operations.map((o) => `${o.operation} ${o.request.key}`).join(", ")}`,
  sidecar: {
    api: "actors.state",
    call: (e) => ({ api: "actors.state", method: "POST", path: actorPath(e, "state"), body: json(e.operations) }),
    span: (e) => actorSpan("saveActorState", e.type),
  },
};

export interface ActorStateParams {
  type: string;
  id: string;
  key: string;
}

/** One key of an actor's state, as a method's state input reads it (daprd: 204 for a key never written). */
export const actorStateInputKind: InputKind<ActorStateParams, "actorState"> = {
  kind: "actorState",
  api: "actors.state.get",
  describe: (p) => `actorState ${p.type}/${p.id}/${p.key}`,
  call: (p) => ({ api: "actors.state.get", method: "GET", path: actorApiPath(p.type, p.id, "state", { key: p.key }) }),
  read(p, res, schema): InputRead {
    if (res.status === 204 || res.body.length === 0) return { ok: true, value: undefined };
    const stored = storedValue(res.body, schema);
    if (!stored.ok) return { ok: false, fault: "invalid", reason: `state of actor ${p.type}/${p.id} fails its schema: ${stored.reason}` };
    return { ok: true, value: stored.value };
  },
  span: (p) => actorSpan("getActorState", p.type),
};
