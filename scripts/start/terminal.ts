// The CLI's output, passed through to the terminal and read on the way: the app's last lines, its health,
// and the CLI's words for a process that ended.
import { createInterface } from "node:readline";
import { stripVTControlCharacters } from "node:util";
import { noticeWatchMode } from "./dev.ts";
import { crashReport, exitOf, type Watch } from "./ready.ts";
import type { Supervisor } from "./supervisor.ts";
import type { App } from "./template.ts";

/**
 * Copies the stream to `out` line by line, filling in `watch`; once `ready()`, an exit of the app or of
 * daprd is a failure (before that, waitReady reports it).
 */
export function pump(
  sup: Supervisor,
  app: App,
  watch: Watch,
  stream: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  on: { ready: () => boolean; fail: (message: string) => void },
) {
  const appPrefix = `== APP - ${app.appID} == `;
  createInterface({ input: stream }).on("line", (line) => {
    if (line.includes("You're up and running!")) return; // printed before the app is ready; ours follows
    out.write(`${line}\n`);
    const plain = stripVTControlCharacters(line);
    if (plain.includes(appPrefix))
      watch.appLines = [...watch.appLines, plain.slice(plain.indexOf(appPrefix) + appPrefix.length)].slice(-30);
    if (plain.includes("App entered healthy status")) watch.healthySince = Date.now();
    if (plain.includes("App entered un-healthy status")) watch.healthySince = 0;
    if (sup.dev && plain.includes(appPrefix)) noticeWatchMode(sup, app, plain);
    const appExit = exitOf(plain, "App");
    if (appExit && !sup.stopping) {
      watch.appExit = appExit;
      if (on.ready()) on.fail(crashReport(app, watch, "while running"));
    }
    const daprdExit = exitOf(plain, "daprd");
    if (daprdExit && !sup.stopping) {
      watch.daprdExit = daprdExit;
      if (on.ready()) on.fail(`daprd exited (${watch.daprdExit}); its log is above`);
    }
  });
}
