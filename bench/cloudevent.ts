// The one delivery every server answers: a CloudEvent shaped like daprd's pub/sub delivery.
import { randomBytes } from "node:crypto";

const traceId = randomBytes(16).toString("hex");
const traceparent = `00-${traceId}-${randomBytes(8).toString("hex")}-01`;

/** The body daprd POSTs for `{orderId, amount}` published on pubsub/orders. */
export const orderEvent = JSON.stringify({
  id: "5929aaac-a5e2-4ca1-859c-edfe73f11565",
  source: "publisher",
  type: "com.dapr.event.sent",
  specversion: "1.0",
  datacontenttype: "application/json",
  data: { orderId: "order-123", amount: 100 },
  topic: "orders",
  pubsubname: "pubsub",
  time: "2026-01-01T00:00:00Z",
  traceid: traceparent,
  traceparent,
  tracestate: "",
});

/** daprd's headers on a pub/sub delivery (those a server could read). */
export const orderHeaders: Record<string, string> = {
  "content-type": "application/cloudevents+json",
  traceparent,
  pubsubname: "pubsub",
};
