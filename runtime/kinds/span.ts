/**
 * What a span says, as plain data: kinds describe their spans without depending on OpenTelemetry;
 * `observe/tracing.ts` turns this into real spans.
 */
export interface SpanShape {
  name: string;
  kind: "server" | "consumer" | "client";
  attributes: Record<string, string | number | boolean>;
}
