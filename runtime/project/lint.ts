// `npm run check`'s lint, gathered: the checks themselves live by family in checks.ts, resiliency.ts,
// workloads.ts and app-template.ts (re-exported here for the callers that import lint.ts).
import type { HandlerDescriptor } from "../descriptor.ts";
import type { AppHealth } from "./app-template.ts";
import { checkDeadLetters, checkDeadline, checkOutageWindow, checkSourceNames, checkTriggers } from "./checks.ts";
import type { ComponentInfo } from "./components.ts";
import type { ResiliencyDoc } from "./resiliency.ts";

export { type AppHealth, activeProfiles, loadAppHealth } from "./app-template.ts";
export { checkDeadLetters, checkDeadline, checkOutageWindow, checkSourceNames, checkTriggers, lockStoreWarnings } from "./checks.ts";
export { inboundRetryOf, loadResiliency, type ResiliencyDoc, type RetryPolicy, retryWindowSeconds } from "./resiliency.ts";
export { cronReplicaWarnings, loadWorkloads, type Workload } from "./workloads.ts";

/** Everything `npm run check` reports besides drift. (Handler files only: shared code in handlers/lib/ is not read.) */
export function lintProject(input: {
  handlers: HandlerDescriptor[];
  components: ComponentInfo[];
  resiliency: ResiliencyDoc[];
  readSource: (file: string) => string;
  /** dapr.yaml's health-check settings; without them the outage check is skipped. */
  health?: AppHealth;
  /** The runtime's delivery deadline (default DAPRLET_DEADLINE_MS, else 25 s). */
  deadlineMs?: number;
  /** The component folders daprd runs with (`activeProfiles`); without them every folder counts. */
  profiles?: string[];
}): string[] {
  const { handlers, components, resiliency, profiles } = input;
  const problems = checkTriggers(handlers, components);
  problems.push(...checkOutageWindow(handlers, components, resiliency, input.health));
  problems.push(...checkDeadline(handlers, components, resiliency, input.deadlineMs ?? Number(process.env.DAPRLET_DEADLINE_MS ?? 25_000)));
  problems.push(...checkSourceNames(handlers, components, input.readSource, profiles));
  problems.push(...checkDeadLetters(handlers, components, resiliency));
  return [...new Set(problems)];
}
