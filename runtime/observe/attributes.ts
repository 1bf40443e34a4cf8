// What a span says about a handler invocation or an effect, in OpenTelemetry's semantic
// conventions (messaging.*, http.*) where one fits and `daprlet.*` for the rest.
import { type Attributes, SpanKind } from "@opentelemetry/api";
import type { HandlerDescriptor } from "../discover.ts";
import type { SidecarEffect } from "../effects.ts";
import type { WireRequest } from "../envelope.ts";
import type { Evaluation } from "../lifecycle.ts";
import { toInvokeAnswer } from "../outcome.ts";

export interface SpanStart {
  name: string;
  kind: SpanKind;
  attributes: Attributes;
}

/**
 * The handler span: CONSUMER `process <topic>` for pub/sub, SERVER `<METHOD> <route>` for invoked
 * routes and input bindings (daprd calls both over HTTP). Names stay low-cardinality: the route
 * template, never the path.
 */
export function handlerSpan(d: HandlerDescriptor, req: Pick<WireRequest, "method" | "path">, messageId?: string): SpanStart {
  const { trigger } = d;
  const common = { "daprlet.handler": d.name, "daprlet.trigger": trigger.kind, "code.function.name": d.name };
  if (trigger.kind === "topic") {
    return {
      name: `process ${trigger.topic}`,
      kind: SpanKind.CONSUMER,
      attributes: {
        ...common,
        "messaging.system": "dapr",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": trigger.topic,
        "dapr.pubsub.name": trigger.pubsub,
        ...(messageId ? { "messaging.message.id": messageId } : {}),
      },
    };
  }
  const http = { "http.request.method": req.method, "http.route": d.route, "url.path": req.path.split("?")[0] };
  if (trigger.kind === "binding") {
    return {
      name: `${req.method} ${d.route}`,
      kind: SpanKind.SERVER,
      attributes: {
        ...common,
        ...http,
        "messaging.system": "dapr",
        "messaging.destination.name": trigger.name,
        "dapr.binding.name": trigger.name,
      },
    };
  }
  return { name: `${req.method} ${d.route}`, kind: SpanKind.SERVER, attributes: { ...common, ...http } };
}

/**
 * Which attempt this was, when this process can tell: a topic handler's own message, counted by
 * the failure log (per process, so with several replicas it is a lower bound). A dead-letter
 * handler sees the original handler's failures, not its own attempts, so it gets none.
 */
export function attemptOf(d: HandlerDescriptor, evaluation: Evaluation): number | undefined {
  const event = evaluation.event as { topic?: string; failure?: { attempts: number } } | undefined;
  if (d.trigger.kind !== "topic" || !event || event.topic !== d.trigger.topic) return undefined;
  return (event.failure?.attempts ?? 0) + 1;
}

/** The outcome, as attributes: what daprd was told, why, and (invoked routes) the HTTP status. */
export function outcomeAttributes(d: HandlerDescriptor, evaluation: Evaluation, attempt?: number): Attributes {
  const { verdict } = evaluation;
  return {
    "daprlet.outcome": verdict.status,
    ...(verdict.reason ? { "daprlet.reason": verdict.reason } : {}),
    ...(verdict.cause && verdict.status !== "SUCCESS" ? { "daprlet.cause": verdict.cause } : {}),
    ...(attempt ? { "daprlet.attempt": attempt } : {}),
    ...(d.trigger.kind === "invoke"
      ? { "http.response.status_code": toInvokeAnswer(verdict, evaluation.effects, evaluation.issues).status }
      : {}),
  };
}

/** A CLIENT span per sidecar call: `saveState statestore`, `publish orders`, `invokeBinding receipts create`. */
export function effectSpan(effect: SidecarEffect, index: number): SpanStart {
  const common = { "daprlet.effect.kind": effect.kind, "daprlet.effect.index": index };
  switch (effect.kind) {
    case "saveState":
    case "deleteState":
      return {
        name: `${effect.kind} ${effect.store}`,
        kind: SpanKind.CLIENT,
        attributes: {
          ...common,
          "db.system.name": "dapr",
          "db.namespace": effect.store,
          "db.operation.name": effect.kind,
          "dapr.state.store": effect.store,
        },
      };
    case "publish":
      return {
        name: `publish ${effect.topic}`,
        kind: SpanKind.CLIENT,
        attributes: {
          ...common,
          "messaging.system": "dapr",
          "messaging.operation.type": "send",
          "messaging.operation.name": "publish",
          "messaging.destination.name": effect.topic,
          "dapr.pubsub.name": effect.pubsub,
        },
      };
    case "invokeBinding":
      return {
        name: `invokeBinding ${effect.name} ${effect.operation}`,
        kind: SpanKind.CLIENT,
        attributes: { ...common, "dapr.binding.name": effect.name, "dapr.binding.operation": effect.operation },
      };
  }
}
