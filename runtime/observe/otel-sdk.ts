// The OpenTelemetry SDK side of tracing: exporters, samplers, the provider. Imported only when an
// exporter is configured (otel-env.ts), so an app with tracing off never loads it.
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

/** What otel-env.ts worked out from the variables, so this module needs nothing from it. */
export interface ExporterSettings {
  otlpUrl: string;
  zipkinUrl: string;
  warn: (message: string) => void;
}

export { BasicTracerProvider, BatchSpanProcessor, defaultResource, detectResources, envDetector, resourceFromAttributes };

type Env = Record<string, string | undefined>;

const sdkWarn = (message: string) => console.error(JSON.stringify({ level: "warn", msg: `[daprlet] ${message}` }));

export function createExporter(name: string, env: Env, { otlpUrl, zipkinUrl, warn }: ExporterSettings): [string, SpanExporter] | undefined {
  switch (name) {
    case "otlp":
      if (
        env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL === "grpc" ||
        (!env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL && env.OTEL_EXPORTER_OTLP_PROTOCOL === "grpc")
      ) {
        warn("OTLP over gRPC is not bundled: sending OTLP/HTTP (JSON) instead; point the endpoint at the collector's HTTP port (4318)");
      }
      return [`otlp ${otlpUrl}`, new OTLPTraceExporter({ url: otlpUrl })];
    case "zipkin":
      return [`zipkin ${zipkinUrl}`, new ZipkinExporter({ url: zipkinUrl })];
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
      sdkWarn(`OTEL_TRACES_SAMPLER "${env.OTEL_TRACES_SAMPLER}" is not supported: using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
