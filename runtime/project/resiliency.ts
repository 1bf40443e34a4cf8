// Resiliency as daprd reads it (resiliency/): the retry policy a component's deliveries get, and how
// long those retries last. Boot time only.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { goDuration } from "../kinds/job-schedule.ts";
import { blockOf, type ComponentInfo } from "./components.ts";
import { yaml } from "./yaml.ts";
import { yamlFilesIn } from "./yaml-files.ts";

export interface RetryPolicy {
  policy?: "constant" | "exponential";
  duration?: string;
  maxInterval?: string;
  maxRetries?: number;
}
/** The parts of a Resiliency resource the checks read. */
export interface ResiliencyDoc {
  file: string;
  spec?: {
    policies?: { retries?: Record<string, RetryPolicy>; timeouts?: Record<string, string> };
    targets?: { components?: Record<string, { inbound?: { retry?: string; timeout?: string }; outbound?: { retry?: string } }> };
  };
}

/** Every `kind: Resiliency` file in `dir` (daprd reads each file as one document). */
export function loadResiliency(dir: string): ResiliencyDoc[] {
  return yamlFilesIn(dir)
    .map((file) => ({ file, ...(yaml().parse(readFileSync(join(dir, file), "utf8")) as { kind?: string; spec?: ResiliencyDoc["spec"] }) }))
    .filter((doc) => doc.kind === "Resiliency");
}

const typeNames: Record<string, string> = { pubsub: "Pubsub", bindings: "Binding", state: "Statestore" };

/**
 * The retry policy daprd applies to a component's deliveries, following its lookup: an explicit
 * `targets.components.<name>.inbound`, else (only when the component is not a target at all)
 * the `Default…RetryPolicy` names from most to least specific.
 */
export function inboundRetryOf(component: ComponentInfo, docs: ResiliencyDoc[]): RetryPolicy | undefined {
  const policies = Object.assign({}, ...docs.map((d) => d.spec?.policies?.retries ?? {})) as Record<string, RetryPolicy>;
  const targets = docs.map((d) => d.spec?.targets?.components?.[component.name]).filter(Boolean);
  if (targets.length > 0) {
    const name = targets.map((t) => t?.inbound?.retry).findLast(Boolean);
    return name ? policies[name] : undefined;
  }
  const type = typeNames[blockOf(component.type)] ?? "";
  const defaults = [
    `Default${type}ComponentInboundRetryPolicy`,
    "DefaultComponentInboundRetryPolicy",
    "DefaultComponentRetryPolicy",
    "DefaultRetryPolicy",
  ];
  return defaults.map((n) => policies[n]).find(Boolean);
}

/**
 * The least time daprd keeps retrying one delivery before it gives up (dead-letters it, or hands
 * the error to the component): constant, duration × maxRetries; exponential (500 ms × 1.5ⁿ up to
 * maxInterval, randomised ±50 %), the sum of the shortest intervals, at most its 15-minute
 * maxElapsedTime. Unlimited retries: Infinity (constant) or 15 min (exponential). No policy: 0.
 */
export function retryWindowSeconds(policy: RetryPolicy | undefined): number {
  if (!policy) return 0;
  const retries = policy.maxRetries ?? -1;
  const maxElapsed = 15 * 60;
  if (policy.policy === "exponential") {
    if (retries < 0) return maxElapsed;
    const cap = goDuration(policy.maxInterval) ?? 60;
    let sum = 0;
    for (let i = 0; i < retries; i++) sum += Math.min(cap, 0.5 * 1.5 ** i) * 0.5;
    return Math.min(sum, maxElapsed);
  }
  if (retries < 0) return Number.POSITIVE_INFINITY;
  return (goDuration(policy.duration) ?? 5) * retries;
}
