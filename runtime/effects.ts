/** What a handler asks the runtime to do. Plain data: a test asserts on it with `toEqual`. */
export type Effect = SaveState | DeleteState | Publish | InvokeBinding | Reply | Retry | Drop;

/** Effects carried out through the sidecar, in the order the handler returned them. */
export type SidecarEffect = SaveState | DeleteState | Publish | InvokeBinding;

export interface StateOptions {
  etag?: string;
  concurrency?: "first-write" | "last-write";
  consistency?: "eventual" | "strong";
  metadata?: Record<string, string>;
}

export interface SaveState extends StateOptions {
  kind: "saveState";
  store: string;
  key: string;
  value: unknown;
}

export interface DeleteState extends Omit<StateOptions, "metadata"> {
  kind: "deleteState";
  store: string;
  key: string;
}

export interface PublishOptions {
  /** Sent as `?metadata.<key>=`, e.g. `{ ttlInSeconds: "60", rawPayload: "true" }`. */
  metadata?: Record<string, string>;
  /** Defaults to application/json; becomes the CloudEvent's `datacontenttype`. */
  contentType?: string;
}

export interface Publish extends PublishOptions {
  kind: "publish";
  pubsub: string;
  topic: string;
  data: unknown;
}

export interface InvokeBinding {
  kind: "invokeBinding";
  name: string;
  operation: string;
  data?: unknown;
  metadata?: Record<string, string>;
}

/** The HTTP answer of an invoked route. */
export interface Reply {
  kind: "reply";
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Ask daprd to redeliver (resiliency decides how often), e.g. a dependency is down. */
export interface Retry {
  kind: "retry";
  reason: string;
}

/** Give up on this message: daprd sends it to the dead-letter topic if one is set. */
export interface Drop {
  kind: "drop";
  reason: string;
}

/** @example saveState("statestore", `order-${id}`, order, { concurrency: "first-write" }) */
export const saveState = (store: string, key: string, value: unknown, options: StateOptions = {}): SaveState => ({
  kind: "saveState",
  store,
  key,
  value,
  ...options,
});

export const deleteState = (store: string, key: string, options: Omit<StateOptions, "metadata"> = {}): DeleteState => ({
  kind: "deleteState",
  store,
  key,
  ...options,
});

/** @example publish("pubsub", "orders", order, { metadata: { ttlInSeconds: "60" } }) */
export const publish = (pubsub: string, topic: string, data: unknown, options: PublishOptions = {}): Publish => ({
  kind: "publish",
  pubsub,
  topic,
  data,
  ...options,
});

/** @example invokeBinding("receipts", "create", text, { fileName: "order-1.txt" }) */
export const invokeBinding = (name: string, operation: string, data?: unknown, metadata?: Record<string, string>): InvokeBinding => ({
  kind: "invokeBinding",
  name,
  operation,
  ...(data === undefined ? {} : { data }),
  ...(metadata ? { metadata } : {}),
});

export const reply = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({
  kind: "reply",
  status,
  ...(body === undefined ? {} : { body }),
  ...(headers ? { headers } : {}),
});

export const retry = (reason: string): Retry => ({ kind: "retry", reason });
export const drop = (reason: string): Drop => ({ kind: "drop", reason });

const sidecarKinds = new Set(["saveState", "deleteState", "publish", "invokeBinding"]);
const allKinds = new Set([...sidecarKinds, "reply", "retry", "drop"]);

export const isEffect = (value: unknown): value is Effect =>
  typeof value === "object" && value !== null && allKinds.has((value as { kind?: string }).kind ?? "");

export const isSidecarEffect = (effect: Effect): effect is SidecarEffect => sidecarKinds.has(effect.kind);

/** One line for logs and error messages, msw-style: `publish pubsub/orders`. */
export function describeEffect(effect: Effect): string {
  switch (effect.kind) {
    case "saveState":
    case "deleteState":
      return `${effect.kind} ${effect.store}/${effect.key}`;
    case "publish":
      return `publish ${effect.pubsub}/${effect.topic}`;
    case "invokeBinding":
      return `invokeBinding ${effect.name} ${effect.operation}`;
    case "reply":
      return `reply ${effect.status}`;
    default:
      return `${effect.kind}: ${effect.reason}`;
  }
}
