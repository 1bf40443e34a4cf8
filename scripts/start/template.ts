// The run template, read the way the CLI reads it (apps inherit what they leave unset from `common`), and
// the command line: profiles (folders under components/) and at most one template.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import { StartError } from "./supervisor.ts";

export interface App {
  appID: string;
  appDir: string;
  ports: { port: number; what: string }[];
  daprHTTPPort?: number;
  appPort?: number;
  schedulerHostAddress: string;
  /** Empty when the app runs without actors. */
  placementHostAddress: string;
  daprdLogOnConsole: boolean;
}

/** The apps of a run template (a dapr.yaml, or a folder holding one). */
export function readTemplate(path: string): { file: string; apps: App[] } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "dapr.yaml") : path;
  if (!existsSync(file)) throw new StartError(`no run template at ${file}: pass a dapr.yaml (npm start [template])`);
  const doc = parse(readFileSync(file, "utf8")) as { common?: Record<string, unknown>; apps?: Record<string, unknown>[] };
  const apps = (doc.apps ?? []).map((own) => {
    const app = { ...doc.common, ...own } as Record<string, unknown>;
    const appDir = resolve(dirname(file), String(own.appDirPath ?? "."));
    const port = (key: string) => (typeof app[key] === "number" && (app[key] as number) > 0 ? (app[key] as number) : undefined);
    const ports = ["appPort", "daprHTTPPort", "daprGRPCPort", "daprInternalGRPCPort", "metricsPort", "profilePort"]
      .filter((key) => port(key) !== undefined && (key !== "profilePort" || app.enableProfiling === true))
      .map((key) => ({ port: port(key)!, what: `${key} of ${String(app.appID)} in ${file}` }));
    // In run-file mode the CLI turns an absent or empty schedulerHostAddress into localhost:50006.
    const scheduler = String(app.schedulerHostAddress ?? "").trim() || "localhost";
    return {
      appID: String(app.appID ?? appDir.split("/").pop()),
      appDir,
      ports,
      daprHTTPPort: port("daprHTTPPort"),
      appPort: port("appPort"),
      schedulerHostAddress: scheduler.includes(":") ? scheduler : `${scheduler}:50006`,
      placementHostAddress: String(app.placementHostAddress ?? "").trim(),
      daprdLogOnConsole: ["console", "fileAndConsole"].includes(String(app.daprdLogDestination ?? "file")),
    };
  });
  if (!apps.length) throw new StartError(`${file} lists no apps`);
  return { file, apps };
}

/** `npm start [profile ...] [template]`: a bare name with a folder under components/ is a profile. */
export function readArguments(root: string, args: string[]) {
  const profiles: string[] = [];
  const templates: string[] = [];
  for (const arg of args.filter((a) => !a.startsWith("--"))) {
    const path = resolve(root, arg);
    const profileDir = join(root, "components", arg);
    if (!arg.includes("/") && !arg.endsWith(".yaml") && existsSync(profileDir) && statSync(profileDir).isDirectory()) profiles.push(arg);
    else if (existsSync(path)) templates.push(path);
    else {
      const known = readdirSync(join(root, "components")).filter((d) => statSync(join(root, "components", d)).isDirectory());
      throw new StartError(
        `${arg} is neither a profile (a folder under components/: ${known.join(", ")}) nor a run template.\n` +
          "  Usage: npm start [profile ...] [template]   e.g. npm start postgres-kafka",
      );
    }
  }
  if (templates.length > 1) throw new StartError(`one run template at a time, not ${templates.join(" and ")}`);
  return { profiles, template: templates[0] ?? join(root, "dapr.yaml") };
}
