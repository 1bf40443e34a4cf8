// Every route the app serves, known before it serves any: the runtime's own and each handler's
// (as its trigger kind mounts them). Two that can match one request are an error at
// `npm run check` and at start-up, naming both owners, instead of one silently shadowing the
// other in file order.

/** A method and a Hono-style path: literal segments, `:param` (one segment), `prefix-:param`, or a final `*`. */
export interface Route {
  method: string;
  path: string;
}

/** The path daprd's app health check probes by default (`--app-health-check-path`). */
export const healthPath = "/healthz";
/**
 * Prometheus scrapes this: behind the app token on the app's port (the metrics name every handler
 * and its failures), and without it on DAPRLET_METRICS_PORT when set (scrapers have no daprd token).
 */
export const metricsPath = "/metrics";
/** The last deliveries (no payloads), for `npm run trigger`; behind the app token like every handler route. */
export const recentPath = "/daprlet/recent";

/** The routes the runtime itself serves, whatever the handlers: a handler may not take them. */
export const runtimeRoutes: (Route & { what: string })[] = [
  { method: "GET", path: healthPath, what: "the health probe" },
  { method: "GET", path: metricsPath, what: "the Prometheus metrics" },
  { method: "GET", path: "/dapr/subscribe", what: "daprd's subscription list" },
  { method: "GET", path: "/dapr/config", what: "daprd's app configuration" },
  { method: "GET", path: recentPath, what: "the recent deliveries" },
];

type Segment = { prefix: string; param: boolean } | "*";
const segmentsOf = (path: string): Segment[] =>
  path
    .split("?")[0]
    .split("/")
    .filter(Boolean)
    .map((s) => {
      if (s === "*") return "*";
      const at = s.indexOf(":");
      return at < 0 ? { prefix: s, param: false } : { prefix: s.slice(0, at), param: true };
    });

/** Whether one path segment can match both: a param matches any non-empty rest after its literal prefix. */
function segmentsMeet(a: Exclude<Segment, "*">, b: Exclude<Segment, "*">): boolean {
  if (!a.param && !b.param) return a.prefix === b.prefix;
  if (a.param && b.param) return a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const [literal, pattern] = a.param ? [b, a] : [a, b];
  return literal.prefix.startsWith(pattern.prefix) && literal.prefix.length > pattern.prefix.length;
}

/** Whether some request matches both routes (same method, or either takes every method). */
export function routesOverlap(a: Route, b: Route): boolean {
  const methods = (r: Route) => r.method.toUpperCase();
  if (methods(a) !== methods(b) && methods(a) !== "ALL" && methods(b) !== "ALL") return false;
  const sa = segmentsOf(a.path);
  const sb = segmentsOf(b.path);
  for (let i = 0; ; i++) {
    const x = sa[i];
    const y = sb[i];
    if (x === "*" || y === "*") return true;
    if (x === undefined || y === undefined) return x === y;
    if (!segmentsMeet(x, y)) return false;
  }
}

/** A route and who serves it, for messages: a handler file and its trigger, or the runtime. */
export interface OwnedRoute extends Route {
  owner: string;
  what: string;
}

/** Every pair of routes of different owners that can match one request (and is not `reported` already), each as a message naming both. */
export function routeOverlaps(routes: OwnedRoute[], reported: (a: string, b: string) => boolean = () => false): string[] {
  const problems: string[] = [];
  for (const [i, a] of routes.entries()) {
    for (const b of routes.slice(i + 1)) {
      if (a.owner === b.owner || reported(a.owner, b.owner) || !routesOverlap(a, b)) continue;
      const runtime = [a, b].find((r) => r.owner === "the runtime");
      const fix = runtime
        ? `the runtime serves ${runtime.method} ${runtime.path} (${runtime.what}) itself: give the handler another path`
        : "a request to one would reach whichever is mounted first (the file order): change one path or narrow the other";
      problems.push(`${a.owner} (${a.what}: ${a.method} ${a.path}) and ${b.owner} (${b.what}: ${b.method} ${b.path}) overlap: ${fix}`);
    }
  }
  return problems;
}
