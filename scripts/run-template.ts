// The run template `npm start` hands the dapr CLI: dapr.yaml itself for a plain start; with a profile
// (`npm start postgres-kafka`) or in dev mode, a copy at .dapr/run.yaml (ignored) with every path
// absolute, the profile's components layered in, and the app under `node --watch`. dapr.yaml stays
// what the user edits.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { overriddenComponentFiles } from "../runtime/project/components.ts";

/** Merged component folders to bring up to date when components/ changes (dev mode). */
export interface Layer {
  folders: string[];
  out: string;
}

export interface RunTemplate {
  file: string;
  layers: Layer[];
  warnings: string[];
}

/**
 * The component folders (absolute, under `root`) merged into `out` in order: a later folder's
 * component replaces an earlier one of the same name (daprd refuses two). Files are copied, since
 * daprd's hot reload watches `out` (dev mode calls this again on every change), and named after their
 * folder so that two `pubsub.yaml` never collide. Only changed files are rewritten.
 */
export function layerComponents(root: string, folders: string[], out: string) {
  const componentsRoot = join(root, "components");
  const dropped = new Set(
    overriddenComponentFiles(
      root,
      folders.map((f) => f.slice(root.length + 1)),
    ).map((f) => join(root, f)),
  );
  mkdirSync(out, { recursive: true });
  const wanted = new Map<string, string>();
  for (const folder of folders) {
    for (const name of existsSync(folder) ? readdirSync(folder).sort() : []) {
      const file = join(folder, name);
      if (!/\.ya?ml$/.test(name) || dropped.has(file) || !statSync(file).isFile()) continue;
      const prefix = folder.slice(componentsRoot.length + 1).replaceAll("/", "-") || "components";
      wanted.set(`${prefix}--${name}`, file);
    }
  }
  for (const name of readdirSync(out)) if (!wanted.has(name)) rmSync(join(out, name), { force: true });
  for (const [name, file] of wanted) {
    const target = join(out, name);
    if (!existsSync(target) || !readFileSync(target).equals(readFileSync(file))) copyFileSync(file, target);
  }
}

export function writeRunTemplate(options: { root: string; file: string; dev: boolean; profiles: string[] }): RunTemplate {
  const { root, file, dev, profiles } = options;
  if (!dev && !profiles.length) return { file, layers: [], warnings: [] };
  const componentsRoot = join(root, "components");
  const isComponentFolder = (path: string) => path === componentsRoot || path.startsWith(`${componentsRoot}/`);
  const doc = parse(readFileSync(file, "utf8")) as { common?: Record<string, unknown>; apps?: Record<string, unknown>[] };
  const abs = (p: unknown) => resolve(dirname(file), String(p));
  const common = doc.common ?? {};
  if (common.resourcesPaths) common.resourcesPaths = (common.resourcesPaths as string[]).map(abs);
  for (const key of ["configFilePath", "runtimePath"]) if (common[key]) common[key] = abs(common[key]);
  const layers: Layer[] = [];
  const warnings: string[] = [];
  for (const app of doc.apps ?? []) {
    const appDir = abs(app.appDirPath ?? ".");
    app.appDirPath = appDir;
    const own = (app.resourcesPaths as string[] | undefined)?.map((p) => resolve(appDir, p));
    if (own) app.resourcesPaths = own;
    for (const key of ["configFilePath", "runtimePath"]) if (app[key]) app[key] = resolve(appDir, String(app[key]));
    const paths = own ?? (common.resourcesPaths as string[] | undefined) ?? [];
    // The profile goes on top of this project's component folders, in the app that loads them.
    if (profiles.length && paths.some(isComponentFolder)) {
      const folders = [...paths.filter(isComponentFolder), ...profiles.map((p) => join(componentsRoot, p))];
      // Not .dapr/resources: the CLI loads <appDir>/.dapr/resources, when it exists, instead of the
      // template's resourcesPaths (Multi-App Run's app-level resources; seen with CLI 1.16.5), so a
      // later plain `npm start` would run on the profile.
      const out = join(root, ".dapr", "layered", String(app.appID));
      layerComponents(root, folders, out);
      layers.push({ folders, out });
      const first = paths.findIndex(isComponentFolder);
      app.resourcesPaths = [...paths.slice(0, first), out, ...paths.slice(first).filter((p) => !isComponentFolder(p))];
    }
    if (!dev) continue;
    const command = app.command as string[] | undefined;
    if (command?.length && /(^|\/)node$/.test(command[0])) {
      app.command = [command[0], "--watch-path=handlers", "--watch-path=runtime", "--watch-preserve-output", ...command.slice(1)];
    } else {
      warnings.push(`dev: ${String(app.appID)}'s command does not start with node, so it is not restarted on change`);
    }
  }
  if (profiles.length && !layers.length) {
    throw new Error(`no app in ${file} loads folders under components/, so there is nothing to layer ${profiles.join(", ")} over`);
  }
  const out = join(root, ".dapr", "run.yaml");
  mkdirSync(dirname(out), { recursive: true });
  const what = [dev ? "--dev" : "", ...profiles].filter(Boolean).join(" ");
  writeFileSync(out, `# Generated by scripts/start.ts (${what}) from ${file}; do not edit.\n${stringify(doc)}`);
  return { file: out, layers, warnings };
}
