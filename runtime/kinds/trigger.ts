import type { Context, Hono } from "hono";
import type { Outcome } from "./outcome.ts";
import type { SpanShape } from "./span.ts";
import type { Answer, WireRequest } from "./wire.ts";

/** What every event has; each kind's event adds its own fields. */
export interface BaseEvent {
  data: unknown;
}

/** One message of a delivery, read into the event `handle` receives, or refused with why. */
export type Message<E extends BaseEvent = BaseEvent> = (
  | { ok: true; event: E }
  | { ok: false; reason: string /** what an invoked route answers */; status: number }
) & { /** bulk deliveries name each entry */ entryId?: string };

/** The messages one request carries: one, or (bulk pub/sub) several. */
export interface Parsed<E extends BaseEvent = BaseEvent> {
  messages: Message<E>[];
  bulk: boolean;
}

/**
 * The event each trigger kind's handlers receive, typed by the trigger `T` and the schema's
 * output `D`. Each kind's module adds its entry (declaration merging); `HandlerEvent` indexes
 * this by `T["kind"]`, so a kind that forgets its entry does not compile.
 */
// biome-ignore-start lint/suspicious/noEmptyInterface lint/correctness/noUnusedVariables: an interface, not a type, so each kind's module can add its entry; T and D are used there
export interface TriggerEvents<T, D> {}
// biome-ignore-end lint/suspicious/noEmptyInterface lint/correctness/noUnusedVariables: see above

/** A component a trigger cannot work without: start-up refuses to run without it. */
export interface ComponentNeed {
  block: "pubsub" | "bindings" | "state" | "configuration";
  name: string;
  /** Metadata the component must carry (e.g. `actorStateStore: "true"`); with it, `name` "*" means any component of the block. */
  metadata?: Record<string, string>;
}

/** Everything one kind of trigger means to the runtime. One module per kind, gathered in `triggers.ts`. */
export interface TriggerKind<T extends { kind: string }> {
  kind: T["kind"];
  /** The path daprd (or a caller) uses for a handler named `name`. */
  route(trigger: T, name: string): string;
  /** One line naming the trigger, for logs, conflicts and the start-up banner: `topic pubsub/orders`. */
  describe(trigger: T): string;
  /** The method and path of every route `mount` registers (Hono syntax), so overlaps are found at boot. */
  serves(trigger: T, route: string): { method: string; path: string }[];
  /** Registers the handler's routes on the app (methods, and probes such as a binding's OPTIONS). */
  mount(app: Hono, route: string, trigger: T, serve: (c: Context) => Promise<Response>): void;
  /** Reads a request into its messages. Never throws: what cannot be read is a refused message. */
  parse(trigger: T, req: WireRequest, params: Record<string, string>): Parsed;
  /** What daprd (or the caller) is answered, from each message's final outcome. */
  answer(trigger: T, delivery: { bulk: boolean; results: { message: Message; outcome: Outcome }[] }): Answer;
  /** The handler span: its name, kind and attributes when the delivery starts. */
  span(trigger: T, route: string, req: Pick<WireRequest, "method" | "path">, event?: BaseEvent): SpanShape;
  /** Attributes the answer adds to the handler span (e.g. the HTTP status). */
  answered(trigger: T, answer: Answer): SpanShape["attributes"];
  /** Keys no two handlers may share (a method and path, a job name), with what to show. */
  claims(trigger: T, route: string): { key: string; what: string }[];
  /**
   * The key under which handlers of this kind share one delivery (a topic and its rule): handlers
   * with equal keys are served together from one route, each with its own verdict and records
   * (serve/fan-out.ts). Undefined for kinds whose deliveries go to one handler.
   */
  shares?(trigger: T): string;
  /** The components it cannot work without. */
  needs(trigger: T): ComponentNeed[];
  /** What is wrong with the trigger as declared (a schedule the scheduler would refuse), each with its fix: `npm run check` and start-up refuse it. */
  problems?(trigger: T): string[];
  /**
   * The topic its handlers subscribe to, for the checks that follow a message through daprd's retries
   * and dead letters (retry window against the health probe, dead-letter topic served). Undefined for
   * kinds that subscribe to none.
   */
  subscription?(trigger: T): { pubsub: string; topic: string; deadLetterTopic?: string };
  /**
   * A message's identity across redeliveries, for attempt counts and dead-letter reasons:
   * `own` records this handler's failures, `seen` finds an earlier handler's. Undefined for
   * kinds whose deliveries carry no message identity.
   */
  track(trigger: T, event: BaseEvent): { own: string; seen: string } | undefined;
  /**
   * Whether its messages are applied once (an applied-record per message id, on by default):
   * only for kinds whose redeliveries carry the same id.
   */
  guarded: boolean;
  /**
   * App-wide settings this kind's handlers add to daprd's `GET /dapr/config` (e.g. the actor types
   * hosted), given every trigger of the kind; the app merges each kind's answer into one object.
   */
  config?(triggers: T[]): Record<string, unknown>;
  /**
   * Delivered by the workflow worker (daprd's work items over gRPC), never over HTTP: an app with such
   * a handler starts the worker, and the handler's output is recorded for redeliveries.
   */
  workItem?: true;
}

/** The HTTP methods a handler span reports: daprd calls every route over HTTP. */
export const httpSpanAttributes = (route: string, req: Pick<WireRequest, "method" | "path">) => ({
  "http.request.method": req.method,
  "http.route": route,
  "url.path": req.path.split("?")[0],
});
