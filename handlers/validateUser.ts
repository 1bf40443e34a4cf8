import { activity, defineHandler, reply } from "daprlet";
import * as v from "valibot";

/** Workflow activity: a user whose id starts with `blocked-` may not order. */
export const validateUser = defineHandler({
  trigger: activity("validateUser"),
  schema: v.object({ userId: v.string() }),
  handle: ({ data: { userId } }) =>
    reply(200, userId.startsWith("blocked-") ? { ok: false, reason: `user ${userId} is blocked` } : { ok: true }),
});
