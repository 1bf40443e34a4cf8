import type { Effect } from "./effects.ts";
import type { Issues, Verdict } from "./verdict.ts";

/** How one message ended: the verdict and everything behind it. Observers receive it as is. */
export interface Outcome<E = unknown> {
  verdict: Verdict;
  /** What `handle` returned, in order (empty when it did not get that far). */
  effects: Effect[];
  /** The schema's issues when validation failed. */
  issues?: Issues;
  /** The event `handle` received (after validation), when it got that far. */
  event?: E;
  /** The sidecar effect that failed and stopped the rest (metrics count failures by its kind). */
  failedEffect?: Effect;
  /** Which attempt at this message this was, when the runtime can tell (topic handlers). */
  attempt?: number;
  /** Its effects had been applied by an earlier delivery: nothing was applied again. */
  duplicate?: boolean;
  /** How many times `handle` ran because a concurrent write changed what it read (ETag conflicts). */
  conflicts?: number;
  /** The trace id, given to an outside caller instead of daprd's own error text. */
  correlationId?: string;
}
