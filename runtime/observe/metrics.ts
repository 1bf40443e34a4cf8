import type { HandlerDescriptor } from "../descriptor.ts";
import type { DaprStatus } from "../kinds/verdict.ts";
import type { DeliveryReport, Watcher } from "./observer.ts";

/** Prometheus' default buckets, in seconds: handlers range from sub-millisecond to a slow sidecar. */
export const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const outcomes: DaprStatus[] = ["SUCCESS", "RETRY", "DROP"];

export interface Metrics extends Required<Pick<Watcher, "delivered">> {
  /** The Prometheus text exposition (version 0.0.4) served on `GET /metrics`. */
  render(): string;
}

/** One handler's numbers; bucket counts are per bucket here and made cumulative when rendered. */
interface Series {
  outcomes: Record<DaprStatus, number>;
  buckets: number[];
  sum: number;
  count: number;
  effectFailures: Map<string, number>;
}

/**
 * Handler-level metrics, plain counters in memory: deliveries by outcome, handler duration, failed
 * effects by kind. Every handler's delivery series start at 0, so `rate()` and alerts see a
 * handler before its first failure. Recording is a few additions per delivery, no strings.
 * @example const metrics = createMetrics(handlers); createApp({ handlers, execute, metrics })
 */
export function createMetrics(handlers: readonly HandlerDescriptor[]): Metrics {
  const series = new Map<HandlerDescriptor, Series>();
  const seriesOf = (d: HandlerDescriptor) => {
    let s = series.get(d);
    if (!s) {
      s = {
        outcomes: { SUCCESS: 0, RETRY: 0, DROP: 0 },
        buckets: durationBuckets.map(() => 0),
        sum: 0,
        count: 0,
        effectFailures: new Map(),
      };
      series.set(d, s);
    }
    return s;
  };
  for (const d of handlers) seriesOf(d);

  return {
    delivered({ handler, outcome, durationMs }: DeliveryReport) {
      const s = seriesOf(handler);
      s.outcomes[outcome.verdict.status]++;
      const seconds = durationMs / 1000;
      const bucket = durationBuckets.findIndex((le) => seconds <= le);
      if (bucket >= 0) s.buckets[bucket]++;
      s.sum += seconds;
      s.count++;
      const failed = outcome.failedEffect?.kind;
      if (failed) s.effectFailures.set(failed, (s.effectFailures.get(failed) ?? 0) + 1);
    },
    render() {
      const all = [...series];
      const cumulative = (buckets: number[]) => buckets.map((_, i) => buckets.slice(0, i + 1).reduce((a, b) => a + b, 0));
      const lines = [
        "# HELP daprlet_deliveries_total Handler invocations by what daprd was told (SUCCESS, RETRY, DROP).",
        "# TYPE daprlet_deliveries_total counter",
        ...all.flatMap(([d, s]) =>
          outcomes.map(
            (outcome) =>
              `daprlet_deliveries_total{${labels({ handler: d.name, trigger: d.trigger.kind, outcome })}} ${s.outcomes[outcome]}`,
          ),
        ),
        "# HELP daprlet_handler_duration_seconds Time from a parsed delivery to its last effect.",
        "# TYPE daprlet_handler_duration_seconds histogram",
        ...all.flatMap(([d, s]) => [
          ...cumulative(s.buckets).map(
            (n, i) => `daprlet_handler_duration_seconds_bucket{${labels({ handler: d.name, le: String(durationBuckets[i]) })}} ${n}`,
          ),
          `daprlet_handler_duration_seconds_bucket{${labels({ handler: d.name, le: "+Inf" })}} ${s.count}`,
          `daprlet_handler_duration_seconds_sum{${labels({ handler: d.name })}} ${s.sum}`,
          `daprlet_handler_duration_seconds_count{${labels({ handler: d.name })}} ${s.count}`,
        ]),
        "# HELP daprlet_effect_failures_total Sidecar calls (state, publish, binding) that failed and turned a delivery into RETRY.",
        "# TYPE daprlet_effect_failures_total counter",
        ...all.flatMap(([d, s]) =>
          [...s.effectFailures].map(([kind, n]) => `daprlet_effect_failures_total{${labels({ handler: d.name, kind })}} ${n}`),
        ),
      ];
      return `${lines.join("\n")}\n`;
    },
  };
}

// Label values are escaped as the exposition format requires: backslash, double quote, newline.
const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
