import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HandlerDescriptor } from "../descriptor.ts";
import { DaprletError, failWith } from "../errors.ts";
import { type ComponentInfo, loadComponents } from "./components.ts";
import { discoverHandlers, discoverWorkflows, type WorkflowDescriptor } from "./discover.ts";
import { checkTriggers } from "./lint.ts";
import { readSnapshot } from "./snapshot.ts";
import { yaml } from "./yaml.ts";

/** A daprlet project, read from disk into plain data. */
export interface Project {
  root: string;
  appId: string;
  handlers: HandlerDescriptor[];
  /** Workflows in handlers/: the app dials daprd's workflow stream only when there is one (or an activity). */
  workflows: WorkflowDescriptor[];
  components: ComponentInfo[];
}

/**
 * The app id comes from the Multi-App Run template, the one place a user sets it; generated
 * Subscriptions are scoped to it. APP_ID (set by `dapr run`) wins when present.
 */
export function readAppId(root: string): string {
  return process.env.APP_ID || appIdOf(root);
}

/** apps[0].appID of `root`'s dapr.yaml. */
export function appIdOf(root: string): string {
  const file = join(root, "dapr.yaml");
  if (!existsSync(file)) throw new DaprletError(`${file} not found: daprlet reads the app id from apps[0].appID there`);
  const template = yaml().parse(readFileSync(file, "utf8")) as { apps?: { appID?: string }[] };
  const appId = template.apps?.[0]?.appID;
  if (!appId) throw new DaprletError(`dapr.yaml has no apps[0].appID: set it, e.g. "appID: order-service"`);
  return appId;
}

/** Discovers handlers and components and refuses to start when a trigger names a missing component. */
export async function loadProject(root = process.cwd()): Promise<Project> {
  const abs = resolve(root);
  const handlers = await discoverHandlers(join(abs, "handlers"), abs);
  const workflows = await discoverWorkflows(join(abs, "handlers"), abs);
  // A built app (scripts/build.ts) has its YAML already read, unless a file changed since.
  const snapshot = readSnapshot(abs);
  const components = snapshot?.components ?? loadComponents(join(abs, "components"));
  failWith(checkTriggers(handlers, components), "handlers name components that do not exist");
  const appId = snapshot ? process.env.APP_ID || snapshot.appId : readAppId(abs);
  return { root: abs, appId, handlers, workflows, components };
}
