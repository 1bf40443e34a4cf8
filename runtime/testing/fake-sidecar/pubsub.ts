// Publish and bulk publish: what was published is kept, in order, for a test to assert on.
import { HttpResponse, http } from "msw";
import { type Context, daprError, type Routes } from "./context.ts";

/** Publish, and bulk publish (matched first: its path also fits publish). */
export function pubsubRoutes(ctx: Context): Routes<"publish.bulk" | "publish"> {
  const { base, pubsubs, published, injected } = ctx;
  return {
    "publish.bulk": ["v1.0-alpha1", "v1.0"].map((version) =>
      http.post(`${base}/${version}/publish/bulk/:pubsub/*`, async ({ request, params }) => {
        if (!pubsubs.has(String(params.pubsub))) return daprError(404, "ERR_PUBSUB_NOT_FOUND", `pubsub ${params.pubsub} not found`);
        const failure = await injected("publish");
        if (failure) return failure;
        const topic = new URL(request.url).pathname.split(`/publish/bulk/${params.pubsub}/`)[1];
        for (const e of (await request.json()) as { event: unknown; contentType: string; metadata?: Record<string, string> }[]) {
          published.push({ pubsub: String(params.pubsub), topic, data: e.event, contentType: e.contentType, metadata: e.metadata ?? {} });
        }
        return new HttpResponse(null, { status: 204 });
      }),
    ),
    publish: http.post(`${base}/v1.0/publish/:pubsub/*`, async ({ request, params }) => {
      if (!pubsubs.has(String(params.pubsub))) return daprError(404, "ERR_PUBSUB_NOT_FOUND", `pubsub ${params.pubsub} is not found`);
      const failure = await injected("publish");
      if (failure) return failure;
      const url = new URL(request.url);
      const topic = decodeURIComponent(url.pathname.split(`/publish/${params.pubsub}/`)[1] ?? "");
      if (!topic) return daprError(404, "ERR_TOPIC_NAME_EMPTY", "topic is empty");
      const contentType = request.headers.get("content-type") ?? "application/json";
      const text = await request.text();
      const data = /json/.test(contentType) && text ? JSON.parse(text) : text;
      const metadata = Object.fromEntries(
        [...url.searchParams].filter(([k]) => k.startsWith("metadata.")).map(([k, v]) => [k.slice(9), v]),
      );
      published.push({ pubsub: String(params.pubsub), topic, data, contentType, metadata });
      return new HttpResponse(null, { status: 204 });
    }),
  };
}
