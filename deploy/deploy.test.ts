// The Kubernetes manifests must agree with what the project runs locally: same app id, port,
// health path, Configuration name, and a component for every name the handlers use.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadComponents } from "../runtime/project/components.ts";
import { checkTriggers } from "../runtime/project/lint.ts";
import { loadProject } from "../runtime/project/project.ts";

const root = join(import.meta.dirname, "..");
const docs = (file: string) => parseAllDocuments(readFileSync(join(root, file), "utf8")).map((d) => d.toJS());
const template = parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as {
  apps: { appID: string; appPort: number; appHealthCheckPath: string }[];
};
const deployment = docs("deploy/kubernetes/order-service.yaml").find((d) => d.kind === "Deployment");
const annotations = deployment.spec.template.metadata.annotations as Record<string, string>;

describe("deploy/kubernetes", () => {
  it("runs the app id, port and health path that dapr.yaml runs locally", () => {
    const [app] = template.apps;
    expect(annotations["dapr.io/app-id"]).toBe(app.appID);
    expect(annotations["dapr.io/app-port"]).toBe(String(app.appPort));
    expect(annotations["dapr.io/app-health-check-path"]).toBe(app.appHealthCheckPath);
    expect(deployment.spec.template.spec.containers[0].ports[0].containerPort).toBe(app.appPort);
  });

  it("points the sidecar at the Configuration it ships", () => {
    const [config] = docs("deploy/kubernetes/configuration.yaml");
    expect(annotations["dapr.io/config"]).toBe(config.metadata.name);
  });

  it("defines every component the handlers' triggers need, scoped to the app", async () => {
    const project = await loadProject(root);
    const components = loadComponents(join(root, "deploy/kubernetes/components"));
    // Each problem names the handler and the component to add to deploy/kubernetes/components/.
    expect(checkTriggers(project.handlers, components).map((p) => `${p} (in deploy/kubernetes/components/)`)).toEqual([]);
    for (const file of readdirSync(join(root, "deploy/kubernetes/components"))) {
      const [doc] = docs(`deploy/kubernetes/components/${file}`);
      // cron stays unscoped so every app may read a schedule of its own name; the rest belong to this app.
      if (doc.spec.type === "bindings.cron") continue;
      expect(doc.scopes, `deploy/kubernetes/components/${file} must be scoped to the app: add \`scopes: [${project.appId}]\``).toEqual([
        project.appId,
      ]);
    }
  });

  it("has a PodDisruptionBudget and an autoscaler that keep at least one replica", () => {
    const all = docs("deploy/kubernetes/order-service.yaml");
    expect(all.find((d) => d.kind === "PodDisruptionBudget").spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(all.find((d) => d.kind === "HorizontalPodAutoscaler").spec.minReplicas).toBeGreaterThanOrEqual(deployment.spec.replicas);
  });
});
