import { readdirSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyHandler, Trigger } from "./define.ts";
import { failWith } from "./errors.ts";
import { subscriptionName } from "./manifest.ts";

/** One handler file, as plain data: everything else (routes, YAML, checks) is derived from a list of these. */
export interface HandlerDescriptor {
  /** The export name, equal to the file name: `onOrderCreated`. */
  name: string;
  /** Path relative to the project root, for messages: `handlers/onOrderCreated.ts`. */
  file: string;
  trigger: Trigger;
  /** The path daprd calls. */
  route: string;
  handler: AnyHandler;
}

const handlerFile = /^[A-Za-z_$][\w$]*\.(ts|mts|js|mjs)$/;
const testFile = /\.(test|spec|test-d)\.[mc]?[jt]s$/;

/** The HTTP path a trigger is served on. Bindings must be `/<component name>`: that is where daprd posts. */
export function routeOf(name: string, trigger: Trigger): string {
  if (trigger.kind === "binding") return `/${trigger.name}`;
  if (trigger.kind === "invoke") return trigger.path;
  return `/events/${name}`;
}

/** One line naming a trigger, for logs and conflicts: `topic pubsub/orders`. */
export function describeTrigger(trigger: Trigger): string {
  if (trigger.kind === "topic") return `topic ${trigger.pubsub}/${trigger.topic}${trigger.match ? ` [${trigger.match}]` : ""}`;
  if (trigger.kind === "binding") return `binding ${trigger.name}`;
  return `${trigger.method} ${trigger.path}`;
}

/**
 * Imports every handler file in `dir` and returns them sorted by name. Throws one error listing
 * every file that breaks the convention, each with its fix.
 */
export async function discoverHandlers(dir: string, root = resolve(dir, "..")): Promise<HandlerDescriptor[]> {
  const sources = readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && /\.[mc]?[jt]s$/.test(f.name) && !testFile.test(f.name) && !f.name.endsWith(".d.ts"))
    .map((f) => f.name)
    .sort();
  const files = sources.filter((f) => handlerFile.test(f));
  const problems = sources
    .filter((f) => !handlerFile.test(f))
    .map(
      (f) =>
        `${relative(root, join(dir, f))} is not a valid handler file name: name it after its export, e.g. onOrderCreated.ts (shared code goes in a sub-folder such as handlers/lib/)`,
    );
  const descriptors: HandlerDescriptor[] = [];
  for (const entry of files) {
    const path = join(dir, entry);
    const file = relative(root, path);
    const name = basename(entry).replace(/\.[mc]?[jt]s$/, "");
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    const handlers = Object.entries(mod).filter(([, value]) => isHandler(value));
    if (handlers.length === 0) {
      problems.push(`${file} exports no handler: add \`export const ${name} = defineHandler({ trigger, schema, handle })\``);
      continue;
    }
    const match = handlers.find(([exported]) => exported === name);
    if (!match) {
      const names = handlers.map(([n]) => n).join(", ");
      problems.push(`${file} exports ${names}, not ${name}: name the export after the file (or rename the file)`);
      continue;
    }
    if (handlers.length > 1) {
      const others = handlers.filter(([n]) => n !== name).map(([n]) => n);
      problems.push(`${file} exports more than one handler (${others.join(", ")}): move each into a file of its own`);
      continue;
    }
    const handler = match[1] as AnyHandler;
    descriptors.push({ name, file, trigger: handler.trigger, route: routeOf(name, handler.trigger), handler });
  }
  problems.push(...findConflicts(descriptors));
  failWith(problems, `handlers in ${relative(root, dir) || dir} are not valid`);
  return descriptors;
}

function isHandler(value: unknown): value is AnyHandler {
  const v = value as Partial<AnyHandler> | null;
  return typeof v === "object" && v !== null && typeof v.handle === "function" && typeof v.trigger?.kind === "string";
}

/** Two handlers may not answer the same delivery. Handlers of one topic must differ by `match` rule. */
export function findConflicts(descriptors: HandlerDescriptor[]): string[] {
  const claims = new Map<string, HandlerDescriptor>();
  const problems: string[] = [];
  const claim = (key: string, d: HandlerDescriptor, what: string) => {
    const other = claims.get(key);
    if (other) problems.push(`${other.file} and ${d.file} both claim ${what}: keep one, or give them different triggers`);
    else claims.set(key, d);
  };
  for (const d of descriptors) {
    const t = d.trigger;
    if (t.kind === "topic") claim(`topic ${t.pubsub}/${t.topic}/${t.match ?? ""}`, d, describeTrigger(t));
    if (t.kind === "binding") claim(`route POST ${d.route}`, d, describeTrigger(t));
    if (t.kind === "invoke") claim(`route ${t.method} ${t.path.replace(/:\w+/g, ":")}`, d, describeTrigger(t));
  }
  // Handlers of one topic become one Subscription, so they must agree on its topic-wide settings.
  const byTopic = Map.groupBy(
    descriptors.filter((d) => d.trigger.kind === "topic"),
    (d) => (d.trigger.kind === "topic" ? `${d.trigger.pubsub}/${d.trigger.topic}` : ""),
  );
  // Topics whose Subscription names collide (`orders.created` and `orders-created`) would overwrite one file.
  const byName = Map.groupBy(byTopic.keys(), (key) => subscriptionName(key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)));
  for (const [name, keys] of byName) {
    if (keys.length > 1) problems.push(`topics ${keys.join(" and ")} both become Subscription "${name}": rename one topic`);
  }
  for (const [key, group] of byTopic) {
    const settings = new Set(group.map((d) => (d.trigger.kind === "topic" ? subscriptionSettings(d.trigger) : "")));
    if (settings.size > 1) {
      problems.push(
        `${group.map((d) => d.file).join(" and ")} subscribe to ${key} with different deadLetterTopic, rawPayload, bulk or metadata: one Subscription serves them all, so make these options equal`,
      );
    }
  }
  return problems;
}

const subscriptionSettings = (t: Extract<Trigger, { kind: "topic" }>) =>
  JSON.stringify([t.deadLetterTopic ?? "", t.rawPayload ?? false, t.bulk ?? null, t.metadata ?? {}]);
