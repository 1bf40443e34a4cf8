import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { activeProfiles, cronReplicaWarnings, lintProject, loadAppHealth, loadResiliency, loadWorkloads } from "../runtime/project/lint.ts";
import { type GeneratedFile, subscriptionManifests, subscriptionsDir } from "../runtime/project/manifest.ts";
import { loadProject } from "../runtime/project/project.ts";

/** Regenerates the Subscription files in memory and compares them with disk; lints the YAML. Warnings do not fail the check. */
export async function checkProject(
  root: string,
): Promise<{ expected: GeneratedFile[]; drift: string[]; problems: string[]; warnings: string[] }> {
  const project = await loadProject(root);
  const expected = subscriptionManifests(project.handlers, project.appId);
  const dir = join(root, subscriptionsDir);
  const onDisk = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
  const drift = [
    ...expected.flatMap((f) => {
      const path = join(root, f.path);
      if (!existsSync(path)) return [`${f.path} is missing`];
      return readFileSync(path, "utf8") === f.contents ? [] : [`${f.path} differs from what the handlers generate`];
    }),
    ...onDisk
      .filter((f) => !expected.some((e) => e.path === `${subscriptionsDir}/${f}`))
      .map((f) => `${subscriptionsDir}/${f} matches no handler`),
  ];
  const problems = lintProject({
    handlers: project.handlers,
    components: project.components,
    resiliency: loadResiliency(join(root, "resiliency")),
    readSource: (file) => readFileSync(join(root, file), "utf8"),
    health: loadAppHealth(root),
    profiles: activeProfiles(root),
  });
  const warnings = cronReplicaWarnings({
    handlers: project.handlers,
    components: project.components,
    appId: project.appId,
    workloads: loadWorkloads(join(root, "deploy/kubernetes"), root),
  });
  return { expected, drift, problems, warnings };
}
