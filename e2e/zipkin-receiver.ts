// A Zipkin collector in a few lines: accepts POST /api/v2/spans (JSON v2, as daprd's and the
// app's Zipkin exporters send it) on a free loopback port and keeps the spans in memory.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** A span in Zipkin's v2 JSON. */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: "CLIENT" | "SERVER" | "PRODUCER" | "CONSUMER";
  timestamp: number;
  duration?: number;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

export interface ZipkinReceiver {
  /** What OTEL_EXPORTER_ZIPKIN_ENDPOINT should be. */
  endpoint: string;
  spans: ZipkinSpan[];
  stop: () => Promise<void>;
}

export async function startZipkinReceiver(): Promise<ZipkinReceiver> {
  const spans: ZipkinSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/api/v2/spans") return res.writeHead(404).end();
      const raw = Buffer.concat(chunks);
      try {
        spans.push(...(JSON.parse((req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8")) as ZipkinSpan[]));
        res.writeHead(202).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/api/v2/spans`,
    spans,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}
