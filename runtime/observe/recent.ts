import { describeEffect } from "../kinds/effects.ts";
import type { DeliveryReport, Watcher } from "./observer.ts";
import { idsOf } from "./trace-ids.ts";

/** One delivery as `GET /daprlet/recent` shows it: what happened, not what the message held. */
export interface RecentDelivery {
  seq: number;
  at: string;
  handler: string;
  messageId?: string;
  outcome: string;
  reason?: string;
  status: number;
  /** Each effect `handle` returned, described (`publish pubsub/orders`); the failed one marked. */
  effects: { effect: string; failed?: true }[];
  duplicate?: true;
  traceId?: string;
  durationMs: number;
}

/**
 * The last deliveries, in memory, for the developer's loop (`npm run trigger` reads them to say
 * how a delivery it caused ended). No payloads, no headers: the same discretion as the log.
 * Each delivery only keeps its report; it is described when someone asks.
 */
export function createRecentDeliveries(limit = 50): Watcher & { list(): RecentDelivery[] } {
  // A ring: the slot of delivery `seq` is `seq % limit`, overwritten `limit` deliveries later.
  const ring: { seq: number; at: number; report: DeliveryReport }[] = [];
  let seq = 0;
  return {
    delivered(report) {
      seq++;
      ring[seq % limit] = { seq, at: report.at, report };
    },
    list: () =>
      [...ring]
        .filter(Boolean)
        .sort((a, b) => a.seq - b.seq)
        .map(({ seq, at, report }) => describe(seq, at, report)),
  };
}

function describe(
  seq: number,
  at: number,
  { handler, outcome, answer, durationMs, traceparent, messageId }: DeliveryReport,
): RecentDelivery {
  const traceId = idsOf(traceparent)?.traceId;
  return {
    seq,
    at: new Date(at).toISOString(),
    handler: handler.name,
    ...(messageId ? { messageId } : {}),
    outcome: outcome.verdict.status,
    ...(outcome.verdict.reason ? { reason: outcome.verdict.reason } : {}),
    status: answer.status,
    effects: outcome.effects.map((e) => ({ effect: describeEffect(e), ...(e === outcome.failedEffect ? { failed: true as const } : {}) })),
    ...(outcome.duplicate ? { duplicate: true as const } : {}),
    ...(traceId ? { traceId } : {}),
    durationMs: Math.round(durationMs * 100) / 100,
  };
}
