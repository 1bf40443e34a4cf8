import type { EffectKind } from "./effect.ts";

/** Ask daprd to redeliver (resiliency decides how often), e.g. a dependency is down. */
export interface Retry {
  kind: "retry";
  reason: string;
}

export const retry = (reason: string): Retry => ({ kind: "retry", reason });

export const retryKind: EffectKind<Retry> = { kind: "retry", describe: (e) => `retry: ${e.reason}`, sidecar: null };
