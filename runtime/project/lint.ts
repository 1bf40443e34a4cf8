import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { HandlerDescriptor } from "../descriptor.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import { blockOf, type ComponentInfo } from "./components.ts";

interface RetryPolicy {
  maxRetries?: number;
}
/** The parts of a Resiliency resource the checks read. */
export interface ResiliencyDoc {
  file: string;
  spec?: {
    policies?: { retries?: Record<string, RetryPolicy> };
    targets?: { components?: Record<string, { inbound?: { retry?: string }; outbound?: { retry?: string } }> };
  };
}

/** Every `kind: Resiliency` file in `dir` (daprd reads each file as one document). */
export function loadResiliency(dir: string): ResiliencyDoc[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch {
    return [];
  }
  return files
    .map((file) => ({ file, ...(parse(readFileSync(join(dir, file), "utf8")) as { kind?: string; spec?: ResiliencyDoc["spec"] }) }))
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

const blockWord: Record<string, string> = {
  pubsub: "pub/sub",
  bindings: "binding",
  state: "state store",
  secretstores: "secret store",
  configuration: "configuration store",
};

/** Components a trigger needs. Missing ones make start-up fail: daprd would never deliver. */
export function checkTriggers(handlers: HandlerDescriptor[], components: ComponentInfo[]): string[] {
  return handlers.flatMap((d) =>
    triggerKindOf(d.trigger)
      .needs(d.trigger)
      .flatMap((need) => missing(d.file, need.block, need.name, components)),
  );
}

function missing(file: string, block: string, name: string, components: ComponentInfo[]): string[] {
  if (components.some((c) => c.name === name && blockOf(c.type) === block)) return [];
  const known = components.filter((c) => blockOf(c.type) === block).map((c) => c.name);
  return [
    `${file} names ${blockWord[block]} "${name}", which components/ does not define (known: ${[...new Set(known)].join(", ") || "none"}): add a Component with metadata.name "${name}" or fix the name`,
  ];
}

// Effects and inputs name their targets with string literals; a static read of the handler file
// catches typos before daprd does. Names built at run time are not seen here (the sidecar then
// answers 4xx/5xx, and the delivery is retried).
const effectCalls: [RegExp, string][] = [
  [/\b(?:saveState|deleteState|transaction|state|states)\(\s*["'`]([^"'`$]+)["'`]/g, "state"],
  [/\bsecret\(\s*["'`]([^"'`$]+)["'`]/g, "secretstores"],
  [/\bconfiguration\(\s*["'`]([^"'`$]+)["'`]/g, "configuration"],
  [/\bpublish\(\s*["'`]([^"'`$]+)["'`]/g, "pubsub"],
  [/\binvokeBinding\(\s*["'`]([^"'`$]+)["'`]/g, "bindings"],
];

/** Everything `npm run check` reports besides drift. (Handler files only: shared code in handlers/lib/ is not read.) */
export function lintProject(input: {
  handlers: HandlerDescriptor[];
  components: ComponentInfo[];
  resiliency: ResiliencyDoc[];
  readSource: (file: string) => string;
}): string[] {
  const { handlers, components, resiliency } = input;
  const problems = checkTriggers(handlers, components);
  for (const d of handlers) {
    const source = input.readSource(d.file);
    for (const [pattern, block] of effectCalls) {
      for (const [, name] of source.matchAll(pattern)) problems.push(...missing(d.file, block, name, components));
    }
  }
  for (const d of handlers) {
    const t = d.trigger;
    if (t.kind !== "topic" || !t.deadLetterTopic) continue;
    for (const c of components.filter((c) => c.name === t.pubsub && blockOf(c.type) === "pubsub")) {
      const retry = inboundRetryOf(c, resiliency);
      if (!retry || retry.maxRetries === 0) {
        problems.push(
          `${d.file} dead-letters ${t.topic} to ${t.deadLetterTopic}, but ${c.file} ("${c.name}") has no inbound retry policy in resiliency/: daprd would dead-letter on the first failure. Add targets.components.${c.name}.inbound.retry`,
        );
      }
    }
    const served = handlers.some(
      (h) => h.trigger.kind === "topic" && h.trigger.pubsub === t.pubsub && h.trigger.topic === t.deadLetterTopic,
    );
    if (!served) {
      problems.push(
        `${d.file} dead-letters to ${t.pubsub}/${t.deadLetterTopic}, but no handler subscribes to it: dead letters would be lost. Add a handler with trigger topic("${t.pubsub}", "${t.deadLetterTopic}")`,
      );
    }
  }
  return [...new Set(problems)];
}
