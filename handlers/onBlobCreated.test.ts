import type { BlobCreated } from "daprlet";
import { bindingEvent, bindingRequest, runHandler } from "daprlet/testing";
import type { InferInput } from "valibot";
import { describe, expect, it } from "vitest";
import { onBlobCreated } from "./onBlobCreated.ts";

/** The effects of one notification, delivered as the queue binding delivers it. */
async function effectsOf(notification: InferInput<typeof onBlobCreated.schema>) {
  const result = await runHandler(onBlobCreated, bindingRequest(onBlobCreated, { data: notification }));
  expect(result.status).toBe("SUCCESS");
  return result.effects;
}

const saved = (blob: BlobCreated) => ({ kind: "saveState", store: "statestore", key: `blob-${blob.container}-${blob.key}`, value: blob });

const s3Record = (eventName: string, key: string) => ({
  eventVersion: "2.1",
  eventSource: "aws:s3",
  eventName,
  eventTime: "2026-03-01T12:00:00.000Z",
  s3: { bucket: { name: "uploads", arn: "arn:aws:s3:::uploads" }, object: { key, size: 1024, eTag: "abc" } },
});
const s3Notification = {
  Records: [s3Record("ObjectCreated:Put", "reports%2F2026+Q1%2Bfinal.csv"), s3Record("ObjectRemoved:Delete", "old.csv")],
};
const fromS3: BlobCreated = {
  provider: "s3",
  container: "uploads",
  key: "reports/2026 Q1+final.csv",
  size: 1024,
  time: "2026-03-01T12:00:00.000Z",
};

const azureData = {
  api: "PutBlob",
  contentType: "application/pdf",
  contentLength: 2048,
  url: "https://acct.blob.core.windows.net/docs/a/b.pdf",
};
const eventGridEvent = (name: string) => ({
  id: `eg-${name}`,
  topic: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct",
  subject: `/blobServices/default/containers/docs/blobs/a/${name}`,
  eventType: "Microsoft.Storage.BlobCreated" as const,
  eventTime: "2026-03-01T12:00:00Z",
  data: azureData,
  dataVersion: "",
  metadataVersion: "1",
});
const fromAzure = (name: string): BlobCreated => ({
  provider: "azure",
  container: "docs",
  key: `a/${name}`,
  size: 2048,
  contentType: "application/pdf",
  time: "2026-03-01T12:00:00Z",
});

describe("onBlobCreated", () => {
  it("saves each announced blob under its container and key", async () => {
    const blob: BlobCreated = { provider: "s3", container: "uploads", key: "a.csv", size: 3 };
    expect(await onBlobCreated.handle(bindingEvent([blob], { binding: "blob-events" }))).toEqual([
      { kind: "saveState", store: "statestore", key: "blob-uploads-a.csv", value: blob },
    ]);
  });

  it("reads an S3 notification, decoding the URL-encoded key and skipping removals", async () => {
    expect(await effectsOf(s3Notification)).toEqual([saved(fromS3)]);
  });

  it("does nothing for the S3 TestEvent sent when notifications are configured", async () => {
    expect(await effectsOf({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "uploads" })).toEqual([]);
  });

  it("unwraps an S3 notification that came through SNS", async () => {
    const sns = {
      Type: "Notification" as const,
      MessageId: "m-1",
      TopicArn: "arn:aws:sns:eu-west-1:1:uploads",
      Message: JSON.stringify(s3Notification),
    };
    expect(await effectsOf(sns)).toEqual([saved(fromS3)]);
  });

  it("reads an Azure Event Grid event in the Event Grid schema", async () => {
    expect(await effectsOf(eventGridEvent("b.pdf"))).toEqual([saved(fromAzure("b.pdf"))]);
  });

  it("reads an Azure Event Grid event in the CloudEvents schema", async () => {
    const cloudEvent = {
      specversion: "1.0",
      id: "ce-1",
      source: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct",
      type: "Microsoft.Storage.BlobCreated" as const,
      subject: "/blobServices/default/containers/docs/blobs/a/b.pdf",
      time: "2026-03-01T12:00:00Z",
      data: azureData,
    };
    expect(await effectsOf(cloudEvent)).toEqual([saved(fromAzure("b.pdf"))]);
  });

  it("reads an array of Event Grid events, one blob each", async () => {
    expect(await effectsOf([eventGridEvent("b.pdf"), eventGridEvent("c.pdf")])).toEqual([
      saved(fromAzure("b.pdf")),
      saved(fromAzure("c.pdf")),
    ]);
  });

  it("acknowledges an unknown shape with DROP and saves nothing", async () => {
    const result = await runHandler(onBlobCreated, bindingRequest(onBlobCreated, { body: '{"hello":"world"}' }));
    expect({ answer: result.answer, effects: result.effects }).toEqual({
      answer: {
        status: 200,
        body: { status: "DROP", reason: "schema validation failed: (root): Invalid type: Expected (Object | Array) but received Object" },
      },
      effects: [],
    });
  });
});
