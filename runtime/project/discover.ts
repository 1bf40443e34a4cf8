import { readdirSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isActor } from "../actor.ts";
import type { AnyHandler } from "../define.ts";
import { describeHandler, type HandlerDescriptor } from "../descriptor.ts";
import { failWith } from "../errors.ts";
import { fanOut } from "../fan-out.ts";
import { describeTrigger, triggerKindOf, triggerKinds } from "../kinds/triggers.ts";
import { routeOverlaps, runtimeRoutes } from "../routes.ts";
import { isWorkflow, type Workflow } from "../workflow/define.ts";
import { topicProblems } from "./manifest.ts";

const handlerFile = /^[A-Za-z_$][\w$]*\.(ts|mts|js|mjs)$/;
const testFile = /\.(test|spec|test-d)\.[mc]?[jt]s$/;

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
    const handlers = Object.entries(mod).filter(([, value]) => isHandler(value) || isActor(value));
    if (handlers.length === 0) {
      if (Object.values(mod).some(isWorkflow)) continue; // a workflow file: discoverWorkflows reads it
      problems.push(
        `${file} exports no handler: add \`export const ${name} = defineHandler({ trigger, schema, handle })\` (or \`defineActor({ state, initial, methods })\`)`,
      );
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
    // An actor is one export and several routes: one per method, and its reminder and timer callbacks.
    const value = match[1];
    if (isActor(value)) for (const h of value.handlers(name)) descriptors.push(describeHandler(h.name, h.handler, file));
    else descriptors.push(describeHandler(name, value as AnyHandler, file));
  }
  problems.push(...findConflicts(descriptors), ...topicProblems(descriptors));
  failWith(problems, `handlers in ${relative(root, dir) || dir} are not valid`);
  // Handlers of one topic share its route (one Subscription path), each keeping its own verdict.
  return fanOut(descriptors);
}

function isHandler(value: unknown): value is AnyHandler {
  const v = value as Partial<AnyHandler> | null;
  return typeof v === "object" && v !== null && typeof v.handle === "function" && Object.hasOwn(triggerKinds, String(v.trigger?.kind));
}

/**
 * Two handlers may not answer the same delivery: each trigger kind says what its handlers claim,
 * and no route may overlap another handler's or the runtime's own (`/job/:name` would take every
 * firing of `job("report")`, depending on the file order).
 */
export function findConflicts(descriptors: HandlerDescriptor[]): string[] {
  const claims = new Map<string, HandlerDescriptor>();
  const problems: string[] = [];
  const claimants = new Map<string, Set<string>>();
  for (const d of descriptors) {
    for (const { key, what } of triggerKindOf(d.trigger).claims(d.trigger, d.route)) {
      claimants.set(key, (claimants.get(key) ?? new Set()).add(d.file));
      const other = claims.get(key);
      if (other && other !== d) problems.push(`${other.file} and ${d.file} both claim ${what}: keep one, or give them different triggers`);
      else claims.set(key, d);
    }
  }
  const routes = [
    ...runtimeRoutes.map((r) => ({ ...r, owner: "the runtime" })),
    ...descriptors.flatMap((d) =>
      triggerKindOf(d.trigger)
        .serves(d.trigger, d.route)
        .map((r) => ({ ...r, owner: d.file, what: describeTrigger(d.trigger) })),
    ),
  ];
  // Handlers sharing a claim (one job, one route) are reported as that, not again as an overlap.
  const sameClaim = (a: string, b: string) => [...claimants.values()].some((files) => files.has(a) && files.has(b));
  return [...problems, ...routeOverlaps(routes, sameClaim)];
}

/** A workflow found in `handlers/`: its name is its export's (and file's) name. */
export interface WorkflowDescriptor {
  name: string;
  file: string;
  workflow: Workflow;
}

/** The workflows in `dir` (files exporting `defineWorkflow(...)`), sorted by name; the file is named after the export. */
export async function discoverWorkflows(dir: string, root = resolve(dir, "..")): Promise<WorkflowDescriptor[]> {
  const found: WorkflowDescriptor[] = [];
  const problems: string[] = [];
  const files = readdirSync(dir, { withFileTypes: true }).filter((f) => f.isFile() && handlerFile.test(f.name) && !testFile.test(f.name));
  for (const f of files.map((f) => f.name).sort()) {
    const path = join(dir, f);
    const name = f.replace(/\.[mc]?[jt]s$/, "");
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    for (const [exported, value] of Object.entries(mod)) {
      if (!isWorkflow(value)) continue;
      if (exported !== name)
        problems.push(`${relative(root, path)} exports workflow ${exported}, not ${name}: name the export after the file`);
      else found.push({ name, file: relative(root, path), workflow: value });
    }
  }
  failWith(problems, `workflows in ${relative(root, dir) || dir} are not valid`);
  return found;
}
