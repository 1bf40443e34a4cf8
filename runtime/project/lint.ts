import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import type { HandlerDescriptor } from "../descriptor.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import { blockOf, type ComponentInfo } from "./components.ts";

interface RetryPolicy {
  policy?: "constant" | "exponential";
  duration?: string;
  maxInterval?: string;
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

/** The YAML files directly in `dir`, sorted; none when it does not exist. */
function yamlFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch {
    return [];
  }
}

/** Every `kind: Resiliency` file in `dir` (daprd reads each file as one document). */
export function loadResiliency(dir: string): ResiliencyDoc[] {
  return yamlFilesIn(dir)
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

/** How daprd probes the app (dapr.yaml's app entry): it stops delivering after `threshold` failed probes. */
export interface AppHealth {
  enabled: boolean;
  intervalSeconds: number;
  threshold: number;
}

/** apps[0] of dapr.yaml (the app this project is), with daprd's defaults: probe every 5 s, 3 failures. */
export function loadAppHealth(root: string): AppHealth | undefined {
  let template: { apps?: Record<string, unknown>[] };
  try {
    template = parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as typeof template;
  } catch {
    return undefined;
  }
  const app = template.apps?.[0];
  if (!app) return undefined;
  return {
    enabled: app.enableAppHealthCheck === true,
    intervalSeconds: Number(app.appHealthProbeInterval ?? 5),
    threshold: Number(app.appHealthThreshold ?? 3),
  };
}

/** A Go duration (`1s`, `500ms`, `1m30s`) in seconds; undefined when it is not one. */
export function goDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const parts = [...String(text).matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join("") !== String(text)) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
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

/**
 * Topics whose deliveries stop being retried before daprd notices the app is down. A message in
 * flight when the app dies is retried; if its retries run out before daprd marks the app unhealthy
 * (and stops the subscription, which holds the message for redelivery), it is dead-lettered, its
 * dead-letter delivery fails the same way, and Redis (contrib ≥ 1.17) acknowledges it: lost.
 */
export function checkOutageWindow(
  handlers: HandlerDescriptor[],
  components: ComponentInfo[],
  resiliency: ResiliencyDoc[],
  health: AppHealth | undefined,
): string[] {
  if (!health) return [];
  const problems: string[] = [];
  const detect = health.intervalSeconds * health.threshold;
  for (const d of handlers) {
    const t = d.trigger;
    if (t.kind !== "topic") continue;
    for (const c of components.filter((c) => c.name === t.pubsub && blockOf(c.type) === "pubsub")) {
      const topics = t.deadLetterTopic ? `${t.topic} (and its dead-letter topic ${t.deadLetterTopic})` : t.topic;
      if (!health.enabled) {
        problems.push(
          `${d.file} subscribes to ${t.pubsub}/${topics}, but dapr.yaml does not enable the app health check: daprd never stops delivering to a dead app, so a message in flight during an outage longer than the retry window is lost. Set enableAppHealthCheck: true`,
        );
        continue;
      }
      const window = retryWindowSeconds(inboundRetryOf(c, resiliency));
      if (window > detect) continue;
      problems.push(
        `${d.file} subscribes to ${t.pubsub}/${topics}: ${c.file} ("${c.name}") retries a delivery for ${window} s (resiliency/), not longer than the ${detect} s daprd needs to notice the app is down (dapr.yaml: probe every ${health.intervalSeconds} s × threshold ${health.threshold}): messages in flight during an outage would be dead-lettered and then lost. Raise the inbound retry's duration × maxRetries, or probe more often`,
      );
    }
  }
  return problems;
}

/** Components a trigger needs. Missing ones make start-up fail: daprd would never deliver. */
export function checkTriggers(handlers: HandlerDescriptor[], components: ComponentInfo[]): string[] {
  const problems = handlers.flatMap((d) =>
    triggerKindOf(d.trigger)
      .needs(d.trigger)
      .flatMap((need) =>
        need.metadata ? missingMetadata(d.file, need.block, need.metadata, components) : missing(d.file, need.block, need.name, components),
      ),
  );
  return [...new Set(problems)]; // an actor's methods share one file and one need
}

function missingMetadata(file: string, block: string, metadata: Record<string, string>, components: ComponentInfo[]): string[] {
  const fits = (c: ComponentInfo) => blockOf(c.type) === block && Object.entries(metadata).every(([k, v]) => c.metadata[k] === v);
  if (components.some(fits)) return [];
  const wanted = Object.entries(metadata)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(", ");
  return [
    `${file} needs a ${blockWord[block]} with metadata ${wanted}, which no component in components/ has: add it to the state store of each profile`,
  ];
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
  /** dapr.yaml's health-check settings; without them the outage check is skipped. */
  health?: AppHealth;
}): string[] {
  const { handlers, components, resiliency } = input;
  const problems = checkTriggers(handlers, components);
  problems.push(...checkOutageWindow(handlers, components, resiliency, input.health));
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

/** A Kubernetes workload running a Dapr app, with how many replicas it may have. */
export interface Workload {
  /** The manifest it came from, relative to the project root. */
  file: string;
  kind: string;
  name: string;
  /** The `dapr.io/app-id` annotation of its pod template. */
  appId: string;
  /** `spec.replicas` (Kubernetes' default: 1). */
  replicas: number;
  /** The largest `maxReplicas` of an HPA that scales it, if any. */
  maxReplicas?: number;
}

interface K8sDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    replicas?: number;
    maxReplicas?: number;
    scaleTargetRef?: { kind?: string; name?: string };
    template?: { metadata?: { annotations?: Record<string, string> } };
  };
}

/** The Dapr-enabled Deployments and StatefulSets in `dir`'s YAML files, with the HPAs that scale them. */
export function loadWorkloads(dir: string, root: string): Workload[] {
  const docs = yamlFilesIn(dir).flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => ({
      file: relative(root, join(dir, f)),
      doc: (d.toJS() ?? {}) as K8sDoc,
    })),
  );
  const hpas = docs.filter(({ doc }) => doc.kind === "HorizontalPodAutoscaler");
  return docs.flatMap(({ file, doc }) => {
    const appId = doc.spec?.template?.metadata?.annotations?.["dapr.io/app-id"];
    if ((doc.kind !== "Deployment" && doc.kind !== "StatefulSet") || !appId || !doc.metadata?.name) return [];
    const scaling = hpas
      .map(({ doc: h }) => h.spec ?? {})
      .filter((s) => s.scaleTargetRef?.kind === doc.kind && s.scaleTargetRef?.name === doc.metadata?.name)
      .map((s) => s.maxReplicas ?? 1);
    const workload: Workload = { file, kind: doc.kind, name: doc.metadata.name, appId, replicas: doc.spec?.replicas ?? 1 };
    return [scaling.length ? { ...workload, maxReplicas: Math.max(...scaling) } : workload];
  });
}

/**
 * Warnings, not problems: a cron binding fires on every replica of the app (components-contrib
 * #1249), so a cron handler deployed with more than one replica runs once per replica per tick.
 */
export function cronReplicaWarnings(input: {
  handlers: HandlerDescriptor[];
  components: ComponentInfo[];
  appId: string;
  workloads: Workload[];
}) {
  const { handlers, components, appId } = input;
  const scaled = input.workloads.filter((w) => w.appId === appId && Math.max(w.replicas, w.maxReplicas ?? 0) > 1);
  if (scaled.length === 0) return [];
  const runs = scaled
    .map(
      (w) =>
        `${w.file} runs ${appId} with replicas: ${w.replicas}${w.maxReplicas !== undefined ? ` (an HPA scales it up to ${w.maxReplicas})` : ""}`,
    )
    .join("; ");
  return handlers.flatMap((d) => {
    const t = d.trigger;
    const cron = t.kind === "binding" ? components.find((c) => c.name === t.name && c.type === "bindings.cron") : undefined;
    if (!cron) return [];
    const schedule = cron.metadata.schedule ?? "…";
    return [
      `${d.file} is triggered by the cron binding "${cron.name}", which fires on every replica (components-contrib #1249), and ${runs}: it will run once per replica per tick. A job trigger fires once per tick across replicas: trigger: job("${d.name}", { schedule: "${schedule}" })`,
    ];
  });
}
