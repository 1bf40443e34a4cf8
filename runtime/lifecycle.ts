import { safeParseAsync } from "valibot";
import type { AnyHandler } from "./define.ts";
import { describeEffect, type Effect, isEffect, isSidecarEffect, type SidecarEffect } from "./effects.ts";
import type { Parsed } from "./envelope.ts";
import { decide, errorText, type Issues, type Verdict } from "./outcome.ts";

/** Carries out one effect against the sidecar; throws when the sidecar refuses. */
export type Executor = (effect: SidecarEffect, context: EffectContext) => Promise<void>;

export interface EffectContext {
  /** Headers to send with the sidecar call (trace context), so daprd's spans join the delivery's trace. */
  headers: Record<string, string>;
}

/** Everything a delivery led to: the answer, what the handler returned, why input was refused. */
export interface Evaluation<E = unknown> {
  verdict: Verdict;
  effects: Effect[];
  issues?: Issues;
  /** The event `handle` received (after validation), when it got that far. */
  event?: E;
  /** The sidecar effect that failed and stopped the rest (metrics count failures by its kind). */
  failedEffect?: SidecarEffect;
}

/**
 * Parse result → validation → `handle` → verdict. No I/O: the kit's `runHandler` and the HTTP
 * routes both call this, so a test sees exactly what daprd would be answered.
 */
export async function evaluate<E extends { data: unknown }>(handler: AnyHandler, parsed: Parsed<E>): Promise<Evaluation<E>> {
  if (!parsed.ok) return { verdict: decide({ parseError: parsed }), effects: [] };
  let event = parsed.event;
  if (handler.schema) {
    let result: Awaited<ReturnType<typeof safeParseAsync>>;
    try {
      result = await safeParseAsync(handler.schema, event.data);
    } catch (thrown) {
      // A transform that throws is still bad input, not a reason to redeliver the same bytes.
      const issue = { message: `schema threw: ${errorText(thrown)}` } as Issues[number];
      return { verdict: decide({ issues: [issue] }), effects: [], issues: [issue] };
    }
    if (!result.success) return { verdict: decide({ issues: result.issues }), effects: [], issues: result.issues };
    event = { ...event, data: result.output };
  }
  let returned: unknown;
  try {
    returned = await handler.handle(event);
  } catch (thrown) {
    return { verdict: decide({ thrown }), effects: [], event };
  }
  const effects = toEffects(returned);
  if (!effects) {
    const thrown = new TypeError(`handle returned ${JSON.stringify(returned)}: return an effect, a list of effects, or nothing`);
    return { verdict: decide({ thrown }), effects: [], event };
  }
  return { verdict: decide({ effects }), effects, event };
}

function toEffects(returned: unknown): Effect[] | undefined {
  if (returned === undefined || returned === null) return [];
  const list = Array.isArray(returned) ? returned : [returned];
  return list.every(isEffect) ? list : undefined;
}

/**
 * Runs the sidecar effects in order. The first failure stops the rest and turns the delivery
 * into RETRY (an invoked route answers 502), so resiliency retries the whole delivery.
 */
export async function settle<E>(evaluation: Evaluation<E>, execute: Executor, context: EffectContext): Promise<Evaluation<E>> {
  const effects = evaluation.effects.filter(isSidecarEffect);
  for (const [index, effect] of effects.entries()) {
    try {
      await execute(effect, context);
    } catch (error) {
      const reason = `effect ${index + 1} of ${effects.length} (${describeEffect(effect)}) failed: ${errorText(error)}`;
      return { ...evaluation, verdict: { status: "RETRY", reason, cause: "effect" }, failedEffect: effect };
    }
  }
  return evaluation;
}
