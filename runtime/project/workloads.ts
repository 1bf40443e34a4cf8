// Kubernetes workloads (deploy/) and what their replica counts mean for the handlers: a cron binding
// fires on every replica.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { HandlerDescriptor } from "../descriptor.ts";
import { triggerKindOf } from "../kinds/triggers.ts";
import type { ComponentInfo } from "./components.ts";
import { yaml } from "./yaml.ts";
import { yamlFilesIn } from "./yaml-files.ts";

/** A Kubernetes workload running a Dapr app, with how many replicas it may have. */
export interface Workload {
  /** The manifest it came from, relative to the project root. */
  file: string;
  kind: string;
  name: string;
  /** The `dapr.io/app-id` annotation of its pod template. */
  appId: string;
  /** `spec.replicas` (Kubernetes' default: 1). */
  replicas: number;
  /** The largest `maxReplicas` of an HPA that scales it, if any. */
  maxReplicas?: number;
}

interface K8sDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    replicas?: number;
    maxReplicas?: number;
    scaleTargetRef?: { kind?: string; name?: string };
    template?: { metadata?: { annotations?: Record<string, string> } };
  };
}

/** The Dapr-enabled Deployments and StatefulSets in `dir`'s YAML files, with the HPAs that scale them. */
export function loadWorkloads(dir: string, root: string): Workload[] {
  const docs = yamlFilesIn(dir).flatMap((f) =>
    yaml()
      .parseAllDocuments(readFileSync(join(dir, f), "utf8"))
      .map((d) => ({
        file: relative(root, join(dir, f)),
        doc: (d.toJS() ?? {}) as K8sDoc,
      })),
  );
  const hpas = docs.filter(({ doc }) => doc.kind === "HorizontalPodAutoscaler");
  return docs.flatMap(({ file, doc }) => {
    const appId = doc.spec?.template?.metadata?.annotations?.["dapr.io/app-id"];
    if ((doc.kind !== "Deployment" && doc.kind !== "StatefulSet") || !appId || !doc.metadata?.name) return [];
    const scaling = hpas
      .map(({ doc: h }) => h.spec ?? {})
      .filter((s) => s.scaleTargetRef?.kind === doc.kind && s.scaleTargetRef?.name === doc.metadata?.name)
      .map((s) => s.maxReplicas ?? 1);
    const workload: Workload = { file, kind: doc.kind, name: doc.metadata.name, appId, replicas: doc.spec?.replicas ?? 1 };
    return [scaling.length ? { ...workload, maxReplicas: Math.max(...scaling) } : workload];
  });
}

/**
 * Warnings, not problems: a cron binding fires on every replica of the app (components-contrib
 * #1249), so a cron handler deployed with more than one replica runs once per replica per tick.
 */
export function cronReplicaWarnings(input: {
  handlers: HandlerDescriptor[];
  components: ComponentInfo[];
  appId: string;
  workloads: Workload[];
}) {
  const { handlers, components, appId } = input;
  const scaled = input.workloads.filter((w) => w.appId === appId && Math.max(w.replicas, w.maxReplicas ?? 0) > 1);
  if (scaled.length === 0) return [];
  const runs = scaled
    .map(
      (w) =>
        `${w.file} runs ${appId} with replicas: ${w.replicas}${w.maxReplicas !== undefined ? ` (an HPA scales it up to ${w.maxReplicas})` : ""}`,
    )
    .join("; ");
  return handlers.flatMap((d) => {
    // Whatever kind of trigger the handler has, a cron binding it is delivered through.
    const cron = triggerKindOf(d.trigger)
      .needs(d.trigger)
      .filter((need) => need.block === "bindings")
      .map((need) => components.find((c) => c.name === need.name && c.type === "bindings.cron"))
      .find(Boolean);
    if (!cron) return [];
    const schedule = cron.metadata.schedule ?? "…";
    return [
      `${d.file} is triggered by the cron binding "${cron.name}", which fires on every replica (components-contrib #1249), and ${runs}: it will run once per replica per tick. A job trigger fires once per tick across replicas: trigger: job("${d.name}", { schedule: "${schedule}" })`,
    ];
  });
}
