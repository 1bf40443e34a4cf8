// Reading ids out of a `traceparent` needs no OpenTelemetry: the log and the recent-deliveries list
// use this, so an app with tracing off loads none of it.

/** `00-<trace>-<span>-<flags>` → its ids, for log lines; undefined for anything malformed. */
export function idsOf(traceparent: string | undefined): { traceId: string; spanId: string } | undefined {
  if (!traceparent) return undefined;
  const value = traceparent.length === 55 ? traceparent : traceparent.trim();
  // Checked by hand rather than with a regular expression: this runs for every delivery's log line.
  if (value.length !== 55 || value[2] !== "-" || value[35] !== "-" || value[52] !== "-" || !isLowerHex(value)) return undefined;
  return { traceId: value.slice(3, 35), spanId: value.slice(36, 52) };
}

function isLowerHex(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (i === 2 || i === 35 || i === 52) continue;
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
