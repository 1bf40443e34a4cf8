// A stand-in for daprd that answers at once: 204 to the state save, 200 `{}` to anything else
// (DaprServer's start probes GET /v1.0/metadata). Measures the app's cost of an effect, not a store's.
import { createServer } from "node:http";

createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.method === "POST" && req.url?.startsWith("/v1.0/state/")) {
      return void res.writeHead(204).end();
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
}).listen(Number(process.env.APP_PORT ?? 3500), "127.0.0.1");
