// The checks `npm run check` and start-up run over the handlers, the components and resiliency/:
// what a trigger needs, names in effect calls, retry windows, dead letters, deadlines and lock stores.
// Each asks the trigger's kind (needs, problems, subscription), never its name.
import type { HandlerDescriptor } from "../descriptor.ts";
import { goDuration } from "../kinds/job-schedule.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import type { AppHealth } from "./app-template.ts";
import { blockOf, type ComponentInfo } from "./components.ts";
import { inboundRetryOf, type ResiliencyDoc, retryWindowSeconds } from "./resiliency.ts";

const blockWord: Record<string, string> = {
  pubsub: "pub/sub",
  bindings: "binding",
  state: "state store",
  secretstores: "secret store",
  configuration: "configuration store",
};

/** The topic a handler subscribes to, if its trigger kind subscribes to one. */
const subscriptionOf = (d: HandlerDescriptor) => triggerKindOf(d.trigger).subscription?.(d.trigger);

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
    const t = subscriptionOf(d);
    if (!t) continue;
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

/** Names in effect and input calls (`saveState("statestore", …)`) that components/ (or the active profile) lacks. */
export function checkSourceNames(
  handlers: HandlerDescriptor[],
  components: ComponentInfo[],
  readSource: (file: string) => string,
  profiles: string[] | undefined,
): string[] {
  const problems: string[] = [];
  for (const d of handlers) {
    const source = readSource(d.file);
    // Profiles matter for what a delivery reads and writes: that fails every delivery (RETRY, then
    // the dead letter). A trigger whose component a profile lacks is only never delivered there
    // (an add-on profile such as mqtt/ brings it), which the start-up banner and logs show.
    for (const [pattern, block] of effectCalls) {
      for (const [, name] of source.matchAll(pattern)) {
        problems.push(...missing(d.file, block, name, components), ...notInProfile(d.file, block, name, components, profiles));
      }
    }
  }
  return problems;
}

/** Dead letters that would be sent on the first failure (no inbound retry), or to a topic nobody serves. */
export function checkDeadLetters(handlers: HandlerDescriptor[], components: ComponentInfo[], resiliency: ResiliencyDoc[]): string[] {
  const problems: string[] = [];
  for (const d of handlers) {
    const t = subscriptionOf(d);
    if (!t?.deadLetterTopic) continue;
    for (const c of components.filter((c) => c.name === t.pubsub && blockOf(c.type) === "pubsub")) {
      const retry = inboundRetryOf(c, resiliency);
      if (!retry || retry.maxRetries === 0) {
        problems.push(
          `${d.file} dead-letters ${t.topic} to ${t.deadLetterTopic}, but ${c.file} ("${c.name}") has no inbound retry policy in resiliency/: daprd would dead-letter on the first failure. Add targets.components.${c.name}.inbound.retry`,
        );
      }
    }
    const served = handlers.some((h) => {
      const s = subscriptionOf(h);
      return s?.pubsub === t.pubsub && s.topic === t.deadLetterTopic;
    });
    if (!served) {
      problems.push(
        `${d.file} dead-letters to ${t.pubsub}/${t.deadLetterTopic}, but no handler subscribes to it: dead letters would be lost. Add a handler with trigger topic("${t.pubsub}", "${t.deadLetterTopic}")`,
      );
    }
  }
  return problems;
}

/**
 * Warnings: a profile whose idempotency store's transactions are not atomic (state.redis) and that
 * has no lock store (a `lock.*` component). Two concurrent deliveries of one message (a message
 * Redis reclaimed beside the attempt still running) could then both apply its effects.
 */
export function lockStoreWarnings(input: { handlers: HandlerDescriptor[]; components: ComponentInfo[]; deadlineMs?: number }): string[] {
  const guarded = input.handlers.filter((d) => triggerKindOf(d.trigger).guarded && d.handler.idempotency !== false);
  const stores = new Set<string>(guarded.map((d) => (d.handler.idempotency ? d.handler.idempotency.store : undefined) ?? "statestore"));
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
