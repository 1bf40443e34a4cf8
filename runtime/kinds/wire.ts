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
/** Lenient text (invalid UTF-8 becomes U+FFFD): only for what is shown, never for what is handled or stored. */
export const text = (bytes: Uint8Array) => utf8.decode(bytes);

const strict = new TextDecoder("utf-8", { fatal: true });
/** Text that is valid UTF-8, or why not: a body with invalid bytes is refused, not silently turned into U+FFFD and stored. */
export function readText(bytes: Uint8Array): { ok: true; value: string } | { ok: false; reason: string } {
  try {
    return { ok: true, value: strict.decode(bytes) };
  } catch {
    return { ok: false, reason: "body is not valid UTF-8" };
  }
}

/**
 * How deeply arrays and objects may nest in a JSON body (DAPRLET_MAX_JSON_DEPTH, default 64).
 * JSON.parse takes a million levels, but the schema, JSON.stringify and the state store then
 * overflow the stack on every redelivery: refused before parsing instead.
 */
export const maxJsonDepth = Number(process.env.DAPRLET_MAX_JSON_DEPTH ?? 64);

/** Whether brackets outside strings nest deeper than `max`: one pass over the bytes, no allocation. */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  if (bytes.length <= max) return false; // too short to open more than `max` brackets
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) i = stringEnd(bytes, i);
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}

/**
 * The closing quote of the string opened at `start`. Native `indexOf` skips the text, a third of
 * the byte loop's time (multi-byte UTF-8 never contains a `"` or a backslash byte).
 */
function stringEnd(bytes: Uint8Array, start: number): number {
  let end = bytes.indexOf(0x22, start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (bytes[end - 1 - backslashes] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = bytes.indexOf(0x22, end + 1);
  }
  return bytes.length; // unterminated: JSON.parse says so
}

/**
 * A JSON body, or why not. `unreadable`: not even text (invalid UTF-8, or nested too deep), so
 * kinds that fall back to handing over text refuse it instead.
 */
export function readJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string; unreadable?: true } {
  if (bytes.length === 0) return { ok: false, reason: "empty body" };
  const decoded = readText(bytes);
  if (!decoded.ok) return { ...decoded, unreadable: true };
  if (nestsDeeperThan(bytes, maxJsonDepth))
    return { ok: false, reason: `JSON nested deeper than ${maxJsonDepth} levels (DAPRLET_MAX_JSON_DEPTH)`, unreadable: true };
  return parsed(decoded.value);
}

/**
 * An answer from daprd (a stored value, a secret, another app's reply) as JSON, read as before:
 * lenient UTF-8 and no depth limit. What is refused at the door is not re-judged on the way back.
 */
export function readAnswerJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  return bytes.length === 0 ? { ok: false, reason: "empty body" } : parsed(text(bytes));
}

function parsed(json: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
}

/** JSON when it parses, else UTF-8 text (bindings and jobs: producers label everything JSON), else why neither. */
export function readJsonOrText(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  const json = readJson(bytes);
  if (json.ok || json.unreadable) return json;
  return readText(bytes);
}

export const lowerKeys = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
