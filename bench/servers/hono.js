// hono.ts as a user ships it: plain JavaScript, so Node loads it with no type stripping (a
// hand-written service runs as .js in production). Same routes, schema and answers as hono.ts;
// the schema sits here rather than in order.ts so that nothing on this path is TypeScript.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import * as v from "valibot";

const Order = v.object({ orderId: v.string(), amount: v.number() });
const port = Number(process.env.APP_PORT ?? 3000);
const saveState = process.env.BENCH_SAVE_STATE === "1";
const stateUrl = `http://127.0.0.1:${process.env.DAPR_HTTP_PORT ?? "3500"}/v1.0/state/statestore`;

const app = new Hono();
app.get("/dapr/subscribe", (c) => c.json([]));
app.post("/events/onOrderCreated", async (c) => {
  let event;
  try {
    event = await c.req.json();
  } catch {
    return c.json({ status: "DROP" });
  }
  const result = v.safeParse(Order, event.data);
  if (!result.success) return c.json({ status: "DROP" });
  if (saveState) {
    const res = await fetch(stateUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ key: `order-${result.output.orderId}`, value: result.output }]),
    });
    await res.arrayBuffer();
    if (!res.ok) return c.json({ status: "RETRY" });
  }
  return c.json({ status: "SUCCESS" });
});
serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
