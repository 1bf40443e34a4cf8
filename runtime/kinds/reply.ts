import type { EffectKind } from "./effect.ts";

/** The HTTP answer of an invoked route. */
export interface Reply {
  kind: "reply";
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** @example reply(202, { orderId, status: "accepted" }) */
export const reply = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({
  kind: "reply",
  status,
  ...(body === undefined ? {} : { body }),
  ...(headers ? { headers } : {}),
});

export const replyKind: EffectKind<Reply> = { kind: "reply", describe: (e) => `reply ${e.status}`, sidecar: null };
