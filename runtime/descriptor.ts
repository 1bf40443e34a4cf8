import type { AnyHandler, Handler } from "./define.ts";
import { type Trigger, triggerKindOf } from "./kinds/triggers.ts";

/**
 * One handler as plain data, found at boot and served at request time: routes, YAML, checks and
 * metrics are all derived from a list of these.
 */
export interface HandlerDescriptor {
  /** The export name, equal to the file name: `onOrderCreated`. */
  name: string;
  /** Path relative to the project root, for messages: `handlers/onOrderCreated.ts`. */
  file: string;
  trigger: Trigger;
  /** The path daprd calls. */
  route: string;
  handler: AnyHandler;
  /**
   * Set when other handlers share its deliveries (several handlers of one topic): the names of all
   * of them, sorted. They are served together from `route`, the first one's (runtime/fan-out.ts).
   */
  fanOut?: readonly string[];
}

/** A handler's descriptor; its route is its trigger kind's. */
export const describeHandler = (name: string, handler: Handler, file = `${name} (test)`): HandlerDescriptor => ({
  name,
  file,
  trigger: handler.trigger,
  route: triggerKindOf(handler.trigger).route(handler.trigger, name),
  handler: handler as AnyHandler,
});
