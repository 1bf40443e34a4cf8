// The same handlers on other components and with tokens: only YAML and environment change.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Stack, setMetadata, startStack, waitFor } from "./harness.ts";
import { type Server, startMosquitto, startRedis } from "./servers.ts";

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const stop of cleanup.reverse()) await stop();
});

async function postOrder(stack: Stack, orderId: string) {
  const res = await stack.dapr("/v1.0/invoke/order-service/method/orders", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ orderId, amount: 42 }),
  });
  expect({ status: res.status, body: await res.text() }).toMatchObject({ status: 202 });
  expect(await stack.getState(`order-${orderId}`)).toEqual({ orderId, amount: 42 });
  expect(await waitFor("onOrderCreated", () => stack.getState(`processed-${orderId}`))).toMatchObject({ orderId, amount: 42 });
  expect(readFileSync(join(stack.dir, `.data/receipts/${orderId}.txt`), "utf8")).toBe(`Receipt for ${orderId}\namount: 42\n`);
}

describe("Redis profile", () => {
  it("runs the order scenario on pubsub.redis and state.redis against a real redis-server", async () => {
    const redis: Server = await startRedis();
    cleanup.push(redis.stop);
    const stack = await startStack({
      profiles: ["redis"],
      prepare: (dir) => {
        setMetadata(dir, "redis/statestore.yaml", "redisHost", `127.0.0.1:${redis.port}`);
        setMetadata(dir, "redis/pubsub.yaml", "redisHost", `127.0.0.1:${redis.port}`);
      },
    });
    cleanup.push(stack.stop);
    const components = ((await (await stack.dapr("/v1.0/metadata")).json()) as { components: { name: string; type: string }[] }).components;
    expect(components).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "pubsub", type: "pubsub.redis" }),
        expect.objectContaining({ name: "statestore", type: "state.redis" }),
      ]),
    );
    await postOrder(stack, "order-redis-1");
  });
});

describe("broker profile", () => {
  it("feeds onBlobCreated an S3 notification through MQTT (Mosquitto) and stores what it announced", async () => {
    const broker = await startMosquitto();
    cleanup.push(broker.stop);
    const stack = await startStack({
      profiles: ["embedded", "mqtt"],
      prepare: (dir) => setMetadata(dir, "mqtt/blob-events.yaml", "url", `tcp://127.0.0.1:${broker.port}`),
    });
    cleanup.push(stack.stop);
    const notification = {
      Records: [
        {
          eventName: "ObjectCreated:Put",
          eventTime: "2026-01-01T00:00:00Z",
          s3: { bucket: { name: "uploads" }, object: { key: "photos/cat+1.jpg", size: 1234 } },
        },
      ],
    };
    // The same component's output side publishes to the broker, like S3 → SQS would in production.
    // MQTT with a clean session keeps nothing for a subscriber that is not connected yet: until
    // the input side has subscribed, a publish may go nowhere, so publish again until it arrives.
    const blob = await waitFor(
      "onBlobCreated to store the blob",
      async () => {
        const stored = await stack.getState("blob-uploads-photos/cat 1.jpg");
        if (stored) return stored;
        const sent = await stack.dapr("/v1.0/bindings/blob-events", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ operation: "create", data: notification }),
        });
        expect(sent.status).toBeLessThan(300);
        await new Promise((r) => setTimeout(r, 1000));
        return stack.getState("blob-uploads-photos/cat 1.jpg");
      },
      45_000,
    );
    expect(blob).toEqual({ provider: "s3", container: "uploads", key: "photos/cat 1.jpg", size: 1234, time: "2026-01-01T00:00:00Z" });
  });
});

describe("API tokens", () => {
  it("works with APP_API_TOKEN and DAPR_API_TOKEN on both sides, and the app refuses requests without the token", async () => {
    const stack = await startStack({ env: { APP_API_TOKEN: "app-secret", DAPR_API_TOKEN: "dapr-secret" } });
    cleanup.push(stack.stop);
    await postOrder(stack, "order-token-1");
    const direct = await fetch(`http://127.0.0.1:${stack.appPort}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "sneaky", amount: 1 }),
    });
    expect(direct.status).toBe(401);
    const noDaprToken = await fetch(`http://127.0.0.1:${stack.daprPort}/v1.0/state/statestore/order-order-token-1`);
    expect(noDaprToken.status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${stack.appPort}/healthz`)).status).toBe(200);
  });
});
