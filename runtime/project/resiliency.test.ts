import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ComponentInfo } from "./components.ts";
import { inboundRetryOf, loadResiliency, type ResiliencyDoc, retryWindowSeconds } from "./resiliency.ts";

describe("retryWindowSeconds", () => {
  it("is duration × maxRetries for a constant policy (5 s by default), unlimited when maxRetries is unset", () => {
    expect(retryWindowSeconds({ policy: "constant", duration: "2s", maxRetries: 10 })).toBe(20);
    expect(retryWindowSeconds({ policy: "constant", maxRetries: 3 })).toBe(15);
    expect(retryWindowSeconds({ policy: "constant" })).toBe(Number.POSITIVE_INFINITY);
  });

  it("sums the shortest exponential intervals (500 ms × 1.5ⁿ, −50 %), capped by maxInterval and by 15 minutes", () => {
    expect(retryWindowSeconds({ policy: "exponential", maxRetries: 2 })).toBeCloseTo(0.25 + 0.375, 10);
    expect(retryWindowSeconds({ policy: "exponential", maxInterval: "1s", maxRetries: 4 })).toBeCloseTo(0.25 + 0.375 + 0.5 + 0.5, 10);
    expect(retryWindowSeconds({ policy: "exponential", maxRetries: 1000 })).toBe(900);
    expect(retryWindowSeconds({ policy: "exponential" })).toBe(900);
  });

  it("is 0 without a policy", () => {
    expect(retryWindowSeconds(undefined)).toBe(0);
  });
});

describe("inboundRetryOf", () => {
  const pubsub: ComponentInfo = { name: "pubsub", type: "pubsub.redis", file: "redis/pubsub.yaml", metadata: {} };
  const doc = (spec: ResiliencyDoc["spec"]): ResiliencyDoc => ({ file: "resiliency.yaml", spec });
  const retries = { fast: { duration: "1s", maxRetries: 2 }, pubsubDefault: { maxRetries: 5 }, any: { maxRetries: 9 } };

  it("takes the component's own inbound retry", () => {
    const docs = [doc({ policies: { retries }, targets: { components: { pubsub: { inbound: { retry: "fast" } } } } })];
    expect(inboundRetryOf(pubsub, docs)).toEqual(retries.fast);
  });

  it("gives a component that is a target without an inbound retry none, defaults notwithstanding", () => {
    const docs = [
      doc({
        policies: { retries: { ...retries, DefaultRetryPolicy: retries.any } },
        targets: { components: { pubsub: { outbound: { retry: "fast" } } } },
      }),
    ];
    expect(inboundRetryOf(pubsub, docs)).toBeUndefined();
  });

  it("falls back on the Default… policies, most specific first", () => {
    const docs = [
      doc({ policies: { retries: { DefaultPubsubComponentInboundRetryPolicy: retries.pubsubDefault, DefaultRetryPolicy: retries.any } } }),
    ];
    expect(inboundRetryOf(pubsub, docs)).toEqual(retries.pubsubDefault);
    expect(inboundRetryOf(pubsub, [doc({ policies: { retries: { DefaultRetryPolicy: retries.any } } })])).toEqual(retries.any);
  });
});

describe("loadResiliency", () => {
  it("reads the Resiliency files of a folder, in name order, and nothing from a missing folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "daprlet-resiliency-"));
    writeFileSync(join(dir, "b.yaml"), "kind: Resiliency\nspec:\n  policies: {}\n");
    writeFileSync(join(dir, "a.yml"), "kind: Resiliency\n");
    writeFileSync(join(dir, "c.yaml"), "kind: Component\n");
    writeFileSync(join(dir, "notes.txt"), "kind: Resiliency\n");
    expect(loadResiliency(dir).map((d) => d.file)).toEqual(["a.yml", "b.yaml"]);
    expect(loadResiliency(join(dir, "missing"))).toEqual([]);
  });
});
