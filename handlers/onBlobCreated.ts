import { BlobNotification, binding, defineHandler, saveState } from "daprlet";

/**
 * Storage "object created" notifications. No Dapr storage binding has an input side, so they
 * arrive through a queue binding (S3 → SQS, Azure Event Grid → Storage Queue; locally MQTT).
 */
export const onBlobCreated = defineHandler({
  trigger: binding("blob-events"),
  schema: BlobNotification,
  handle: ({ data: blobs }) => blobs.map((blob) => saveState("statestore", `blob-${blob.container}-${blob.key}`, blob)),
});
