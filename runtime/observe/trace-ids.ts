// Reading ids out of a `traceparent` needs no OpenTelemetry: the log and the recent-deliveries list
// use this, so an app with tracing off loads none of it.
/** `00-<trace>-<span>-<flags>` → its ids, for log lines; undefined for anything malformed. */
export function idsOf(traceparent: string | undefined): { traceId: string; spanId: string } | undefined {
  const match = traceparent ? /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/.exec(traceparent.trim()) : null;
  return match ? { traceId: match[1], spanId: match[2] } : undefined;
}
