import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { yaml } from "./yaml.ts";

/** One Dapr Component document found under `components/`, as plain data. */
export interface ComponentInfo {
  name: string;
  /** e.g. `pubsub.in-memory`, `state.redis`, `bindings.cron` */
  type: string;
  /** The file it came from, relative to the components root. */
  file: string;
  metadata: Record<string, string>;
}

/** The building block a component type belongs to: `pubsub.redis` → `pubsub`. */
export const blockOf = (type: string) => type.split(".")[0] ?? "";

/**
 * Reads every Component in `dir` and its sub-folders (each sub-folder is a profile, such as
 * `embedded/` or `redis/`; a name may be defined once per profile).
 */
export function loadComponents(dir: string): ComponentInfo[] {
  const found: ComponentInfo[] = [];
  for (const file of yamlFiles(dir)) {
    for (const doc of yaml().parseAllDocuments(readFileSync(file, "utf8"))) {
      const value = doc.toJS() as {
        kind?: string;
        metadata?: { name?: string };
        spec?: { type?: string; metadata?: { name: string; value?: unknown }[] };
      } | null;
      if (value?.kind !== "Component" || !value.metadata?.name || !value.spec?.type) continue;
      const metadata = Object.fromEntries((value.spec.metadata ?? []).map((m) => [m.name, String(m.value ?? "")]));
      found.push({ name: value.metadata.name, type: value.spec.type, file: relative(dir, file), metadata });
    }
  }
  return found.sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
}

/**
 * Profiles layered in one daprd: `folders` (relative to `root`) in load order. daprd refuses two
 * components with one name, so a component a later folder defines again replaces the earlier one:
 * these are the earlier files to leave out (relative to `root`), e.g. `components/common/receipts.yaml`
 * under `components/common` + `components/aws`. Used by the E2E harness on its copy.
 */
export function overriddenComponentFiles(root: string, folders: string[]): string[] {
  const later = new Set<string>();
  const dropped: string[] = [];
  for (const folder of [...folders].reverse()) {
    const components = loadComponents(join(root, folder));
    for (const c of components) if (later.has(c.name)) dropped.push(join(folder, c.file));
    for (const c of components) later.add(c.name);
  }
  return [...new Set(dropped)].sort();
}

/** The YAML files in `dir` and its sub-folders, sorted; none when it does not exist. */
export function yamlFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}
