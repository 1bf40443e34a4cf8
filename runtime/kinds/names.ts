// The names a project's YAML and handlers define, as types. `npm run generate` writes
// handlers/daprlet.d.ts, which fills `Components` and `Topics` in (declaration merging on the
// `daprlet` module); every effect, input and trigger that names a component or a topic reads them
// here. Until that file exists (or outside a project: the framework's own tests) they are empty
// and every name is a `string`, so nothing breaks before the first `npm run generate`.

/**
 * The components of the project by building block, each a union of names, e.g.
 * `{ state: "statestore"; pubsub: "pubsub"; bindings: "cron" | "receipts"; … }`. Generated from
 * components/ (every profile) and deploy/kubernetes/components/: do not declare it yourself.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the generated handlers/daprlet.d.ts
export interface Components {}

/**
 * The topics the project's apps subscribe to, by pub/sub, each with the payload its subscriber's
 * schema accepts: `{ pubsub: { orders: { orderId: string; amount: number } } }`. Generated.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the generated handlers/daprlet.d.ts
export interface Topics {}

/**
 * Topics published to subscribers outside the project (another team's app, an archive), which
 * `publish` accepts besides the generated ones. Declare them in a file of your own:
 * @example declare module "daprlet" { interface ExternalTopics { pubsub: { audit: { action: string } } } }
 */
// biome-ignore lint/suspicious/noEmptyInterface: users add their pub/subs' outside topics
export interface ExternalTopics {}

/** A building block with component names: a key of the generated `Components`. */
export type Block = "state" | "pubsub" | "bindings" | "secretstores" | "configuration" | "lock";

/** Whether handlers/daprlet.d.ts has been generated into this program. */
type Generated = keyof Components extends never ? false : true;

/** The names of `block`'s components (`"statestore" | "orders-db"`), or any string before `npm run generate`. */
export type ComponentName<B extends Block> = Generated extends false
  ? string
  : Components extends { [K in B]: infer N extends string }
    ? N
    : never;

type TopicsOf<Table, P> = P extends keyof Table ? keyof Table[P] & string : never;
type PayloadOf<Table, P, T> = P extends keyof Table ? (T extends keyof Table[P] ? Table[P][T] : never) : never;

/**
 * The topics `publish` may name on pub/sub `P`: those an app subscribes to and the declared
 * `ExternalTopics`. Constrain with `${TopicName<P>}` (a template literal), so a type error lists the names rather than this alias.
 */
export type TopicName<P extends string> = Generated extends false ? string : TopicsOf<Topics, P> | TopicsOf<ExternalTopics, P>;

/** What a publish to `P`/`T` carries: what the subscriber's schema accepts (its input), else `unknown`. */
export type TopicData<P extends string, T extends string> = Generated extends false
  ? unknown
  : T extends TopicsOf<Topics, P> | TopicsOf<ExternalTopics, P>
    ? PayloadOf<Topics, P, T> | PayloadOf<ExternalTopics, P, T> extends infer D
      ? [D] extends [never]
        ? unknown
        : D
      : unknown
    : unknown;
