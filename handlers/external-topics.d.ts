// Topics this app publishes for subscribers outside the project (a notifications service, the
// warehouse): no app in dapr.yaml subscribes to them, so handlers/daprlet.d.ts cannot know them.
// Declared here, `publish` accepts them with these payloads (docs/components.md, "Typed names").
export {};

declare module "daprlet" {
  interface ExternalTopics {
    pubsub: {
      "payment-completed": { orderId: string; status: string; reference: string };
      "payment-failed": { orderId: string; status: string; reference: string };
      "shipment-late": { orderId: string; shippedAt?: string; lateSince: string };
    };
  }
}
