// Turns collected spans into the tree a person reads: who called whom, daprd or the app.
import type { ZipkinSpan } from "./zipkin-receiver.ts";

/** daprd's spans come from its Go SDK; the app's from OpenTelemetry JS. */
export const originOf = (s: ZipkinSpan) => (s.tags?.["telemetry.sdk.language"] === "nodejs" ? "app" : "daprd");

export interface TraceNode {
  span: ZipkinSpan;
  depth: number;
  /** The tree drawing before the name: `│  ├─ `. */
  prefix: string;
}

/** Depth-first, children by start time; spans whose parent was not collected are roots. */
export function walkTrace(spans: readonly ZipkinSpan[]): TraceNode[] {
  const ids = new Set(spans.map((s) => s.id));
  const byStart = [...spans].sort((a, b) => a.timestamp - b.timestamp);
  const children = (id: string | undefined) => byStart.filter((s) => (id ? s.parentId === id : !s.parentId || !ids.has(s.parentId)));
  const out: TraceNode[] = [];
  const visit = (s: ZipkinSpan, depth: number, indent: string, last: boolean) => {
    out.push({ span: s, depth, prefix: depth === 0 ? "" : `${indent}${last ? "└─ " : "├─ "}` });
    const kids = children(s.id);
    const next = depth === 0 ? "" : `${indent}${last ? "   " : "│  "}`;
    for (const [i, c] of kids.entries()) visit(c, depth + 1, next, i === kids.length - 1);
  };
  for (const root of children(undefined)) visit(root, 0, "", true);
  return out;
}

/** One line per span: `└─ process orders  [app CONSUMER] onOrderCreated SUCCESS 1.0ms  (id ← parent)`. */
export function renderTree(spans: readonly ZipkinSpan[]): string {
  return walkTrace(spans)
    .map(({ span: s, prefix }) => {
      const t = s.tags ?? {};
      const what = [t["daprlet.handler"], t["daprlet.outcome"], t["daprlet.reason"] && `"${t["daprlet.reason"]}"`]
        .filter(Boolean)
        .join(" ");
      const ms = s.duration === undefined ? "" : ` ${(s.duration / 1000).toFixed(1)}ms`;
      return `${prefix}${s.name}  [${originOf(s)} ${s.kind ?? "INTERNAL"}]${what ? ` ${what}` : ""}${ms}  (${s.id} ← ${s.parentId ?? "root"})`;
    })
    .join("\n");
}
