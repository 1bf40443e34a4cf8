// Schemas of cloud storage notifications (S3 directly or through SQS, MinIO, Azure Event Grid), read
// into one shape: what an input-binding handler on a bucket or container validates its data with.
import * as v from "valibot";

/** One new object in a bucket or container, whichever cloud's notification announced it. */
export interface BlobCreated {
  provider: "s3" | "azure";
  /** S3 bucket or Azure container. */
  container: string;
  key: string;
  size?: number;
  contentType?: string;
  time?: string;
}

// S3 event notifications (direct, via SQS, or MinIO), https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
const S3Record = v.looseObject({
  eventName: v.string(),
  eventTime: v.optional(v.string()),
  s3: v.looseObject({
    bucket: v.looseObject({ name: v.string() }),
    object: v.looseObject({ key: v.string(), size: v.optional(v.number()) }),
  }),
});
const S3Notification = v.looseObject({ Records: v.array(S3Record) });
// S3 sends this once when notifications are configured; it announces no object.
const S3TestEvent = v.looseObject({ Event: v.literal("s3:TestEvent") });
// S3 → SNS → SQS wraps the notification in an SNS envelope whose Message is a JSON string.
const SnsEnvelope = v.pipe(
  v.looseObject({ Type: v.literal("Notification"), Message: v.string() }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return JSON.parse(dataset.value.Message) as unknown;
    } catch {
      addIssue({ message: "SNS Message is not JSON" });
      return NEVER;
    }
  }),
  v.union([S3Notification, S3TestEvent]),
);

// Azure Event Grid, in its own schema or the CloudEvents schema (through Storage Queues or Service Bus).
const AzureData = v.looseObject({ url: v.string(), contentLength: v.optional(v.number()), contentType: v.optional(v.string()) });
const EventGridEvent = v.looseObject({
  eventType: v.literal("Microsoft.Storage.BlobCreated"),
  subject: v.string(),
  eventTime: v.optional(v.string()),
  data: AzureData,
});
const EventGridCloudEvent = v.looseObject({
  type: v.literal("Microsoft.Storage.BlobCreated"),
  subject: v.string(),
  time: v.optional(v.string()),
  data: AzureData,
});

type S3Record = v.InferOutput<typeof S3Record>;
const fromS3 = (records: S3Record[]): BlobCreated[] =>
  records
    .filter((r) => r.eventName.startsWith("ObjectCreated"))
    .map((r) => ({
      provider: "s3",
      container: r.s3.bucket.name,
      // S3 URL-encodes keys in notifications, with '+' for spaces.
      key: decodeURIComponent(r.s3.object.key.replace(/\+/g, " ")),
      size: r.s3.object.size,
      time: r.eventTime,
    }));

// subject: /blobServices/default/containers/<container>/blobs/<path>
const fromAzure = (e: { subject: string; data: v.InferOutput<typeof AzureData>; time?: string; eventTime?: string }): BlobCreated => {
  const [, container = "", key = ""] = /\/containers\/([^/]+)\/blobs\/(.+)$/.exec(e.subject) ?? [];
  return { provider: "azure", container, key, size: e.data.contentLength, contentType: e.data.contentType, time: e.time ?? e.eventTime };
};

const AzureEvent = v.union([EventGridEvent, EventGridCloudEvent]);
const S3Shapes = v.union([
  v.pipe(
    S3Notification,
    v.transform((n) => fromS3(n.Records)),
  ),
  v.pipe(
    S3TestEvent,
    v.transform((): BlobCreated[] => []),
  ),
]);

/** Any supported notification shape → the objects it announces. */
export const BlobNotification = v.union([
  S3Shapes,
  v.pipe(
    SnsEnvelope,
    v.transform((n) => ("Records" in n ? fromS3(n.Records as S3Record[]) : [])),
  ),
  v.pipe(
    AzureEvent,
    v.transform((e) => [fromAzure(e)]),
  ),
  v.pipe(
    v.array(AzureEvent),
    v.transform((events) => events.map(fromAzure)),
  ),
]);
