// What a built app knows of its YAML without parsing it: scripts/build.ts reads dapr.yaml and
// components/ once and writes the app id and the components as JSON, with the files' contents. At
// boot the runtime compares those contents with the files on disk (no YAML parser needed) and uses
// the snapshot only when every file is the same, so a changed or added component is never missed.
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { type ComponentInfo, loadComponents, yamlFiles } from "./components.ts";

/** Where scripts/build.ts writes the snapshot, relative to the project root. */
export const snapshotFile = ".daprlet/project.json";

export interface Snapshot {
  appId: string;
  components: ComponentInfo[];
  /** root-relative path → contents of every file the two came from */
  sources: Record<string, string>;
}

/** dapr.yaml and every YAML file under components/, as they are on disk now. */
function sourcesOf(root: string): Record<string, string> {
  const files = [join(root, "dapr.yaml"), ...yamlFiles(join(root, "components"))].filter((f) => existsSync(f));
  return Object.fromEntries(files.map((f) => [relative(root, f), readFileSync(f, "utf8")]));
}

/** Reads the project's components into a snapshot (at build time), with `appId` read from its dapr.yaml. */
export function snapshotProject(root: string, appId: string): Snapshot {
  return { appId, components: loadComponents(join(root, "components")), sources: sourcesOf(root) };
}

/** The snapshot, when there is one and dapr.yaml and components/ are still exactly what it was made from. */
export function readSnapshot(root: string): Snapshot | undefined {
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(join(root, snapshotFile), "utf8")) as Snapshot;
  } catch {
    return undefined;
  }
  const now = sourcesOf(root);
  const same =
    Object.keys(now).length === Object.keys(snapshot.sources).length &&
    Object.entries(now).every(([file, contents]) => snapshot.sources[file] === contents);
  return same ? snapshot : undefined;
}
