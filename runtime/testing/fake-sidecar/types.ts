// What a test hands the fake sidecar and what it reads back: the public vocabulary of createFakeSidecar.
/** What the fake remembers of a publish, as a test asserts on it. */
export interface Published {
  pubsub: string;
  topic: string;
  data: unknown;
  contentType: string;
  metadata: Record<string, string>;
}

export interface BindingCall {
  name: string;
  operation: string;
  data: unknown;
  metadata: Record<string, string>;
}

/** What the fake remembers of a service invocation, as the called app would receive it. */
export interface Invocation {
  appId: string;
  method: string;
  /** The called method's path, with a leading slash and without the query: `/orders`. */
  path: string;
  /** The query string as sent, without `?` (daprd passes it on). */
  query: string;
  /** Lower-case names; the API token is not passed on. */
  headers: Record<string, string>;
  /** JSON bodies parsed, other bodies as text, undefined when empty. */
  body: unknown;
}

/** A called app's canned answer: status (200 unless given), body (JSON unless a string or bytes), headers. */
export interface AppAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A canned answer, or a function of the request that computes one. */
export type AppRoute = AppAnswer | ((request: Invocation) => AppAnswer | Promise<AppAnswer>);

/** A configuration item as a test seeds it; the version defaults to a counter per key ("1", "2", …). */
export interface ConfigurationSeed {
  value: string;
  version?: string;
  metadata?: Record<string, string>;
}

export type Operation =
  | "saveState"
  | "getState"
  | "bulkState"
  | "deleteState"
  | "transaction"
  | "publish"
  | "invokeBinding"
  | "getSecret"
  | "getConfiguration"
  | "invoke"
  | "scheduleJob"
  | "deleteJob"
  | "workflow"
  | "tryLock"
  | "unlock"
  | "subscribeConfiguration"
  | "actorState"
  | "getActorState"
  | "setReminder"
  | "deleteReminder"
  | "setTimer"
  | "deleteTimer"
  | "invokeActor";

/** A failure to inject: the next `times` calls of `operation` answer `status` (or hang `delayMs`). */
export interface Failure {
  operation: Operation;
  status?: number;
  errorCode?: string;
  delayMs?: number;
  times?: number;
}

export interface FakeSidecarOptions {
  port?: number;
  token?: string;
  stores?: string[];
  pubsubs?: string[];
  bindings?: string[];
  /** Secret stores that exist (default `secretstore`), besides those `secrets` names. */
  secretStores?: string[];
  /** Secrets by store, then secret name: each a record of keys to values, as daprd answers. Kept by `reset`. */
  secrets?: Record<string, Record<string, Record<string, string>>>;
  /** Configuration stores that exist (default `configstore`), besides those `configuration` names. */
  configurationStores?: string[];
  /** Configuration items by store, then key. Kept by `reset`. */
  configuration?: Record<string, Record<string, string | ConfigurationSeed>>;
  appId?: string;
  /** daprd runs with a scheduler (default): without one, every Jobs API call answers 500 "scheduler clients are disabled". */
  scheduler?: boolean;
  /**
   * Each state store's component type as `/v1.0/metadata` reports it (default `state.in-memory`).
   * `state.redis` also behaves like it in a transaction: the ops whose ETag matches are applied
   * even though another's does not (no rollback), and the answer is 500 "failed to set key".
   */
  storeTypes?: Record<string, string>;
  /** Lock stores (`lock.redis` in metadata) served by the distributed lock API; default none. */
  lockStores?: string[];
}

/** A workflow instance as the fake keeps it: started, raised events, status (set `output` and `status` to fake its end). */
export interface FakeWorkflow {
  instanceId: string;
  workflow: string;
  input: unknown;
  status: string;
  output?: unknown;
  events: { name: string; data: unknown }[];
}

/** A job as the fake's scheduler keeps it: the body it was scheduled with. */
export interface ScheduledJob {
  name: string;
  schedule?: string;
  dueTime?: string;
  repeats?: number;
  ttl?: string;
  data?: unknown;
  failurePolicy?: unknown;
}

/** A reminder or timer as the fake keeps it: the body it was set with. */
export interface ActorCallback {
  type: string;
  id: string;
  name: string;
  dueTime?: string;
  period?: string;
  ttl?: string;
  data?: unknown;
}

/** An actor call as the fake's canned actor host receives it. */
export interface ActorCall {
  type: string;
  id: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}
