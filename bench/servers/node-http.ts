// Bare node:http speaking daprd's pub/sub protocol by hand: read the CloudEvent, validate `data`,
// answer SUCCESS, or DROP when it does not match the schema. The floor for the other servers.
import { createServer } from "node:http";
import * as v from "valibot";
import { Order, serverEnv } from "./order.ts";

const json = (status: string) => JSON.stringify({ status });

createServer((req, res) => {
  if (req.method === "GET" && req.url === "/dapr/subscribe")
    return void res.writeHead(200, { "content-type": "application/json" }).end("[]");
  if (req.method === "GET" && req.url === "/healthz") return void res.writeHead(200).end();
  if (req.method !== "POST" || req.url !== "/events/onOrderCreated") return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let status = "DROP";
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: unknown };
      if (v.safeParse(Order, event.data).success) status = "SUCCESS";
    } catch {
      // Not JSON: DROP, as a retry would fail the same way.
    }
    res.writeHead(200, { "content-type": "application/json" }).end(json(status));
  });
}).listen(serverEnv.port, "127.0.0.1");
