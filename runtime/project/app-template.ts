// What the checks read from dapr.yaml: the app's health probe and the component folders daprd runs with.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { yaml } from "./yaml.ts";

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
