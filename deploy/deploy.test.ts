// The Kubernetes manifests must agree with what the project runs locally and with each other: for
// every app of dapr.yaml a Deployment with the same app id, port and health path, its generated
// Configuration, hardening that holds (a drain inside daprd's shutdown inside the pod's grace
// period), and a component for every name the handlers use, scoped to the apps that use it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { ClusterSettings } from "../runtime/project/access.ts";
import { aclAllows } from "../runtime/project/acl.ts";
import { loadComponents } from "../runtime/project/components.ts";
import { checkTriggers } from "../runtime/project/lint.ts";
import { loadProject } from "../runtime/project/project.ts";

const root = join(import.meta.dirname, "..");
// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML
type Doc = any;
const docs = (file: string): Doc[] => parseAllDocuments(readFileSync(join(root, file), "utf8")).map((d) => d.toJS());
const template = parse(readFileSync(join(root, "dapr.yaml"), "utf8")) as {
  apps: { appID: string; appDirPath: string; appPort: number; appHealthCheckPath: string }[];
};
/** The final stage's USER of deploy/Dockerfile ("uid:gid"). */
const imageUser = readFileSync(join(root, "deploy/Dockerfile"), "utf8")
  .match(/^USER\s+(\S+)/gm)
  ?.at(-1)
  ?.split(/\s+/)[1];
const cluster = parse(readFileSync(join(root, "deploy/cluster.yaml"), "utf8")) as ClusterSettings;
const manifests = readdirSync(join(root, "deploy/kubernetes"))
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) => docs(`deploy/kubernetes/${f}`).map((doc) => ({ file: f, doc })));
const deploymentOf = (appId: string) =>
  manifests.find(({ doc }) => doc.kind === "Deployment" && doc.spec.template.metadata.annotations["dapr.io/app-id"] === appId)?.doc;
const of = (kind: string, name: string) => manifests.find(({ doc }) => doc.kind === kind && doc.metadata.name === name)?.doc;

describe.each(template.apps)("deploy/kubernetes for $appID", (app) => {
  const deployment = deploymentOf(app.appID);
  const annotations = (deployment?.spec.template.metadata.annotations ?? {}) as Record<string, string>;
  const pod = deployment?.spec.template.spec;
  const container = pod?.containers.find((c: Doc) => c.name === "app");
  const env = Object.fromEntries((container?.env ?? []).map((e: Doc) => [e.name, e.value]));

  it("runs the app id, port and health path that dapr.yaml runs locally, in the namespace deploy/cluster.yaml names", () => {
    expect(deployment, `no Deployment with dapr.io/app-id ${app.appID} in deploy/kubernetes/`).toBeDefined();
    expect(deployment.metadata.namespace).toBe(cluster.namespace);
    expect(annotations["dapr.io/app-port"]).toBe(String(app.appPort));
    expect(annotations["dapr.io/app-health-check-path"]).toBe(app.appHealthCheckPath);
    expect(container.ports.find((p: Doc) => p.name === "http").containerPort).toBe(app.appPort);
    expect(env.APP_PORT).toBe(String(app.appPort));
  });

  it("points the sidecar at the Configuration generated for it", () => {
    const [config] = docs(`deploy/kubernetes/generated/${app.appID}.yaml`);
    expect(annotations["dapr.io/config"]).toBe(config.metadata.name);
    expect(config.metadata.namespace).toBe(cluster.namespace);
  });

  it("drains the app within daprd's graceful shutdown, and both within the pod's grace period", () => {
    const drain = Number(env.DAPRLET_DRAIN_TIMEOUT_MS) / 1000;
    const daprd = Number(annotations["dapr.io/graceful-shutdown-seconds"]);
    expect(drain).toBeGreaterThan(0);
    expect(drain, "DAPRLET_DRAIN_TIMEOUT_MS must end before daprd stops (dapr.io/graceful-shutdown-seconds)").toBeLessThan(daprd);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(daprd);
  });

  it("runs with its own service account, no API token, and no built-in kubernetes secret store", () => {
    expect(pod.serviceAccountName).toBe(app.appID);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(of("ServiceAccount", app.appID)?.automountServiceAccountToken).toBe(false);
    expect(annotations["dapr.io/disable-builtin-k8s-secret-store"]).toBe("true");
  });

  it("has the restricted securityContext, the image's compile cache, a writable /tmp, and daprd's seccomp profile", () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: expect.any(Number),
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    const mounts = container.volumeMounts.map((m: Doc) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining([env.TMPDIR]));
    // The image's compile cache was filled as its USER, and Node keeps a cache folder per uid: the pod
    // runs as that uid and leaves NODE_COMPILE_CACHE to the image (deploy/image.test.ts proves the read).
    expect(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(imageUser);
    expect(container.securityContext.runAsUser ?? pod.securityContext.runAsUser).toBe(pod.securityContext.runAsUser);
    expect(env.NODE_COMPILE_CACHE).toBeUndefined();
    expect(annotations["dapr.io/sidecar-seccomp-profile-type"]).toBe("RuntimeDefault");
    expect(Number(annotations["dapr.io/app-max-concurrency"])).toBeGreaterThan(0);
  });

  it("keeps 2 replicas through disruptions and scales 3..10 at 70% CPU", () => {
    expect(of("PodDisruptionBudget", app.appID)?.spec.minAvailable).toBe(2);
    const hpa = of("HorizontalPodAutoscaler", app.appID);
    expect(hpa?.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(hpa?.spec.metrics[0].resource.target.averageUtilization).toBe(70);
    expect(deployment.spec.replicas).toBe(hpa?.spec.minReplicas);
    expect(pod.topologySpreadConstraints.map((c: Doc) => c.topologyKey)).toEqual(["topology.kubernetes.io/zone", "kubernetes.io/hostname"]);
    expect(container.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
  });

  it("defines every component the handlers' triggers need", async () => {
    const project = await loadProject(join(root, app.appDirPath));
    const components = loadComponents(join(root, "deploy/kubernetes/components"));
    // Each problem names the handler and the component to add to deploy/kubernetes/components/.
    expect(checkTriggers(project.handlers, components).map((p) => `${p} (in deploy/kubernetes/components/)`)).toEqual([]);
  });
});

describe("the generated access control (deploy/kubernetes/generated/)", () => {
  const callers = [
    ...template.apps.map((a) => ({ appId: a.appID, namespace: cluster.namespace })),
    ...(cluster.external ?? []).map((e) => ({ appId: e.appId, namespace: e.namespace })),
    { appId: "someone-else", namespace: cluster.namespace },
  ];
  /** Every (caller, route) of an app that its sidecar lets through, as daprd matches it. */
  const allowed = async (appId: string, dir: string) => {
    const [config] = docs(`deploy/kubernetes/generated/${appId}.yaml`);
    const { handlers } = await loadProject(join(root, dir));
    const routes = handlers.flatMap((d) => (d.trigger.kind === "invoke" ? [`${d.trigger.method} ${d.trigger.path}`] : []));
    return callers.flatMap((c) =>
      routes
        .filter((r) => {
          const [method, path] = r.split(" ");
          return aclAllows(config.spec.accessControl, { ...c, trustDomain: "public" }, method, path.replace(/:\w+/g, "x"));
        })
        .map((r) => `${c.appId} → ${appId} ${r}`),
    );
  };

  it("lets only the ingress call order-service, and only POST /orders (the seed's policy)", async () => {
    expect(await allowed("order-service", ".")).toEqual(["ingress-nginx → order-service POST /orders"]);
  });

  it("lets only order-service call the payment gateway's POST /charge", async () => {
    expect(await allowed("payment-gateway", "examples/payment-gateway")).toEqual(["order-service → payment-gateway POST /charge"]);
  });
});

describe("deploy/kubernetes", () => {
  it("has no Service: callers reach an app only through its sidecar (mTLS, access control)", () => {
    expect(manifests.filter(({ doc }) => doc.kind === "Service").map(({ file }) => file)).toEqual([]);
  });

  it("scopes every component to apps of dapr.yaml", () => {
    const apps = template.apps.map((a) => a.appID);
    for (const file of readdirSync(join(root, "deploy/kubernetes/components"))) {
      const [doc] = docs(`deploy/kubernetes/components/${file}`);
      expect(doc.scopes?.length, `deploy/kubernetes/components/${file} must be scoped: add \`scopes: [<app id>]\``).toBeGreaterThan(0);
      for (const scope of doc.scopes) expect(apps).toContain(scope);
    }
  });

  it("restricts the namespace with Pod Security Admission and denies traffic by default", () => {
    const namespace = of("Namespace", cluster.namespace);
    expect(namespace?.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(of("NetworkPolicy", "default-deny")?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });
});
