// Actors as data: a method is a pure reducer (state, input, context) → { state, reply, effects }.
// `defineActor` compiles each method into an ordinary handler whose input reads the actor's state
// and whose `handle` returns [actorState(...), reply(200, ...), ...effects]: the pipeline runs it as
// any other delivery, and daprd holds the actor's lock until the answer, after the effects.
import { type GenericSchema, type InferOutput, object, optional, safeParse, string, unknown } from "valibot";
import type { Handler } from "./define.ts";
import type { ActorEvent, ActorSettings, ActorTrigger } from "./kinds/actor.ts";
import type { InvokeActor } from "./kinds/actor-call.ts";
import { type ActorRef, actorState, actorStateInputKind } from "./kinds/actor-state.ts";
import { actorErrorHeader } from "./kinds/actor-wire.ts";
import { drop } from "./kinds/drop.ts";
import type { Effect } from "./kinds/effects.ts";
import type { Input, Inputs, InputValues } from "./kinds/input.ts";
import { reply } from "./kinds/reply.ts";
import { summarizeIssues } from "./kinds/verdict.ts";

/** What a method knows besides its state and input. */
export interface ActorContext {
  /** The actor id (e.g. the product sku). */
  id: string;
  type: string;
  method: string;
  /** The time of this turn: use it instead of `Date.now()`, so a test can fix it. */
  now: Date;
  reentrancyId?: string;
}

/**
 * What a method returns. `state`: the new state, written in one actor-state transaction (leave it
 * out to change nothing); `reply`: the caller's answer; `effects`: run after the write, before the
 * answer, while daprd holds the actor's lock. `error`: refuse the call; nothing is written or run,
 * and the caller gets it with daprd's actor-error header.
 */
export interface MethodResult<S> {
  state?: S;
  reply?: unknown;
  effects?: readonly Effect[];
  error?: unknown;
}

/** A method: callable with plain values in a test, and carrying its input schema and inputs for the runtime. */
export type Method<S, I extends GenericSchema = GenericSchema, O extends MethodResult<S> = MethodResult<S>, V = unknown> = ((
  state: S,
  input: InferOutput<I>,
  ctx: ActorContext,
  inputs?: V,
) => O) & {
  input: I;
  /** Reads the method needs besides its state, as a handler declares them. */
  inputs?: (event: ActorEvent<InferOutput<I>>) => Inputs;
};

export interface MethodOptions<I extends GenericSchema, In extends Inputs> {
  inputs?: (event: ActorEvent<InferOutput<I>>) => In;
}

/** The `method` helper `defineActor` hands to `methods`, with the state type already fixed. */
export interface MethodMaker<S> {
  <const O extends MethodResult<S>>(run: (state: S, input: unknown, ctx: ActorContext) => O): Method<S, GenericSchema<unknown, unknown>, O>;
  <I extends GenericSchema, const O extends MethodResult<S>>(
    input: I,
    run: (state: S, input: InferOutput<I>, ctx: ActorContext) => O,
  ): Method<S, I, O>;
  /** With reads: `options` comes before `run`, so `run`'s fourth argument is typed from `options.inputs`. */
  <I extends GenericSchema, In extends Inputs, const O extends MethodResult<S>>(
    input: I,
    options: MethodOptions<I, In>,
    run: (state: S, input: InferOutput<I>, ctx: ActorContext, inputs: InputValues<In>) => O,
  ): Method<S, I, O, InputValues<In>>;
}

/** Any method of an actor whose state is `S` (inputs differ per method, hence `any`). */
// biome-ignore lint/suspicious/noExplicitAny: each method has its own input, reply and inputs
export type Methods<S> = Record<string, Method<S, any, any, any>>;

export interface ActorDefinition<St extends GenericSchema, M extends Methods<InferOutput<St>>> {
  /** Validates the stored state when it is read and the new state before it is written. */
  state: St;
  /** The state of an actor never written to. */
  initial: () => InferOutput<St>;
  /** The methods, by name: `methods: (method) => ({ reserve: method(Input, (state, input, ctx) => …) })`. */
  methods: (method: MethodMaker<InferOutput<St>>) => M;
  /** Idle timeout, drain and reentrancy, as daprd hosts the type. */
  settings?: ActorSettings;
}

/** A defined actor: its methods, callable in tests, and the handlers the runtime serves (one per method, plus reminders and timers). */
export interface Actor<St extends GenericSchema = GenericSchema, M extends Methods<InferOutput<St>> = Methods<InferOutput<St>>> {
  kind: "actorDefinition";
  state: St;
  initial: () => InferOutput<St>;
  methods: M;
  settings?: ActorSettings;
  /** The handlers for this actor, hosted as actor type `type` (the export's name): `<type>.<method>`, `<type>.remind`, `<type>.timer`. */
  handlers(type: string): { name: string; handler: Handler }[];
}

/** The key the whole state object is kept under (one key: a turn writes it in one transaction). */
export const stateKey = "state";
const stateInput = "$state";
// A reminder's or timer's data: which method it delivers to, and that method's input.
const Callback = object({ method: string(), input: optional(unknown()) });

const makeMethod = ((...args: unknown[]) => {
  const [input, run, options] =
    typeof args[0] === "function" ? [unknown(), args[0], undefined] : args.length === 3 ? [args[0], args[2], args[1]] : args;
  return Object.assign((...call: unknown[]) => (run as (...a: unknown[]) => unknown)(...call), {
    input,
    ...((options as MethodOptions<GenericSchema, Inputs> | undefined)?.inputs
      ? { inputs: (options as MethodOptions<GenericSchema, Inputs>).inputs }
      : {}),
  });
}) as MethodMaker<never>;

/**
 * An actor type: the file's export name is the type daprd routes by (`handlers/InventoryActor.ts`
 * → `PUT /v1.0/actors/InventoryActor/<id>/method/<name>`).
 * @example export const Counter = defineActor({ state: v.object({ n: v.number() }), initial: () => ({ n: 0 }), methods: (method) => ({ add: method(v.number(), (s, by) => ({ state: { n: s.n + by }, reply: s.n + by })) }) })
 */
export function defineActor<St extends GenericSchema, M extends Methods<InferOutput<St>>>(
  definition: ActorDefinition<St, M>,
): Actor<St, M> {
  const methods = definition.methods(makeMethod as unknown as MethodMaker<InferOutput<St>>);
  for (const name of Object.keys(methods))
    if (name === "remind" || name === "timer")
      throw new TypeError(`actor method "${name}" collides with daprd's ${name} callback route: rename it`);
  const actor: Actor<St, M> = {
    kind: "actorDefinition",
    state: definition.state,
    initial: definition.initial,
    methods,
    ...(definition.settings ? { settings: definition.settings } : {}),
    handlers: (type) => [
      ...Object.entries(methods).map(([name, m]) => ({ name: `${type}.${name}`, handler: methodHandler(actor, type, name, m) })),
      ...(["remind", "timer"] as const).map((callback) => ({
        name: `${type}.${callback}`,
        handler: callbackHandler(actor, type, callback),
      })),
    ],
  };
  return actor;
}

/** Any defined actor, whatever its state and methods: what discovery and the testing kit accept. */
// biome-ignore lint/suspicious/noExplicitAny: state types differ per actor
export type AnyActor = Actor<GenericSchema, Methods<any>>;

export const isActor = (value: unknown): value is AnyActor =>
  typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "actorDefinition";

// biome-ignore lint/suspicious/noExplicitAny: the runtime runs every method alike
type AnyMethod = Method<any>;
type Values = Record<string, unknown>;

const trigger = (actor: AnyActor, type: string, method: string, callback?: "remind" | "timer"): ActorTrigger => ({
  kind: "actor",
  type,
  method,
  ...(callback ? { callback } : {}),
  ...(actor.settings ? { settings: actor.settings } : {}),
});

const readsOf = (actor: AnyActor, m: AnyMethod | undefined, event: ActorEvent<unknown>): Inputs => ({
  ...reentrant(m?.inputs?.(event) ?? {}, event.reentrancyId),
  [stateInput]: {
    kind: actorStateInputKind.kind,
    params: () => ({ type: event.type, id: event.id, key: stateKey }),
    schema: actor.state,
  } satisfies Input,
});

function methodHandler(actor: AnyActor, type: string, name: string, m: AnyMethod): Handler {
  return {
    trigger: trigger(actor, type, name),
    schema: m.input,
    inputs: (event) => readsOf(actor, m, event as ActorEvent<unknown>),
    handle: (event, values) => turn(actor, m, event as ActorEvent<unknown>, values as Values),
  } as Handler;
}

/** Reminders and timers carry `{ method, input }`: the turn runs that method with that input. */
function callbackHandler(actor: AnyActor, type: string, callback: "remind" | "timer"): Handler {
  const methodOf = (event: { data: { method: string } }) => (actor.methods as Record<string, AnyMethod>)[event.data.method];
  return {
    trigger: trigger(actor, type, callback, callback),
    schema: Callback,
    inputs: (event) => {
      const e = event as ActorEvent<{ method: string; input?: unknown }>;
      return readsOf(actor, methodOf(e), { ...e, data: e.data.input, method: e.data.method });
    },
    handle: (event, values) => {
      const e = event as ActorEvent<{ method: string; input?: unknown }>;
      const m = methodOf(e);
      const what = `${callback === "remind" ? "reminder" : "timer"} ${e.callback?.name} of ${type}/${e.id}`;
      if (!m) return drop(`${what} names no method "${e.data.method}": known ${Object.keys(actor.methods).join(", ")}`);
      const input = safeParse(m.input, e.data.input);
      if (!input.success) return drop(`${what}: input of ${e.data.method} is invalid: ${summarizeIssues(input.issues).join("; ")}`);
      return turn(actor, m, { ...e, data: input.output, method: e.data.method }, values as Values);
    },
  } as Handler;
}

/** One turn: run the reducer on the stored (or initial) state, then the effects as data, in order. */
function turn(actor: AnyActor, m: AnyMethod, event: ActorEvent<unknown>, values: Values): Effect[] {
  const stored = values[stateInput];
  const state = stored === undefined ? actor.initial() : stored;
  const ctx: ActorContext = { id: event.id, type: event.type, method: event.method, now: new Date() };
  if (event.reentrancyId) ctx.reentrancyId = event.reentrancyId;
  const { [stateInput]: _, ...inputs } = values;
  const result = m(state, event.data, ctx, inputs);
  if (result.error !== undefined) return [reply(200, result.error, { [actorErrorHeader]: "true" })];
  const own = { type: event.type, id: event.id };
  const effects = (result.effects ?? []).map((e) => addressed(e, own, event.reentrancyId));
  if (result.state === undefined) return [reply(200, result.reply), ...effects];
  const checked = safeParse(actor.state, result.state);
  if (!checked.success)
    throw new TypeError(
      `${event.type}.${event.method} returned a state that fails its schema: ${summarizeIssues(checked.issues).join("; ")}`,
    );
  return [
    actorState([{ operation: "upsert", request: { key: stateKey, value: checked.output } }], own),
    reply(200, result.reply),
    ...effects,
  ];
}

/** A method's calls to other actors (callActor inputs) carry the turn's reentrancy id, as its invokeActor effects do. */
function reentrant(inputs: Inputs, reentrancyId: string | undefined): Inputs {
  if (!reentrancyId) return inputs;
  const carried = (input: Input): Input =>
    input.kind === "callActor" ? { ...input, params: (earlier) => ({ reentrancyId, ...(input.params(earlier) as object) }) } : input;
  return Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, carried(input)]));
}

const actorScoped = new Set<string>(["actorState", "setReminder", "deleteReminder", "setTimer", "deleteTimer"]);

/** Actor-scoped effects default to this actor; calls to other actors carry this turn's reentrancy id. */
function addressed(e: Effect, own: Required<Pick<ActorRef, "type" | "id">>, reentrancyId: string | undefined): Effect {
  if (actorScoped.has(e.kind)) {
    const ref = e as ActorRef;
    return ref.type && ref.id ? e : ({ ...e, type: ref.type ?? own.type, id: ref.id ?? own.id } as Effect);
  }
  if (e.kind === "invokeActor" && reentrancyId && !(e as InvokeActor).reentrancyId) return { ...e, reentrancyId };
  return e;
}
