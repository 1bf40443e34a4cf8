import type { GenericSchema, InferOutput } from "valibot";
import type { Effect } from "./kinds/effects.ts";
import type { TriggerEvents } from "./kinds/trigger.ts";
import type { Trigger } from "./kinds/triggers.ts";

/** What `handle` receives: the trigger kind's event, with `data` typed by the schema's output. */
export type HandlerEvent<T extends Trigger, D> = TriggerEvents<T, D>[T["kind"]];

// biome-ignore lint/suspicious/noConfusingVoidType: lets `handle` be a block that returns nothing
export type HandlerResult = Effect | readonly Effect[] | undefined | void;

export interface Handler<T extends Trigger = Trigger, S extends GenericSchema = GenericSchema> {
  trigger: T;
  /** Validates `data` before `handle` runs; a failure is DROP (pub/sub) or 400 (invoke). */
  schema: S;
  // A method, not a function property: method parameters are checked bivariantly, so any concrete
  // handler is still a `Handler` where the testing kit and the runtime accept one.
  handle(event: HandlerEvent<T, InferOutput<S>>): HandlerResult | Promise<HandlerResult>;
}

/**
 * Returns its argument; it exists so `event.data` is typed from the schema and the trigger stays literal.
 * @example export const onOrderCreated = defineHandler({ trigger: topic("pubsub", "orders"), schema: Order, handle: (e) => [] })
 */
export function defineHandler<const T extends Trigger, S extends GenericSchema>(handler: Handler<T, S>): Handler<T, S> {
  return handler;
}

/** The loose shape the runtime works with once types have done their job. */
// biome-ignore lint/suspicious/noExplicitAny: the runtime calls handlers of every trigger kind
export type AnyHandler = Handler<Trigger, GenericSchema> & { handle: (event: any) => unknown };
