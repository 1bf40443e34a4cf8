// A waterfall picture of one trace, as Zipkin or Jaeger would draw it: one row per span,
// indented by depth, a bar from start to end; daprd's spans and the app's in two colours.
import { originOf, walkTrace } from "./trace-tree.ts";
import type { ZipkinSpan } from "./zipkin-receiver.ts";

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const colours = { app: "#2f7ed8", daprd: "#8e44ad" };

export function renderTraceSvg(spans: readonly ZipkinSpan[]): string {
  const rows = walkTrace(spans);
  const start = Math.min(...spans.map((s) => s.timestamp));
  const end = Math.max(...spans.map((s) => s.timestamp + (s.duration ?? 0)));
  const [labelWidth, barWidth, rowHeight, top] = [430, 520, 24, 56];
  const x = (t: number) => labelWidth + ((t - start) / Math.max(end - start, 1)) * barWidth;
  const height = top + rows.length * rowHeight + 16;
  const body = rows.map(({ span: s, depth }, i) => {
    const y = top + i * rowHeight;
    const origin = originOf(s);
    const handler = s.tags?.["daprlet.handler"];
    const label = `${s.name}${handler ? ` (${handler})` : ""}`;
    const width = Math.max(x(s.timestamp + (s.duration ?? 0)) - x(s.timestamp), 2);
    const ms = ((s.duration ?? 0) / 1000).toFixed(1);
    return [
      `<text x="${8 + depth * 14}" y="${y + 16}" class="label">${escapeXml(label)}</text>`,
      `<text x="${labelWidth - 8}" y="${y + 16}" class="kind" text-anchor="end">${origin} ${s.kind ?? ""}</text>`,
      `<rect x="${x(s.timestamp).toFixed(1)}" y="${y + 5}" width="${width.toFixed(1)}" height="14" rx="2" fill="${colours[origin]}"/>`,
      // The duration goes after the bar, or before it when the bar reaches the right edge.
      x(s.timestamp) + width + 50 < labelWidth + barWidth + 60
        ? `<text x="${(x(s.timestamp) + width + 4).toFixed(1)}" y="${y + 16}" class="ms">${ms} ms</text>`
        : `<text x="${(x(s.timestamp) - 4).toFixed(1)}" y="${y + 16}" class="ms" text-anchor="end">${ms} ms</text>`,
    ].join("");
  });
  const total = ((end - start) / 1000).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + barWidth + 60}" height="${height}" font-family="Helvetica, Arial, sans-serif">
<title>daprd and daprlet spans of one order, as a waterfall</title>
<style>.label{font-size:12px;fill:#222}.kind{font-size:11px;fill:#777}.ms{font-size:10px;fill:#555}.title{font-size:14px;font-weight:bold}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="22" class="title">One order, one trace: ${spans.length} spans, ${total} ms (trace ${spans[0]?.traceId ?? ""})</text>
<text x="8" y="42" class="kind"><tspan fill="${colours.daprd}">■</tspan> daprd   <tspan fill="${colours.app}">■</tspan> daprlet app (handlers and their effects)</text>
${body.join("\n")}
</svg>
`;
}
