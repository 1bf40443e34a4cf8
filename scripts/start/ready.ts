// Readiness, as daprd sees it, and what the CLI's output says about processes that ended.
import { expectedSubscriptions } from "./subscriptions.ts";
import { StartError, sleep } from "./supervisor.ts";
import type { App } from "./template.ts";

/** What the CLI's output has told so far (terminal.ts fills it in). */
export interface Watch {
  /** When daprd logged "App entered healthy status" (0: not healthy). */
  healthySince: number;
  appExit?: string;
  daprdExit?: string;
  appLines: string[];
}

/** The CLI's words for a process that ended (cli: cmd/run.go startAppProcess, startDaprdProcess). */
export function exitOf(line: string, who: "App" | "daprd") {
  const error = new RegExp(`The ${who} process exited with error code: (.*)$`).exec(line);
  if (error) return error[1];
  return line.includes(who === "App" ? "Exited App successfully" : "Exited Dapr successfully") ? "exit status 0" : undefined;
}

/** The app's exit, with its last lines of output. */
export function crashReport(app: Pick<App, "appID">, watch: Watch, when: string) {
  const lines = watch.appLines.length ? watch.appLines.map((l) => `  ${l}`).join("\n") : "  (no output)";
  return `the app ${app.appID} exited ${when} (${watch.appExit}). Its last output:\n${lines}`;
}

/**
 * Resolves when daprd's healthz is 204, it lists every subscription, finds the app healthy and (when this
 * script runs them) is connected to the scheduler and placement; fails at once when the app or daprd exits.
 */
export async function waitReady(app: App, watch: Watch, opts: { scheduled: boolean; placed: boolean; timeoutMs: number }) {
  const { scheduled, placed, timeoutMs } = opts;
  const want = expectedSubscriptions(app.appDir);
  const deadline = Date.now() + timeoutMs;
  let state = "daprd has not answered yet";
  while (Date.now() < deadline) {
    if (watch.appExit) throw new StartError(crashReport(app, watch, "during start-up"));
    if (watch.daprdExit) throw new StartError(`daprd exited during start-up (${watch.daprdExit}); its log is above`);
    const base = `http://127.0.0.1:${app.daprHTTPPort}/v1.0`;
    try {
      const healthz = (await fetch(`${base}/healthz`)).status;
      const meta = (await (await fetch(`${base}/metadata`)).json()) as {
        subscriptions?: { pubsubname: string; topic: string }[];
        scheduler?: { connected_addresses?: string[] };
        actorRuntime?: { placement?: string };
      };
      const listed = new Set((meta.subscriptions ?? []).map((s) => `${s.pubsubname}/${s.topic}`));
      const missing = want.filter((t) => !listed.has(t));
      // daprd starts the subscriptions right after it finds the app healthy, which it logs but does not
      // expose in the metadata (pkg/runtime appHealthChanged → StartAppSubscriptions; declarative
      // subscriptions get no log line of their own): give it a moment past that line.
      const appHealthy =
        (watch.healthySince > 0 && Date.now() - watch.healthySince > 300) ||
        (!app.daprdLogOnConsole &&
          app.appPort !== undefined &&
          (await fetch(`http://127.0.0.1:${app.appPort}/healthz`).then(
            (r) => r.ok,
            () => false,
          )));
      const schedulerOk = !scheduled || (meta.scheduler?.connected_addresses?.length ?? 0) > 0;
      // Actor calls fail with ERR_ACTOR_RUNTIME_NOT_FOUND until daprd has its placement table.
      const placementOk = !placed || meta.actorRuntime?.placement === "placement: connected";
      if (healthz === 204 && !missing.length && appHealthy && schedulerOk && placementOk) {
        return { want, scheduler: meta.scheduler?.connected_addresses ?? [] };
      }
      state = `healthz ${healthz}; app ${appHealthy ? "healthy" : "not healthy yet"}; scheduler ${schedulerOk ? "connected" : "not connected"}; ${placed ? `${meta.actorRuntime?.placement ?? "placement: not reported"}; ` : ""}${
        missing.length ? `subscriptions not listed: ${missing.join(", ")}` : "subscriptions listed"
      }`;
    } catch (error) {
      state = `daprd not answering on :${app.daprHTTPPort} (${(error as Error).message})`;
    }
    await sleep(250);
  }
  throw new StartError(`${app.appID} was not ready after ${timeoutMs / 1000} s: ${state}`);
}
