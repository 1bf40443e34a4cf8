import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { HandlerDescriptor } from "../descriptor.ts";
import { goDuration } from "../kinds/job-schedule.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import { blockOf, type ComponentInfo } from "./components.ts";
import { yaml } from "./yaml.ts";

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
    policies?: { retries?: Record<string, RetryPolicy>; timeouts?: Record<string, string> };
    targets?: { components?: Record<string, { inbound?: { retry?: string; timeout?: string }; outbound?: { retry?: string } }> };
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
    template = yaml().parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as typeof template;
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

/**
 * Triggers whose component's inbound timeout (resiliency/) is not longer than the delivery
 * deadline (DAPRLET_DEADLINE_MS, 25 s by default): daprd would give up on a delivery and retry it
 * while the first attempt is still applying effects, instead of the runtime answering RETRY first.
 */
export function checkDeadline(
  handlers: HandlerDescriptor[],
  components: ComponentInfo[],
  resiliency: ResiliencyDoc[],
  deadlineMs: number,
): string[] {
  const timeouts = Object.assign({}, ...resiliency.map((d) => d.spec?.policies?.timeouts ?? {})) as Record<string, string>;
  return handlers.flatMap((d) =>
    triggerKindOf(d.trigger)
      .needs(d.trigger)
      .flatMap((need) => components.filter((c) => c.name === need.name && blockOf(c.type) === need.block))
      .flatMap((c) => {
        const timeout = resiliency.map((r) => r.spec?.targets?.components?.[c.name]?.inbound?.timeout).findLast(Boolean);
        const seconds = timeout ? goDuration(timeouts[timeout] ?? timeout) : undefined;
        if (seconds === undefined || seconds * 1000 > deadlineMs) return [];
        return [
          `${d.file} is delivered through ${c.file} ("${c.name}"), whose inbound timeout in resiliency/ (${timeouts[timeout as string] ?? timeout}) is not longer than the delivery deadline of ${deadlineMs} ms: daprd would retry a delivery while its first attempt still applies effects. Raise the timeout, or set DAPRLET_DEADLINE_MS below it`,
        ];
      }),
  );
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

/**
 * Components a trigger needs, and what its kind finds wrong with it (a schedule the scheduler
 * would refuse). Either makes start-up fail: daprd would never deliver.
 */
export function checkTriggers(handlers: HandlerDescriptor[], components: ComponentInfo[]): string[] {
  const problems = handlers.flatMap((d) => {
    const kind = triggerKindOf(d.trigger);
    return [
      ...(kind.problems?.(d.trigger) ?? []).map((p) => `${d.file}: ${p}`),
      ...kind
        .needs(d.trigger)
        .flatMap((need) =>
          need.metadata
            ? missingMetadata(d.file, need.block, need.metadata, components)
            : missing(d.file, need.block, need.name, components),
        ),
    ];
  });
  return [...new Set(problems)]; // an actor's methods share one file and one need
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

/**
 * The component folders daprd loads by default: `DAPRLET_PROFILES` (comma-separated, besides
 * common/), else the `./components/<folder>` entries of dapr.yaml's resourcesPaths (common and
 * apps[0]). Undefined when every component is loaded (a flat components/) or nothing says.
 */
export function activeProfiles(root: string, env: Record<string, string | undefined> = process.env): string[] | undefined {
  if (env.DAPRLET_PROFILES) return ["common", ...env.DAPRLET_PROFILES.split(",").map((p) => p.trim())];
  let template: { common?: { resourcesPaths?: string[] }; apps?: { resourcesPaths?: string[] }[] };
  try {
    template = yaml().parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as typeof template;
  } catch {
    return undefined;
  }
  const paths = [...(template.common?.resourcesPaths ?? []), ...(template.apps?.[0]?.resourcesPaths ?? [])].map((p) =>
    p.replace(/^\.\//, ""),
  );
  if (paths.some((p) => p.replace(/\/$/, "") === "components")) return undefined;
  const folders = paths.flatMap((p) => /^components\/([^/]+)\/?$/.exec(p)?.[1] ?? []);
  return folders.length ? folders : undefined;
}

/** A component an input or effect names that exists in some profile but not in the active one. */
function notInProfile(file: string, block: string, name: string, components: ComponentInfo[], profiles: string[] | undefined): string[] {
  if (!profiles) return [];
  const matching = components.filter((c) => c.name === name && blockOf(c.type) === block);
  if (matching.length === 0 || matching.some((c) => profiles.includes(c.file.split("/")[0]))) return [];
  const where = [...new Set(matching.map((c) => c.file.split("/")[0]))];
  const active = profiles.map((p) => `components/${p}`).join(" + ");
  return [
    `${file} names ${blockWord[block]} "${name}", which the active profile (${active}) lacks: there every delivery fails reading or writing it (RETRY, then the dead letter). It is in ${where.map((w) => `components/${w}/`).join(", ")}: check and run that profile (DAPRLET_PROFILES=${where[0]} npm run check; npm start ${where[0]}), or add "${name}" to ${active.split(" + ").at(-1)}/`,
  ];
}

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
  for (const d of handlers) {
    const source = input.readSource(d.file);
    // Profiles matter for what a delivery reads and writes: that fails every delivery (RETRY, then
    // the dead letter). A trigger whose component a profile lacks is only never delivered there
    // (an add-on profile such as mqtt/ brings it), which the start-up banner and logs show.
    for (const [pattern, block] of effectCalls) {
      for (const [, name] of source.matchAll(pattern)) {
        problems.push(...missing(d.file, block, name, components), ...notInProfile(d.file, block, name, components, profiles));
      }
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
    yaml()
      .parseAllDocuments(readFileSync(join(dir, f), "utf8"))
      .map((d) => ({
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

/**
 * Warnings: a profile whose idempotency store's transactions are not atomic (state.redis) and that
 * has no lock store (a `lock.*` component). Two concurrent deliveries of one message (a message
 * Redis reclaimed beside the attempt still running) could then both apply its effects.
 */
export function lockStoreWarnings(input: { handlers: HandlerDescriptor[]; components: ComponentInfo[]; deadlineMs?: number }): string[] {
  const guarded = input.handlers.filter((d) => triggerKindOf(d.trigger).guarded && d.handler.idempotency !== false);
  const stores = new Set(guarded.map((d) => (d.handler.idempotency ? d.handler.idempotency.store : undefined) ?? "statestore"));
  const profileOf = (c: ComponentInfo) => c.file.split("/").slice(0, -1).join("/");
  const unlocked = input.components
    .filter((c) => c.type === "state.redis" && stores.has(c.name))
    .filter((c) => !input.components.some((l) => l.type.startsWith("lock.") && profileOf(l) === profileOf(c)))
    .map(
      (c) =>
        `${c.file} ("${c.name}") is state.redis, whose transactions are not atomic, and ${profileOf(c) || "components/"} has no lock store: two concurrent deliveries of one message can both apply its effects. Add a lock.redis component (see components/redis/lockstore.yaml)`,
    );
  // A message's lock lives the deadline + 5 s (serve/guarantees.ts); Redis reclaims a dead
  // replica's message after processingTimeout, which must find that lock gone.
  const lockSeconds = Math.ceil((input.deadlineMs ?? Number(process.env.DAPRLET_DEADLINE_MS ?? 25_000)) / 1000) + 5;
  const early = guarded.length
    ? input.components
        .filter(
          (c) => c.type === "pubsub.redis" && input.components.some((l) => l.type.startsWith("lock.") && profileOf(l) === profileOf(c)),
        )
        .filter((c) => {
          const raw = c.metadata.processingTimeout ?? "60000";
          const seconds = /^\d+$/.test(raw) ? Number(raw) / 1000 : goDuration(raw);
          return seconds !== undefined && seconds > 0 && seconds <= lockSeconds;
        })
        .map(
          (c) =>
            `${c.file} ("${c.name}") reclaims a message after processingTimeout ${c.metadata.processingTimeout}, while a delivery's lock lives ${lockSeconds} s (the deadline + 5 s): a message reclaimed from a dead replica would be refused until the lock expires. Raise processingTimeout above ${lockSeconds * 1000}, or lower DAPRLET_DEADLINE_MS`,
        )
    : [];
  return [...unlocked, ...early];
}
