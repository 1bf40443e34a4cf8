// Configuration watches: daprd delivers configuration changes only to subscriptions an app opened
// through its API, keeps them in memory, and forgets them when it restarts. So the runtime
// subscribes once the app listens, leaves a marker in daprd's own metadata (also in memory), and
// polls for it: a daprd that no longer has the marker restarted, and is subscribed again. Runs
// beside serving, like job scheduling; on drain it unsubscribes.
import type { HandlerDescriptor } from "../descriptor.ts";
import type { ConfigurationChangedTrigger } from "../kinds/configuration-changed.ts";
import { daprdPath, query } from "../kinds/daprd-path.ts";
import type { SidecarClient } from "../kinds/input.ts";
import { SidecarError } from "./sidecar.ts";

/** A store to watch and the handler file that asked, for messages. */
export interface ConfigurationWatch {
  trigger: ConfigurationChangedTrigger;
  file: string;
}

export const configurationWatches = (handlers: HandlerDescriptor[]): ConfigurationWatch[] =>
  handlers.flatMap((d) => (d.trigger.kind === "configurationChanged" ? [{ trigger: d.trigger, file: d.file }] : []));

/** The daprd metadata attribute that tells a daprd that has our subscriptions from one that restarted. */
export const watchMarker = "daprlet-configuration";

export interface WatchOptions {
  client: SidecarClient;
  watches: ConfigurationWatch[];
  /** How often daprd is checked for a restart. Default 2 s. */
  intervalMs?: number;
  log?: (line: string) => void;
}

export interface ConfigurationWatcher {
  /** Resolves once every store is subscribed (or refused for good), the first time. */
  ready: Promise<void>;
  /** Current subscription ids by store. */
  readonly subscriptions: ReadonlyMap<string, string>;
  /** Stops watching and unsubscribes (drain). */
  stop(): Promise<void>;
}

const context = { headers: {} };
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** daprd's answers retrying cannot change: no such store (400), or no configuration store at all. */
const refusedForGood = (e: unknown) =>
  e instanceof SidecarError && (e.status === 400 || e.errorCode === "ERR_CONFIGURATION_STORE_NOT_CONFIGURED");

/** Subscribes every watch, re-subscribes after a daprd restart, unsubscribes on `stop`. Never throws. */
export function watchConfiguration(options: WatchOptions): ConfigurationWatcher {
  const { client, watches } = options;
  const log = options.log ?? ((line) => console.log(line));
  const subscriptions = new Map<string, string>();
  const refused = new Set<string>();
  let marker = "";
  let stopped = false;
  let waiting = false;
  let timer: NodeJS.Timeout | undefined;
  let firstRound: () => void = () => {};
  const ready = new Promise<void>((done) => {
    firstRound = done;
  });

  const subscribe = async (w: ConfigurationWatch) => {
    const { store, keys } = w.trigger;
    const path = daprdPath("configuration", { store }, "subscribe") + query(keys.map((k): [string, string] => ["key", k]));
    const res = await client({ api: "configuration.subscribe", method: "GET", path }, context);
    const id = String((JSON.parse(new TextDecoder().decode(res.body)) as { id?: unknown }).id ?? "");
    subscriptions.set(store, id);
    log(
      `[daprlet] configuration ${store} [${keys.join(", ") || "every key"}] watched (subscription ${id}) → POST /configuration/${store}/<key>`,
    );
  };

  /** Whether daprd still holds this run's subscriptions: its metadata carries our marker. */
  const daprdKnowsUs = async () => {
    if (!marker) return false;
    const res = await client({ api: "metadata.get", method: "GET", path: "/metadata" }, context);
    const extended = (JSON.parse(new TextDecoder().decode(res.body)) as { extended?: Record<string, string> }).extended ?? {};
    return extended[watchMarker] === marker;
  };

  const round = async () => {
    try {
      if (await daprdKnowsUs()) return;
      if (marker) log("[daprlet] daprd restarted (its subscriptions are gone): subscribing to configuration again");
      marker = "";
      subscriptions.clear();
      let pending = false;
      for (const w of watches) {
        if (refused.has(w.trigger.store)) continue;
        try {
          await subscribe(w);
        } catch (error) {
          if (!refusedForGood(error)) throw error;
          refused.add(w.trigger.store);
          log(
            `[daprlet] ✗ ${w.file}: daprd has no configuration store "${w.trigger.store}" (${errorText(error)}): its changes are not delivered. Start with a profile that has one (npm start redis, or npm start postgres-kafka) or fix the name`,
          );
        }
        pending ||= !subscriptions.has(w.trigger.store) && !refused.has(w.trigger.store);
      }
      if (!pending && subscriptions.size > 0) {
        const next = [...subscriptions.values()].join(",");
        await client(
          { api: "metadata.set", method: "PUT", path: `/metadata/${watchMarker}`, body: next, headers: { "content-type": "text/plain" } },
          context,
        );
        marker = next;
      }
      if (!pending) firstRound();
      waiting = false;
    } catch (error) {
      // daprd not up yet, or restarting: the next round tries again (said once, not every round).
      marker = "";
      if (!stopped && !waiting) log(`[daprlet] configuration watch waits for daprd (${errorText(error)})`);
      waiting = true;
    }
  };

  const loop = async () => {
    if (stopped) return;
    await round();
    if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 2_000);
  };
  if (watches.length === 0) firstRound();
  else void loop();

  return {
    ready,
    subscriptions,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const [store, id] of subscriptions) {
        try {
          await client(
            {
              api: "configuration.unsubscribe",
              method: "GET",
              path: daprdPath("configuration", { store }, { subscription: id }, "unsubscribe"),
            },
            context,
          );
        } catch (error) {
          log(`[daprlet] ! could not unsubscribe from configuration ${store}: ${errorText(error)}`);
        }
      }
      subscriptions.clear();
      firstRound();
    },
  };
}
