/** A request as it arrived on the wire: what daprd (or a caller) sent, and what recordings store. */
export interface WireRequest {
  method: string;
  /** Path and query, e.g. `/events/onOrderCreated` or `/orders?x=1`. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** Set when the body was over the size limit: the pipeline refuses it as a parse failure. */
  oversize?: string;
}

/** The HTTP answer the runtime gives daprd (or an invoking caller). */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

// Headers that are transport or Dapr plumbing, not message metadata.
const plumbing = new Set([
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "accept-encoding",
  "connection",
  "dapr-api-token",
  "traceparent",
  "tracestate",
  "baggage",
]);

/** Message or component metadata daprd turned into headers (it lower-cases, then canonicalises, the keys). */
export function metadataOf(headers: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const key in headers) if (!plumbing.has(key)) metadata[key] = headers[key];
  return metadata;
}

export const isJsonType = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type.trim());
const utf8 = new TextDecoder();
export const text = (bytes: Uint8Array) => utf8.decode(bytes);

export function readJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (bytes.length === 0) return { ok: false, reason: "empty body" };
  try {
    return { ok: true, value: JSON.parse(text(bytes)) };
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
}

export const lowerKeys = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
