// Tracing configured the standard way, by OTEL_* variables, so the same build feeds a local
// Zipkin or Jaeger and a production collector. Nothing configured: no SDK at all.
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { ZipkinExporter } from "@opentelemetry/exporter-zipkin";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";

type Env = Record<string, string | undefined>;

export interface Tracing {
  tracer: Tracer;
  /** The exporters in use, for the start-up line: `zipkin http://…/api/v2/spans`. */
  exporters: string[];
  /** Exports what is buffered and stops; call before the process exits (SIGTERM). */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

const warn = (message: string) => console.error(JSON.stringify({ level: "warn", msg: `[daprlet] ${message}` }));

/**
 * `OTEL_TRACES_EXPORTER` (otlp, zipkin, console, none; comma-separated), else inferred from which
 * endpoint is set: unlike the SDK's default of `otlp`, an app nobody pointed at a collector
 * exports nothing, the way daprd does with no endpoint in its Configuration.
 */
export function exporterNames(env: Env): string[] {
  if (env.OTEL_SDK_DISABLED === "true") return [];
  const names = env.OTEL_TRACES_EXPORTER?.split(",")
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  if (names?.length) return names.filter((n) => n !== "none");
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT) return ["otlp"];
  if (env.OTEL_EXPORTER_ZIPKIN_ENDPOINT) return ["zipkin"];
  return [];
}

/** OTLP/HTTP's traces URL: the per-signal variable as is, the base one plus `/v1/traces`. */
export const otlpTracesUrl = (env: Env) =>
  env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${(env.OTEL_EXPORTER_OTLP_ENDPOINT || "http://localhost:4318").replace(/\/+$/, "")}/v1/traces`;

export const zipkinUrl = (env: Env) => env.OTEL_EXPORTER_ZIPKIN_ENDPOINT || "http://localhost:9411/api/v2/spans";

function createExporter(name: string, env: Env): [string, SpanExporter] | undefined {
  switch (name) {
    case "otlp":
      if (
        env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL === "grpc" ||
        (!env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL && env.OTEL_EXPORTER_OTLP_PROTOCOL === "grpc")
      ) {
        warn("OTLP over gRPC is not bundled: sending OTLP/HTTP (JSON) instead; point the endpoint at the collector's HTTP port (4318)");
      }
      return [`otlp ${otlpTracesUrl(env)}`, new OTLPTraceExporter({ url: otlpTracesUrl(env) })];
    case "zipkin":
      return [`zipkin ${zipkinUrl(env)}`, new ZipkinExporter({ url: zipkinUrl(env) })];
    case "console":
      return ["console", new ConsoleSpanExporter()];
    default:
      warn(`OTEL_TRACES_EXPORTER "${name}" is not supported (otlp, zipkin, console, none): ignored`);
      return undefined;
  }
}

/**
 * `OTEL_TRACES_SAMPLER` (+ `OTEL_TRACES_SAMPLER_ARG` for the ratio). The default,
 * parentbased_always_on, keeps daprd's decision: a trace daprd sampled is sampled here too.
 */
export function samplerFromEnv(env: Env): Sampler {
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  const ratio = () => new TraceIdRatioBasedSampler(Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1);
  switch (env.OTEL_TRACES_SAMPLER ?? "parentbased_always_on") {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio();
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio() });
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    default:
      warn(`OTEL_TRACES_SAMPLER "${env.OTEL_TRACES_SAMPLER}" is not supported: using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * A tracer exporting through a BatchSpanProcessor per configured exporter, named
 * `OTEL_SERVICE_NAME` or else the app id (daprd reports its spans under the app id too), or
 * undefined when no exporter is configured: the runtime then keeps its pass-through observer.
 */
export function tracingFromEnv(env: Env, appId: string): Tracing | undefined {
  const exporters = exporterNames(env)
    .map((name) => createExporter(name, env))
    .filter((e) => e !== undefined);
  if (exporters.length === 0) return undefined;
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME || appId }));
  const provider = new BasicTracerProvider({
    resource,
    sampler: samplerFromEnv(env),
    spanProcessors: exporters.map(([, exporter]) => new BatchSpanProcessor(exporter)),
  });
  return {
    tracer: provider.getTracer("daprlet"),
    exporters: exporters.map(([label]) => label),
    shutdown: () => provider.shutdown(),
    forceFlush: () => provider.forceFlush(),
  };
}
