// Traces: a Zipkin from `npm run zipkin` is used when no exporter is configured.
import { say } from "./supervisor.ts";

/** The environment that sends daprd's and the app's spans to a local Zipkin, if one is up and none is configured. */
export async function zipkinEnv(): Promise<Record<string, string>> {
  const configured = [
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_ZIPKIN_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  ];
  if (configured.some((key) => process.env[key])) return {};
  const zipkin = "http://127.0.0.1:9411";
  const up = await fetch(`${zipkin}/health`, { signal: AbortSignal.timeout(500) }).then(
    async (r) => r.ok && (await r.text()).includes("UP"),
    () => false,
  );
  if (!up) return {};
  say(`traces go to the Zipkin of npm run zipkin: ${zipkin}/zipkin/`);
  // config/dapr-config.yaml expands it for daprd; the app reads it too.
  return { OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkin}/api/v2/spans` };
}
