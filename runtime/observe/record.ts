import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WireRequest } from "../kinds/wire.ts";
import type { Watcher } from "./observer.ts";

/** A request as a JSON file: the body as text when it is UTF-8, else base64. */
export interface Recording {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  bodyBase64?: string;
}

// Recordings are committed, so the token daprd sent must not be.
const secretHeaders = new Set(["dapr-api-token", "authorization"]);

export function toRecording(req: WireRequest): Recording {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !secretHeaders.has(k)));
  const text = new TextDecoder("utf-8", { fatal: false }).decode(req.body);
  const isText = Buffer.from(text, "utf8").equals(Buffer.from(req.body));
  return {
    method: req.method,
    path: req.path,
    headers,
    ...(isText ? { body: text } : { bodyBase64: Buffer.from(req.body).toString("base64") }),
  };
}

export function fromRecording(rec: Recording): WireRequest {
  const body = rec.bodyBase64 !== undefined ? Buffer.from(rec.bodyBase64, "base64") : Buffer.from(rec.body ?? "", "utf8");
  return { method: rec.method, path: rec.path, headers: rec.headers, body: new Uint8Array(body) };
}

export const readRecording = (file: string): Recording => JSON.parse(readFileSync(file, "utf8")) as Recording;

/**
 * Writes every request the app receives to `dir`, one JSON file each, exactly as daprd sent it.
 * Switched on by DAPRLET_RECORD_DIR; off, it costs nothing.
 */
export function createRecorder(dir: string): Watcher {
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  // Handlers of one topic (fan-out) each hear the same request: it is one delivery, recorded once.
  const recorded = new WeakSet<object>();
  return {
    received(_d, req) {
      if (recorded.has(req)) return;
      recorded.add(req);
      seq += 1;
      const name = `${String(seq).padStart(4, "0")}-${req.method}${req.path.split("?")[0].replace(/[^\w-]+/g, "_")}.json`;
      writeFileSync(join(dir, name), `${JSON.stringify(toRecording(req), null, 2)}\n`);
    },
  };
}
