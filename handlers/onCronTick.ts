import { binding, defineHandler, saveState } from "daprlet";
import * as v from "valibot";

/** The `cron` binding fires with an empty body; keep a heartbeat anyone can read from state. */
export const onCronTick = defineHandler({
  trigger: binding("cron"),
  schema: v.undefined(),
  handle: ({ metadata }) => [
    saveState("statestore", "heartbeat", { at: metadata.readtimeutc ?? null, timeZone: metadata.timezone ?? null }),
  ],
});
