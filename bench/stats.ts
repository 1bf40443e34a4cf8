// Medians and ranges of the rounds, and how figures are printed.

/** What one server yields over the rounds, one entry per round. */
export interface Figures {
  coldStartMs: number[];
  rssIdleMb: number[];
  rssAfterMb: number[];
  rps50: number[];
  p99Ms: number[];
  rps1: number[];
  /** the server's CPU time (user + system) per request at c=50, µs: little moved by other work on the machine */
  cpuUsPerReq: number[];
  /** errors, timeouts and non-2xx answers seen by the load generator: should be 0 */
  failures: number;
}

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export function stat(values: number[]): Stat | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

const format = (n: number, digits: number) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `27,628 (26,901–28,004) 0.61×`: median, min–max over rounds, ratio to the reference's median. */
export function cell(values: number[], digits: number, reference?: number[]): string {
  const s = stat(values);
  if (!s) return "–";
  const range = values.length > 1 ? ` (${format(s.min, digits)}–${format(s.max, digits)})` : "";
  const ref = reference && stat(reference);
  const ratio = ref && ref.median > 0 ? ` **${(s.median / ref.median).toFixed(2)}×**` : "";
  return `${format(s.median, digits)}${range}${ratio}`;
}

/** The ratio alone, for the console. */
export function ratio(values: number[], reference: number[]): string {
  const s = stat(values);
  const r = stat(reference);
  return s && r && r.median > 0 ? `${(s.median / r.median).toFixed(2)}×` : "–";
}
