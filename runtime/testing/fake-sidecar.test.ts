import { setupServer } from "msw/node";
import * as v from "valibot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defineHandler, publish, saveState, topic } from "../index.ts";
import { cloudEvent } from "./builders.ts";
import { createFakeSidecar } from "./fake-sidecar.ts";
import { runHandler } from "./run.ts";
import { describeSidecarContract } from "./sidecar-contract.ts";

const sidecar = createFakeSidecar({ port: 3599, token: "contract-token" });
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => sidecar.reset());
afterAll(() => server.close());

describeSidecarContract("fake sidecar (msw)", () => ({ port: 3599, token: "contract-token" }));

const onPaid = defineHandler({
  trigger: topic("pubsub", "payments"),
  schema: v.object({ orderId: v.string() }),
  handle: ({ data }) => [
    saveState("statestore", `paid-${data.orderId}`, true),
    publish("pubsub", "receipts-due", data, { metadata: { ttlInSeconds: "60" } }),
  ],
});
const execute = createFakeSidecar({ port: 3599, token: "contract-token" }).execute;

describe("the fake sidecar behind a handler", () => {
  it("stores and publishes what the handler returned, with metadata as daprd receives it", async () => {
    const result = await runHandler(onPaid, cloudEvent(onPaid, { orderId: "o-1" }), { sidecar: execute });
    expect(result.status).toBe("SUCCESS");
    expect(sidecar.get("statestore", "paid-o-1")).toBe(true);
    expect(sidecar.published).toEqual([
      {
        pubsub: "pubsub",
        topic: "receipts-due",
        data: { orderId: "o-1" },
        contentType: "application/json",
        metadata: { ttlInSeconds: "60" },
      },
    ]);
  });

  it("turns an injected 500 on publish into RETRY, after the state write", async () => {
    sidecar.fail({ operation: "publish", status: 500, errorCode: "ERR_PUBSUB_PUBLISH_MESSAGE" });
    const result = await runHandler(onPaid, cloudEvent(onPaid, { orderId: "o-2" }), { sidecar: execute });
    expect(result).toMatchObject({
      status: "RETRY",
      reason:
        "effect 2 of 2 (publish pubsub/receipts-due) failed: SidecarError: sidecar answered 500 ERR_PUBSUB_PUBLISH_MESSAGE: injected failure of publish",
    });
    expect(sidecar.get("statestore", "paid-o-2")).toBe(true);
    expect(sidecar.published).toEqual([]);
  });

  it("turns an ETag conflict (409) into RETRY", async () => {
    const etag = sidecar.seed("statestore", "k", 1);
    sidecar.seed("statestore", "k", 2);
    const conflicting = defineHandler({
      trigger: topic("pubsub", "t"),
      schema: v.unknown(),
      handle: () => [saveState("statestore", "k", 3, { etag })],
    });
    const result = await runHandler(conflicting, cloudEvent(conflicting, null), { sidecar: execute });
    expect(result.status).toBe("RETRY");
    expect(result.reason).toMatch(/sidecar answered 409 ERR_STATE_SAVE/);
  });

  it("turns a sidecar that does not answer in time into RETRY", async () => {
    sidecar.fail({ operation: "saveState", delayMs: 1_500 });
    const result = await runHandler(onPaid, cloudEvent(onPaid, { orderId: "o-3" }), { sidecar: execute });
    expect(result.status).toBe("RETRY");
    expect(result.reason).toMatch(/did not answer within 1000 ms/);
  });

  it("answers 401 without the API token, as daprd does with DAPR_API_TOKEN", async () => {
    const res = await fetch("http://127.0.0.1:3599/v1.0/state/statestore/k");
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("invalid api token");
  });
});
