import { type GenericSchema, safeParse } from "valibot";
import { actorApiPath, actorSpan } from "./actor-state.ts";
import { actorErrorHeader, reentrancyHeader } from "./actor-wire.ts";
import { type EffectKind, json } from "./effect.ts";
import { type Earlier, type Input, type InputKind, type InputRead, type Later, resolveLater } from "./input.ts";
import { summarizeIssues } from "./verdict.ts";
import { readJson, text } from "./wire.ts";

/**
 * An actor's answer as `handle` receives it: `ok` with the method's reply, or not ok with the error
 * it answered (bad input, a refusal, a throw: daprd's error header). A failed call never reaches
 * `handle`: the delivery is retried (an invoked route answers 502).
 */
export type ActorAnswer<R> = { ok: true; reply: R } | { ok: false; error: unknown };

interface ActorCallParams {
  type: string;
  id: string;
  method: string;
  body?: unknown;
  reentrancyId?: string;
}

const callPath = (p: { type: string; id: string; method: string }) => actorApiPath(p.type, p.id, "method", { method: p.method });
const callHeaders = (p: { body?: unknown; reentrancyId?: string }) => ({
  ...(p.body !== undefined ? { "content-type": "application/json" } : {}),
  ...(p.reentrancyId ? { [reentrancyHeader]: p.reentrancyId } : {}),
});

/** What a typed actor call needs to know of the actor: its methods' reply types (type-level only). */
// biome-ignore lint/suspicious/noExplicitAny: any method signature
type MethodsOf<A> = A extends { methods: infer M } ? M : Record<string, (...args: any[]) => unknown>;
type ReplyOf<F> = F extends (...args: never[]) => infer O ? (O extends { reply?: infer R } ? Exclude<R, undefined> : unknown) : unknown;

export interface ActorCallOptions {
  /** A turn of another actor: its `Dapr-Reentrancy-Id`, so a call back into it re-enters instead of waiting. */
  reentrancyId?: string;
  /** Validates the reply; one that fails is treated like a failed call. */
  schema?: GenericSchema;
  after?: readonly string[];
  when?: (earlier: Earlier) => boolean;
}

/**
 * Calls an actor's method before `handle`, which gets its typed reply. Pass the actor's definition
 * for the types (`type` is its export name).
 * @example inputs: ({ data }) => ({ stock: callActor<typeof InventoryActor, "reserve">("InventoryActor", data.sku, "reserve", { order: data.orderId, quantity: 1 }) })
 */
export function callActor<A = unknown, M extends keyof MethodsOf<A> & string = keyof MethodsOf<A> & string>(
  type: string,
  id: Later<string>,
  method: M,
  body?: Later<unknown>,
  options: ActorCallOptions = {},
): Input<ActorAnswer<ReplyOf<MethodsOf<A>[M]>>, ActorCallParams, "callActor"> {
  return {
    kind: "callActor",
    params: (earlier) => ({
      type,
      id: resolveLater(id, earlier),
      method,
      ...(body !== undefined ? { body: resolveLater(body, earlier) } : {}),
      ...(options.reentrancyId ? { reentrancyId: options.reentrancyId } : {}),
    }),
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.after ? { after: options.after } : {}),
    ...(options.when ? { when: options.when } : {}),
  };
}

export const callActorInputKind: InputKind<ActorCallParams, "callActor"> = {
  kind: "callActor",
  api: "actors.invoke",
  describe: (p) => `callActor ${p.type}/${p.id}.${p.method}`,
  call: (p) => ({
    api: "actors.invoke",
    method: "PUT",
    path: callPath(p),
    ...(p.body !== undefined ? { body: json(p.body) } : {}),
    headers: callHeaders(p),
    answerAny: true,
  }),
  read(p, res, schema): InputRead {
    const parsed = readJson(res.body);
    const body = res.body.length === 0 ? undefined : parsed.ok ? parsed.value : text(res.body);
    if (res.status !== 200)
      return { ok: false, fault: "unavailable", reason: `actor ${p.type}/${p.id}.${p.method} answered ${res.status}` };
    if (res.headers.has(actorErrorHeader)) return { ok: true, value: { ok: false, error: body } };
    if (!schema) return { ok: true, value: { ok: true, reply: body } };
    const result = safeParse(schema, body);
    if (!result.success)
      return {
        ok: false,
        fault: "unavailable",
        reason: `actor ${p.type}/${p.id}.${p.method} replied with a body that fails its schema: ${summarizeIssues(result.issues).join("; ")}`,
      };
    return { ok: true, value: { ok: true, reply: result.output } };
  },
  span: (p) => ({ ...actorSpan("callActor", p.type), name: `callActor ${p.type}.${p.method}` }),
  example: { type: "InventoryActor", id: "sku-1", method: "reserve", body: { quantity: 1 } },
};

/** A call to an actor's method whose reply nobody waits on; an error answer or a failed call is a failure. */
export interface InvokeActor {
  kind: "invokeActor";
  type: string;
  id: string;
  method: string;
  body?: unknown;
  /** Filled in by the runtime inside an actor turn (its own `Dapr-Reentrancy-Id`). */
  reentrancyId?: string;
}

/** @example invokeActor("InventoryActor", sku, "release", { order }) */
export const invokeActor = (type: string, id: string, method: string, body?: unknown): InvokeActor => ({
  kind: "invokeActor",
  type,
  id,
  method,
  ...(body === undefined ? {} : { body }),
});

export const invokeActorKind: EffectKind<InvokeActor> = {
  kind: "invokeActor",
  describe: (e) => `invokeActor ${e.type}/${e.id}.${e.method}`,
  sidecar: {
    api: "actors.invoke",
    call: (e) => ({
      api: "actors.invoke",
      method: "PUT",
      path: callPath(e),
      ...(e.body !== undefined ? { body: json(e.body) } : {}),
      headers: callHeaders(e),
    }),
    span: (e) => ({ ...actorSpan("invokeActor", e.type), name: `invokeActor ${e.type}.${e.method}` }),
    example: invokeActor("InventoryActor", "sku-1", "release", { quantity: 1 }),
  },
};
