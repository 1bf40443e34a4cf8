// The one place daprd URLs are built. Every call the runtime makes carries the app's
// DAPR_API_TOKEN, so a value from a message (a key, a topic, a method path) must never steer it to
// another daprd API: `fetch` resolves `.`/`..` segments (also `%2e%2e`) before daprd sees them, and
// `invoke/inventory/method/../../secrets/secretstore/x` is `GET /v1.0/secrets/secretstore/x`.

/** A value that would address daprd outside its own path segment; the delivery is DROPped (400 on an invoked route). */
export class UnsafeValue extends Error {
  override name = "UnsafeValue";
  readonly field: string;
  readonly value: unknown;
  readonly why: string;
  constructor(field: string, value: unknown, why: string) {
    // The value is shown cut short: a reason is logged, stored and (400) answered.
    super(`${field} ${(JSON.stringify(value) ?? String(value)).slice(0, 120)} ${why}`);
    this.field = field;
    this.value = value;
    this.why = why;
  }
  /** The same refusal, naming where it came from: `publish pubsub/x: topic ".." is a dot segment`. */
  within(what: string): UnsafeValue {
    const named = new UnsafeValue(this.field, this.value, this.why);
    named.message = `${what}: ${this.message}`;
    return named;
  }
}

// C0 controls and DEL: header splitting, log forging, and nothing a daprd name or key needs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const control = /[\u0000-\u001f\u007f]/;

/** Why a path segment is refused, or undefined when it is safe to encode. */
function refusal(value: string): string | undefined {
  if (value === "") return "is empty";
  if (value === "." || value === "..") return "is a dot segment";
  if (control.test(value)) return "contains a control character";
  return undefined;
}

/** One checked value as a string: numbers are allowed (JSON ids), anything else is a mistake or an attack. */
function stringOf(field: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new UnsafeValue(field, value, `is a ${value === null ? "null" : typeof value}, not a string`);
}

/** A value checked like a segment and given back unencoded, for a query (which `query` encodes). */
export function checkedValue(field: string, value: unknown): string {
  const s = stringOf(field, value);
  const why = refusal(s);
  if (why) throw new UnsafeValue(field, s, why);
  return s;
}

/** One path segment from a value: checked, then encoded (`/` becomes `%2F`, so it stays one segment). */
export function segmentOf(field: string, value: unknown): string {
  return encodeURIComponent(checkedValue(field, value));
}

/** A path of several segments from one value (a topic, an app's method path): split on `/`, each segment checked and encoded. */
export function segmentsOf(field: string, value: unknown, shown: unknown = value): string {
  const parts = stringOf(field, value).split("/");
  for (const part of parts) {
    const why = refusal(part);
    if (why) throw new UnsafeValue(field, shown, why === "is empty" ? "has an empty segment" : `has a segment that ${why}`);
  }
  return parts.map(encodeURIComponent).join("/");
}

/** A named value: `{ store: e.store }` is checked and encoded as the segment named "store". */
type Named = Readonly<Record<string, unknown>>;

/**
 * A daprd path below `/v1.0`: literal segments as given, each named value checked and encoded as
 * one segment, and a `segments(field, value)` part split on `/` into several, each checked.
 * @example daprdPath("state", { store: e.store }, { key: e.key }) // "/state/statestore/order%2F1"
 */
export function daprdPath(...parts: (string | Named | Segments)[]): string {
  let path = "";
  for (const part of parts) {
    if (typeof part === "string") path += `/${part}`;
    else if (part instanceof Segments) path += `/${segmentsOf(part.field, part.value)}`;
    else for (const field in part) path += `/${segmentOf(field, part[field])}`;
  }
  return path;
}

class Segments {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown) {
    this.field = field;
    this.value = value;
  }
}

/** A value that may hold `/` (a topic, a method path), each of its segments checked. @example daprdPath("publish", { pubsub }, segments("topic", topic)) */
export const segments = (field: string, value: unknown) => new Segments(field, value);

/**
 * An app's method path as service invocation forwards it: leading slashes dropped, the query (after
 * `?`) kept as the caller wrote it, each path segment checked and encoded. Write the path decoded
 * (`/items/a b`): the runtime encodes it.
 */
export function methodPath(field: string, value: unknown): string {
  const s = stringOf(field, value);
  const at = s.indexOf("?");
  const path = (at === -1 ? s : s.slice(0, at)).replace(/^\/+/, "");
  const search = at === -1 ? "" : s.slice(at + 1);
  if (control.test(search) || search.includes("#")) throw new UnsafeValue(field, s, "has a control character or '#' in its query");
  return segmentsOf(field, path, s) + (search ? `?${search}` : "");
}

/** A query string (`?a=1&b=2`, URLSearchParams-encoded), the undefined values left out; `""` when none is left. */
export const query = (params: Record<string, string | undefined> | [string, string][]) => {
  const entries = (Array.isArray(params) ? params : Object.entries(params)).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries)}` : "";
};

/** `?metadata.k=v` for daprd's request metadata. */
export const metadataQuery = (metadata: Record<string, string> = {}) =>
  query(Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata.${k}`, v])));

/** Header values from a handler (`callApp`'s headers): CR/LF or NUL would fail the call on every retry. */
export function checkedHeaders(field: string, headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!headers) return headers;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value !== "string" || control.test(value.replaceAll("\t", " ")) || !/^[!#$%&'*+.^\w`|~-]+$/.test(name))
      throw new UnsafeValue(`${field}.${name}`, value, "is not a valid header (a string without control characters)");
  }
  return headers;
}
