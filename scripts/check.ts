import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { type AppProject, accessManifests, type ClusterSettings, deniedCalls, generatedDir } from "../runtime/project/access.ts";
import type { AccessControlSpec } from "../runtime/project/acl.ts";
import { type ComponentInfo, loadComponents } from "../runtime/project/components.ts";
import { namesDeclaration } from "../runtime/project/declarations.ts";
import { discoverHandlers } from "../runtime/project/discover.ts";
import {
  activeProfiles,
  checkSourceNames,
  cronReplicaWarnings,
  lintProject,
  loadAppHealth,
  loadResiliency,
  loadWorkloads,
  lockStoreWarnings,
} from "../runtime/project/lint.ts";
import { type GeneratedFile, subscriptionManifests, subscriptionsDir } from "../runtime/project/manifest.ts";
import { loadProject } from "../runtime/project/project.ts";
import { topicFlowWarnings } from "../runtime/project/topic-flow.ts";

/** The project's hand-written cluster settings; without the file no access control is generated. */
export const clusterFile = "deploy/cluster.yaml";
/** The Configuration spec every app's generated one starts from (tracing, metrics). */
export const baseConfigurationFile = "deploy/configuration.yaml";

/** Every source file under `dir` but tests: the handlers and what they share (a call may live in handlers/lib/). */
function sourcesIn(dir: string, root: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.[mc]?[jt]s$/.test(f) && !/\.(test|spec|test-d)\.[mc]?[jt]s$|\.d\.ts$/.test(f))
    .sort()
    .map((f) => ({ file: relative(root, join(dir, f)), text: readFileSync(join(dir, f), "utf8") }));
}

/** The apps of dapr.yaml. */
const templateApps = (root: string) =>
  (parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as { apps?: { appID: string; appDirPath?: string }[] }).apps ?? [];

/** Every app of dapr.yaml, its handlers discovered in its own folder (`appDirPath`). */
async function loadApps(root: string): Promise<AppProject[]> {
  const apps: AppProject[] = [];
  for (const app of templateApps(root)) {
    const dir = resolve(root, app.appDirPath ?? ".");
    const handlers = await discoverHandlers(join(dir, "handlers"), root);
    apps.push({ appId: app.appID, handlers, sources: sourcesIn(join(dir, "handlers"), root) });
  }
  return apps;
}

/** deploy/kubernetes/components/: what the cluster runs, checked beside components/. */
export const kubernetesComponentsDir = "deploy/kubernetes/components";

/**
 * Every component any app may name, for the generated types: each profile of components/, the
 * Kubernetes ones, and the other apps' own folders (`<appDirPath>/components`).
 */
function everyComponent(root: string): ComponentInfo[] {
  const dirs = new Set(["components", kubernetesComponentsDir, ...templateApps(root).map((a) => join(a.appDirPath ?? ".", "components"))]);
  return [...dirs].flatMap((dir) => loadComponents(join(root, dir)));
}

/** Your own declaration files in handlers/ (ExternalTopics), not the generated one. */
const ownDeclarations = (root: string) =>
  readdirSync(join(root, "handlers"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".d.ts") && join("handlers", f) !== join("handlers", "daprlet.d.ts"))
    .map((f) => readFileSync(join(root, "handlers", f), "utf8"))
    .join("\n");

/** Names in effects and inputs that deploy/kubernetes/components/ lacks (when there is one): what the cluster would refuse. */
function kubernetesNames(root: string, handlers: Awaited<ReturnType<typeof loadProject>>["handlers"]): string[] {
  if (!existsSync(join(root, kubernetesComponentsDir))) return [];
  const components = loadComponents(join(root, kubernetesComponentsDir));
  return checkSourceNames(handlers, components, (file) => readFileSync(join(root, file), "utf8"), undefined).map((p) =>
    p.replace(
      "which components/ does not define",
      `which ${kubernetesComponentsDir}/ does not define (on Kubernetes every delivery using it fails)`,
    ),
  );
}

/** The per-app Configurations (access control, secret scopes), and what the ones on disk would deny. */
async function checkAccess(root: string): Promise<{ files: GeneratedFile[]; problems: string[] }> {
  if (!existsSync(join(root, clusterFile))) return { files: [], problems: [] };
  const cluster = parse(readFileSync(join(root, clusterFile), "utf8")) as ClusterSettings;
  const base = existsSync(join(root, baseConfigurationFile))
    ? ((parse(readFileSync(join(root, baseConfigurationFile), "utf8")) as { spec?: Record<string, unknown> }).spec ?? {})
    : {};
  const { files, calls, problems } = accessManifests(await loadApps(root), cluster, base);
  const onDisk = (appId: string) => {
    const path = join(root, generatedDir, `${appId}.yaml`);
    if (!existsSync(path)) return undefined;
    return (parse(readFileSync(path, "utf8")) as { spec?: { accessControl?: AccessControlSpec } }).spec?.accessControl;
  };
  return { files, problems: [...problems, ...deniedCalls(calls, onDisk)] };
}

/** Files in `dir` the generator owns but no longer writes. */
const stale = (root: string, dir: string, expected: GeneratedFile[]) =>
  (existsSync(join(root, dir)) ? readdirSync(join(root, dir)) : [])
    .filter((f) => /\.ya?ml$/.test(f) && !expected.some((e) => e.path === `${dir}/${f}`))
    .map((f) => `${dir}/${f}`);

/** Regenerates the Subscription and Configuration files in memory and compares them with disk; lints the YAML. Warnings do not fail the check. */
export async function checkProject(
  root: string,
): Promise<{ expected: GeneratedFile[]; stale: string[]; drift: string[]; problems: string[]; warnings: string[]; flow: string[] }> {
  const project = await loadProject(root);
  const access = await checkAccess(root);
  const apps = await loadApps(root);
  const declarations = namesDeclaration(
    apps.flatMap((a) => a.handlers),
    everyComponent(root),
    (file) => readFileSync(join(root, file), "utf8"),
  );
  const expected = [...subscriptionManifests(project.handlers, project.appId), declarations, ...access.files];
  const leftovers = [...stale(root, subscriptionsDir, expected), ...(access.files.length ? stale(root, generatedDir, expected) : [])];
  const drift = [
    ...expected.flatMap((f) => {
      const path = join(root, f.path);
      if (!existsSync(path)) return [`${f.path} is missing`];
      return readFileSync(path, "utf8") === f.contents ? [] : [`${f.path} differs from what the handlers generate`];
    }),
    ...leftovers.map((f) => `${f} matches no handler`),
  ];
  const problems = lintProject({
    handlers: project.handlers,
    components: project.components,
    resiliency: loadResiliency(join(root, "resiliency")),
    readSource: (file) => readFileSync(join(root, file), "utf8"),
    health: loadAppHealth(root),
    profiles: activeProfiles(root),
  });
  problems.push(...access.problems);
  const warnings = [
    ...cronReplicaWarnings({
      handlers: project.handlers,
      components: project.components,
      appId: project.appId,
      workloads: loadWorkloads(join(root, "deploy/kubernetes"), root),
    }),
    ...lockStoreWarnings({ handlers: project.handlers, components: project.components }),
  ];
  // Apart from `warnings`: what the sources say about topics and the cluster's components.
  const flow = [...topicFlowWarnings(apps, ownDeclarations(root)), ...kubernetesNames(root, project.handlers)];
  return { expected, stale: leftovers, drift, problems, warnings, flow };
}
