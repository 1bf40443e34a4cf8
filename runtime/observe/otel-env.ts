// Tracing configured the standard way, by OTEL_* variables, so the same build feeds a local
// Zipkin or Jaeger and a production collector. Nothing configured: no SDK at all, not even loaded
// (the SDK and its exporters cost about 150 ms and 40 MB at start-up; see bench/RESULTS.md).
import type { Tracer } from "@opentelemetry/api";

type Env = Record<string, string | undefined>;

export interface Tracing {
  tracer: Tracer;
  /** The exporters in use, for the start-up line: `zipkin http://…/api/v2/spans`. */
  exporters: string[];
  /** Exports what is buffered and stops; call before the process exits (SIGTERM). */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

export const warn = (message: string) => console.error(JSON.stringify({ level: "warn", msg: `[daprlet] ${message}` }));

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

/**
 * A tracer exporting through a BatchSpanProcessor per configured exporter, named
 * `OTEL_SERVICE_NAME` or else the app id (daprd reports its spans under the app id too), or
 * undefined when no exporter is configured: the runtime then keeps its pass-through observer.
 */
export async function tracingFromEnv(env: Env, appId: string): Promise<Tracing | undefined> {
  if (exporterNames(env).length === 0) return undefined;
  const {
    createExporter,
    defaultResource,
    detectResources,
    envDetector,
    resourceFromAttributes,
    BasicTracerProvider,
    BatchSpanProcessor,
    samplerFromEnv,
  } = await import("./otel-sdk.ts");
  const exporters = exporterNames(env)
    .map((name) => createExporter(name, env, { otlpUrl: otlpTracesUrl(env), zipkinUrl: zipkinUrl(env), warn }))
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
