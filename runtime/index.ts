// The public surface of daprlet: what handler files and users' tests import.
export type { ComponentInfo } from "./components.ts";
export * from "./define.ts";
export type { HandlerDescriptor } from "./discover.ts";
export * from "./effects.ts";
export type { WireRequest } from "./envelope.ts";
export type { Evaluation, Executor } from "./lifecycle.ts";
export type { DaprStatus, Verdict } from "./outcome.ts";
