// node-http.ts as plain JavaScript: the floor for every server here, loaded with no type stripping.
// Same routes, schema and answers as node-http.ts.
import { createServer } from "node:http";
import * as v from "valibot";

const Order = v.object({ orderId: v.string(), amount: v.number() });
const json = (status) => JSON.stringify({ status });

createServer((req, res) => {
  if (req.method === "GET" && req.url === "/dapr/subscribe")
    return void res.writeHead(200, { "content-type": "application/json" }).end("[]");
  if (req.method === "GET" && req.url === "/healthz") return void res.writeHead(200).end();
  if (req.method !== "POST" || req.url !== "/events/onOrderCreated") return void res.writeHead(404).end();
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let status = "DROP";
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (v.safeParse(Order, event.data).success) status = "SUCCESS";
    } catch {
      // Not JSON: DROP, as a retry would fail the same way.
    }
    res.writeHead(200, { "content-type": "application/json" }).end(json(status));
  });
}).listen(Number(process.env.APP_PORT ?? 3000), "127.0.0.1");
