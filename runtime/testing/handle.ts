import * as v from "valibot";
import type { Handler, HandlerEvent } from "../define.ts";
import type { Effect } from "../kinds/effects.ts";
import type { InputValues } from "../kinds/input.ts";
import type { KnownInputs as Inputs } from "../kinds/inputs.ts";
import type { Trigger } from "../kinds/triggers.ts";
import { summarizeIssues } from "../kinds/verdict.ts";
import { bindingEvent, configurationEvent, invokeEvent, jobEvent, jobFamilyEvent, topicEvent } from "./builders.ts";

type TriggerOfKind<K> = Extract<Trigger, { kind: K }>;
/**
 * A sample event for each trigger kind, around already-validated data and under the test's own
 * fields (`overrides`, laid over it after). A new kind without one does not compile.
 */
const sampleEvents: { [K in Trigger["kind"]]: (trigger: TriggerOfKind<K>, data: unknown, overrides: Record<string, unknown>) => object } = {
  topic: (t, data) => topicEvent(data, { topic: t.topic, pubsubname: t.pubsub }),
  binding: (t, data) => bindingEvent(data, { binding: t.name }),
  invoke: (_t, data) => invokeEvent(data),
  job: (t, data) => jobEvent(data, { job: t.name }),
  // A family job's name follows the test's key (unless the test names the job too).
  jobFamily: (t, data, o) => jobFamilyEvent({ trigger: t }, typeof o.key === "string" ? o.key : "key", data),
  configurationChanged: (t, data) => configurationEvent(t.store, data),
  // An actor method's handler (made by defineActor): the call daprd sends to one actor id.
  // An activity's call as the workflow worker hands it over: its instance and task id.
  activity: (_t, data) => ({ data, instanceId: "instance-1", taskId: 1, id: "instance-1-1" }),
  actor: (t, data) => ({ data, id: "actor-1", type: t.type, method: t.method, headers: {} }),
};

type EventOverrides<T extends Trigger, S extends v.GenericSchema> = Partial<Omit<HandlerEvent<T, v.InferOutput<S>>, "data">>;
type CallOptions<T extends Trigger, S extends v.GenericSchema, I extends Inputs> = {
  /** The event's other fields (a topic event's `id`, an invoked route's `params`, a job's `dueAt`…). */
  event?: EventOverrides<T, S>;
} & (keyof I extends never ? { inputs?: InputValues<I> } : { /** The inputs' values, as plain data. */ inputs: InputValues<I> });

/**
 * Calls `handle` as the runtime would after parsing: `data` (plain values, typed by the schema's
 * input) goes through the handler's schema first, so a sample the schema rejects fails the test
 * with the issues; the event around it is a sample of the trigger's kind. Returns the effects.
 * @example expect(await callHandle(onShipmentLate, { orderId: "o-1" }, { inputs: { shipment } })).toEqual([publish(...)])
 */
export async function callHandle<T extends Trigger, S extends v.GenericSchema, I extends Inputs>(
  handler: Handler<T, S, I>,
  data: v.InferInput<S>,
  ...[options]: keyof I extends never ? [options?: CallOptions<T, S, I>] : [options: CallOptions<T, S, I>]
): Promise<Effect[]> {
  const parsed = await v.safeParseAsync(handler.schema, data);
  if (!parsed.success) throw new Error(`the handler's schema rejects this data: ${summarizeIssues(parsed.issues)}`);
  const t = handler.trigger;
  const overrides = (options?.event ?? {}) as Record<string, unknown>;
  const sample = (sampleEvents[t.kind] as (trigger: Trigger, data: unknown, o: Record<string, unknown>) => object)(
    t,
    parsed.output,
    overrides,
  );
  const event = { ...sample, ...overrides, data: parsed.output } as HandlerEvent<T, v.InferOutput<S>>;
  const call = handler.handle as (event: unknown, inputs: unknown) => unknown;
  const result = (await call(event, options?.inputs ?? {})) as Effect | readonly Effect[] | undefined;
  return result === undefined ? [] : Array.isArray(result) ? [...result] : [result as Effect];
}
