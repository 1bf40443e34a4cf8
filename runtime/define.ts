import type { GenericSchema, InferOutput } from "valibot";
import type { Effect } from "./kinds/effects.ts";
import type { InputValues } from "./kinds/input.ts";
import type { KnownInputs } from "./kinds/inputs.ts";
import type { ComponentName } from "./kinds/names.ts";
import type { TriggerEvents } from "./kinds/trigger.ts";
import type { Trigger } from "./kinds/triggers.ts";

/** What `handle` receives: the trigger kind's event, with `data` typed by the schema's output. */
export type HandlerEvent<T extends Trigger, D> = TriggerEvents<T, D>[T["kind"]];

// biome-ignore lint/suspicious/noConfusingVoidType: lets `handle` be a block that returns nothing
export type HandlerResult = Effect | readonly Effect[] | undefined | void;

type NoInputs = Record<never, never>;

/** Effects applied once per message (topic handlers): where the record of an applied message lives, and for how long. */
export interface IdempotencyOptions {
  /** The state store holding the records; state writes to this store are atomic with the record. Default `statestore`. */
  store?: ComponentName<"state">;
  /** How long a record is kept, in seconds. Default 86400 (a day): longer than any redelivery. */
  ttlSeconds?: number;
}

export interface Handler<T extends Trigger = Trigger, S extends GenericSchema = GenericSchema, I extends KnownInputs = NoInputs> {
  trigger: T;
  /** Validates `data` before `handle` runs; a failure is DROP (pub/sub) or 400 (invoke). */
  schema: S;
  /**
   * Declared reads, computed from the validated event and resolved before `handle` (independent
   * ones in parallel); `handle` gets their values as its second argument.
   */
  inputs?(event: HandlerEvent<T, InferOutput<S>>): I;
  /** Topic handlers apply a message's effects once (on by default); `false` turns it off. */
  idempotency?: IdempotencyOptions | false;
  // A method, not a function property: method parameters are checked bivariantly, so any concrete
  // handler is still a `Handler` where the testing kit and the runtime accept one.
  handle(
    event: HandlerEvent<T, InferOutput<S>>,
    ...inputs: keyof I extends never ? [inputs?: InputValues<I>] : [inputs: InputValues<I>]
  ): HandlerResult | Promise<HandlerResult>;
}

/**
 * Returns its argument; it exists so `event.data` is typed from the schema and the trigger stays literal.
 * @example export const onOrderCreated = defineHandler({ trigger: topic("pubsub", "orders"), schema: Order, handle: (e) => [] })
 */
export function defineHandler<const T extends Trigger, S extends GenericSchema, I extends KnownInputs = NoInputs>(
  handler: Handler<T, S, I>,
): Handler<T, S, I> {
  return handler;
}

/** The loose shape the runtime works with once types have done their job. */
// biome-ignore lint/suspicious/noExplicitAny: the runtime calls handlers of every trigger kind
export type AnyHandler = Handler<Trigger, GenericSchema, KnownInputs> & { handle: (event: any, inputs: any) => unknown };
