import type { EffectKind } from "./effect.ts";

/** Give up on this message: daprd sends it to the dead-letter topic if one is set. */
export interface Drop {
  kind: "drop";
  reason: string;
}

export const drop = (reason: string): Drop => ({ kind: "drop", reason });

export const dropKind: EffectKind<Drop> = { kind: "drop", describe: (e) => `drop: ${e.reason}`, sidecar: null };
