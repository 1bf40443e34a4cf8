import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeHandler } from "../descriptor.ts";
import { createMetricsApp } from "../serve/app.ts";
import { createOrder } from "../testing/fixture/handlers/createOrder.ts";
import { onCronTick } from "../testing/fixture/handlers/onCronTick.ts";
import { onOrderCreated } from "../testing/fixture/handlers/onOrderCreated.ts";
import { bindingRequest, cloudEvent, createFakeSidecar, invokeRequest, testApp } from "../testing/index.ts";
import { createMetrics, durationBuckets } from "./metrics.ts";

const sidecar = createFakeSidecar({ port: 3572 });
const server = setupServer(...sidecar.handlers);
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());

/** `name{labels} value` lines → value by `name{labels}`. */
async function scrape(app: { request: (path: string) => Response | Promise<Response> }) {
  const res = await app.request("/metrics");
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  const values = new Map(
    text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))] as const),
  );
  return { text, value: (series: string) => values.get(series) };
}

describe("GET /metrics after known deliveries", () => {
  it("counts deliveries by handler, trigger and outcome, effect failures by kind, and handler durations", async () => {
    const app = testApp({ createOrder, onOrderCreated, onCronTick }, { sidecar: sidecar.execute });
    const order = (orderId: string) => cloudEvent(onOrderCreated, { orderId, amount: 1 });
    expect((await app.send("onOrderCreated", order("a"))).status).toBe(200);
    await app.send("onOrderCreated", order("b"));
    await app.send("onOrderCreated", cloudEvent(onOrderCreated, { orderId: "c", amount: "x" } as never)); // schema: DROP
    sidecar.fail({ operation: "saveState", status: 500 });
    await app.send("onOrderCreated", order("d")); // the state write fails: RETRY
    sidecar.fail({ operation: "invokeBinding", status: 500 });
    expect((await app.send("createOrder", invokeRequest(createOrder, { body: { orderId: "e", amount: 2 } }))).status).toBe(502);
    await app.send("onCronTick", bindingRequest(onCronTick));

    const { value, text } = await scrape(app);
    expect(value('daprlet_deliveries_total{handler="onOrderCreated",trigger="topic",outcome="SUCCESS"}')).toBe(2);
    expect(value('daprlet_deliveries_total{handler="onOrderCreated",trigger="topic",outcome="DROP"}')).toBe(1);
    expect(value('daprlet_deliveries_total{handler="onOrderCreated",trigger="topic",outcome="RETRY"}')).toBe(1);
    expect(value('daprlet_deliveries_total{handler="createOrder",trigger="invoke",outcome="RETRY"}')).toBe(1);
    expect(value('daprlet_deliveries_total{handler="createOrder",trigger="invoke",outcome="SUCCESS"}')).toBe(0);
    expect(value('daprlet_deliveries_total{handler="onCronTick",trigger="binding",outcome="SUCCESS"}')).toBe(1);

    expect(value('daprlet_effect_failures_total{handler="onOrderCreated",kind="saveState"}')).toBe(1);
    expect(value('daprlet_effect_failures_total{handler="createOrder",kind="invokeBinding"}')).toBe(1);
    expect(text).not.toMatch(/daprlet_effect_failures_total\{handler="onCronTick"/);

    // Every onOrderCreated invocation is in the histogram, and its buckets are cumulative.
    expect(value('daprlet_handler_duration_seconds_count{handler="onOrderCreated"}')).toBe(4);
    expect(value('daprlet_handler_duration_seconds_bucket{handler="onOrderCreated",le="+Inf"}')).toBe(4);
    const buckets = durationBuckets.map(
      (le) => value(`daprlet_handler_duration_seconds_bucket{handler="onOrderCreated",le="${le}"}`) ?? -1,
    );
    expect(buckets.every((count, i) => count >= 0 && count <= 4 && (i === 0 || count >= buckets[i - 1]))).toBe(true);
    expect(buckets.at(-1)).toBe(4); // nothing in-process takes 10 s
    expect(value('daprlet_handler_duration_seconds_sum{handler="onOrderCreated"}')).toBeGreaterThan(0);
    expect(value('daprlet_handler_duration_seconds_count{handler="onCronTick"}')).toBe(1);
  });

  it("starts every handler's series at zero, before any delivery", async () => {
    const { value } = await scrape(testApp({ onOrderCreated }));
    for (const outcome of ["SUCCESS", "RETRY", "DROP"]) {
      expect(value(`daprlet_deliveries_total{handler="onOrderCreated",trigger="topic",outcome="${outcome}"}`)).toBe(0);
    }
    expect(value('daprlet_handler_duration_seconds_count{handler="onOrderCreated"}')).toBe(0);
  });

  it("counts an oversize delivery, refused before parsing, as DROP", async () => {
    const app = testApp({ onOrderCreated }, { maxBodyBytes: 64 });
    await app.send("onOrderCreated", cloudEvent(onOrderCreated, { orderId: "x".repeat(100), amount: 1 }));
    const { value } = await scrape(app);
    expect(value('daprlet_deliveries_total{handler="onOrderCreated",trigger="topic",outcome="DROP"}')).toBe(1);
  });

  it("needs the app token on the app's port (they name every handler and its failures); the metrics port serves them alone without it", async () => {
    const app = testApp({ onOrderCreated }, { appApiToken: "s3cret" });
    expect((await app.request("/metrics")).status).toBe(401);
    expect((await app.request("/metrics", { headers: { "dapr-api-token": "s3cret" } })).status).toBe(200);
    expect((await app.send("onOrderCreated", cloudEvent(onOrderCreated, { orderId: "a", amount: 1 }))).status).toBe(401);
    const metricsOnly = createMetricsApp(createMetrics([describeHandler("onOrderCreated", onOrderCreated)]));
    expect(await (await metricsOnly.request("/metrics")).text()).toContain("daprlet_deliveries_total");
    expect((await metricsOnly.request("/healthz")).status).toBe(404);
    expect((await metricsOnly.request("/events/onOrderCreated", { method: "POST" })).status).toBe(404);
  });
});
