import { daprdPath, metadataQuery, segments } from "./daprd-path.ts";
import { type EffectKind, json } from "./effect.ts";
import type { ComponentName, TopicData, TopicName } from "./names.ts";
import { isJsonType } from "./wire.ts";

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

/** @example publish("pubsub", "orders", order, { metadata: { ttlInSeconds: "60" } }) */
export const publish = <const P extends ComponentName<"pubsub">, const T extends `${TopicName<P>}`>(
  pubsub: P,
  topic: T,
  data: TopicData<P, T>,
  options: PublishOptions = {},
): Publish => ({
  kind: "publish",
  pubsub,
  topic,
  data,
  ...options,
});

// Non-JSON content goes as is: a string as text, bytes as bytes.
const bodyOf = (data: unknown, contentType: string) =>
  isJsonType(contentType) ? json(data) : data instanceof Uint8Array ? data : String(data ?? "");

export const publishKind: EffectKind<Publish> = {
  kind: "publish",
  describe: (e) => `publish ${e.pubsub}/${e.topic}`,
  sidecar: {
    api: "publish",
    call(e) {
      const contentType = e.contentType ?? "application/json";
      return {
        api: "publish",
        method: "POST",
        // The topic is a wildcard in daprd's route and may contain '/', but no `..` or empty segment.
        path: daprdPath("publish", { pubsub: e.pubsub }, segments("topic", e.topic)) + metadataQuery(e.metadata),
        body: bodyOf(e.data, contentType),
        headers: { "content-type": contentType },
      };
    },
    span: (e) => ({
      name: `publish ${e.topic}`,
      kind: "client",
      attributes: {
        "messaging.system": "dapr",
        "messaging.operation.type": "send",
        "messaging.operation.name": "publish",
        "messaging.destination.name": e.topic,
        "dapr.pubsub.name": e.pubsub,
      },
    }),
    // Data, not `publish(…)`: the project's generated topics (handlers/daprlet.d.ts) need not include it.
    example: { kind: "publish", pubsub: "pubsub", topic: "orders", data: { orderId: "o-1" } },
  },
};
