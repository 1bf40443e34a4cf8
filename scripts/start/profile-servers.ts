// A profile's servers: started here, unless another terminal runs them (`npm run servers <profile>`).
import { type ServerProfile, serverProfiles } from "../profiles.ts";
import { isBusy } from "./ports.ts";
import { StartError, type Supervisor, say } from "./supervisor.ts";

/** Starts each profile's servers into `sup.servers`, or uses them when all their ports already listen. */
export async function startServers(sup: Supervisor, profiles: string[]) {
  for (const name of profiles) {
    const profile: ServerProfile | undefined = serverProfiles[name];
    if (!profile) continue; // a profile of components only (no server of its own)
    const busy = await Promise.all(profile.ports.map(isBusy));
    if (busy.every(Boolean)) {
      say(`${name}: using the servers already listening on ${profile.ports.join(", ")} (${profile.what})`);
      continue;
    }
    if (busy.some(Boolean)) {
      const taken = profile.ports.filter((_, i) => busy[i]);
      throw new StartError(
        `${name} needs ports ${profile.ports.join(", ")}, and only ${taken.join(", ")} ${taken.length > 1 ? "are" : "is"} in use: ` +
          `stop what holds ${taken.join(", ")} (ss -ltnp), or run all of them with: npm run servers ${name}`,
      );
    }
    const at = Date.now();
    try {
      await profile.start(sup.servers.keep);
    } catch (error) {
      throw new StartError(`${name}'s servers did not start: ${(error as Error).message}`);
    }
    say(`${name}: ${profile.what}, up in ${((Date.now() - at) / 1000).toFixed(1)} s (their data goes when this stops)`);
  }
}
