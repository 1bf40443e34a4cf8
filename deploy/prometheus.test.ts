// The alert rules, run by Prometheus' own rule engine: `promtool check rules` lints them and
// `promtool test rules` feeds them the series deploy/prometheus/alerts.test.yaml lists, labelled
// as the PodMonitor in deploy/kubernetes/monitoring.yaml labels them, and compares what fires.
// promtool comes with Debian's `prometheus` package (scripts/setup-servers.sh installs it).
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";

const root = join(import.meta.dirname, "..");
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "daprlet-promtool-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Rule = { alert: string; expr: string; labels?: Record<string, string> };
const rule = parse(readFileSync(join(root, "deploy/prometheus/alerts.yaml"), "utf8")) as { spec: { groups: { rules: Rule[] }[] } };

/** The PrometheusRule's groups as the plain rule file promtool reads, beside a copy of the tests. */
function writeRules(groups: unknown) {
  writeFileSync(join(work, "rules.yaml"), stringify({ groups }));
  copyFileSync(join(root, "deploy/prometheus/alerts.test.yaml"), join(work, "alerts.test.yaml"));
}

const promtool = (...args: string[]) =>
  run("promtool", args, { cwd: work }).then(
    ({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
    (error: { stdout?: string; stderr?: string; message: string }) => {
      if ((error as { code?: string }).code === "ENOENT")
        throw new Error("promtool not found: run `bash scripts/setup-servers.sh` (Debian's prometheus package)");
      return { ok: false, output: `${error.stdout ?? ""}${error.stderr ?? error.message}` };
    },
  );

describe("deploy/prometheus/alerts.yaml", () => {
  it("passes promtool's lint and every case of alerts.test.yaml", async () => {
    writeRules(rule.spec.groups);
    const check = await promtool("check", "rules", "rules.yaml");
    expect(check.ok, check.output).toBe(true);
    const test = await promtool("test", "rules", "alerts.test.yaml");
    expect(test.ok, test.output).toBe(true);
    console.log(`[promtool] ${test.output.trim().split("\n").at(-1)}`);
  });

  it("fails the tests when a rule matches labels the scrapes do not produce", async () => {
    // The old rules' mistake: a job name no PodMonitor sets, so the sidecar alerts never match.
    const broken = structuredClone(rule.spec.groups);
    for (const r of broken.flatMap((g) => g.rules)) r.expr = r.expr.replaceAll('job="dapr-sidecars"', 'job="kubernetes-pods"');
    writeRules(broken);
    const test = await promtool("test", "rules", "alerts.test.yaml");
    expect(test.ok).toBe(false);
    expect(test.output).toMatch(/alertname: DaprSidecarDown, time: 6m,\s+exp:\[[^\]]*pod="order-service-7d9c-a"[\s\S]*?got:\[\]/);
  });
});
