// `npm run dev`: daprd stays up while handlers/ changes; Node's watch mode restarts the app.
import { existsSync, watch as watchFiles } from "node:fs";
import { join } from "node:path";
import { layerComponents, type RunTemplate } from "../run-template.ts";
import { syncSubscriptions } from "./subscriptions.ts";
import { complain, root, type Supervisor, say, sleep } from "./supervisor.ts";
import type { App } from "./template.ts";

/** Node's watch mode says when it restarts the app and when the app failed; tell how long a change took. */
export function noticeWatchMode(sup: Supervisor, app: App, line: string) {
  if (line.includes("Failed running")) {
    sup.restarts++;
    complain("the app failed to start (its error is above): fix it and save; daprd keeps running");
  } else if (/Restarting '/.test(line)) {
    const since = sup.lastChange?.at ?? Date.now();
    const restart = ++sup.restarts;
    void (async () => {
      await sleep(100); // the old process answers until Node has stopped it
      for (let i = 0; i < 100 && restart === sup.restarts; i++) {
        const ok = await fetch(`http://127.0.0.1:${app.appPort}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok)
          return say(`app restarted ${Date.now() - since} ms after ${sup.lastChange?.path ?? "a change"} changed (daprd kept running)`);
        await sleep(50);
      }
    })();
  }
}

/** Regenerates subscriptions/ on a handler change and re-layers a profile's components; daprd reloads the rest. */
export function watchProject(sup: Supervisor, app: App, layers: RunTemplate["layers"]) {
  let timer: NodeJS.Timeout | undefined;
  for (const dir of ["handlers", "components", "resiliency"]) {
    if (!existsSync(join(app.appDir, dir))) continue;
    watchFiles(join(app.appDir, dir), { recursive: true }, (_event, name) => {
      // handlers/daprlet.d.ts is written by the regeneration below (types only, never loaded): not a change.
      if (!name || sup.stopping || name.endsWith(".d.ts")) return;
      const path = `${dir}/${name}`;
      sup.lastChange = { path, at: Date.now() };
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (dir === "components") for (const { folders, out } of layers) layerComponents(root, folders, out);
        if (dir !== "handlers") return say(`${path} changed: daprd reloads it`);
        try {
          syncSubscriptions();
        } catch (error) {
          complain((error as Error).message);
        }
      }, 100);
    });
  }
}
