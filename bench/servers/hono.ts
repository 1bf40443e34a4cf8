// Hand-written hono + valibot: what a user writes without daprlet. Parse the CloudEvent, validate
// `data`, DROP on schema failure; in the saveState variant, POST the state item to daprd with fetch
// (RETRY when the sidecar refuses).
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import * as v from "valibot";
import { Order, serverEnv, stateItem } from "./order.ts";

const stateUrl = `http://127.0.0.1:${serverEnv.daprPort}/v1.0/state/statestore`;
const app = new Hono();
app.get("/dapr/subscribe", (c) => c.json([]));
app.post("/events/onOrderCreated", async (c) => {
  let event: { data?: unknown };
  try {
    event = await c.req.json();
  } catch {
    return c.json({ status: "DROP" });
  }
  const result = v.safeParse(Order, event.data);
  if (!result.success) return c.json({ status: "DROP" });
  if (serverEnv.saveState) {
    const res = await fetch(stateUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(stateItem(result.output)),
    });
    await res.arrayBuffer();
    if (!res.ok) return c.json({ status: "RETRY" });
  }
  return c.json({ status: "SUCCESS" });
});
serve({ fetch: app.fetch, port: serverEnv.port, hostname: "127.0.0.1" });
