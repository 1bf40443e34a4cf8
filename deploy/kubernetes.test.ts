// Proves the YAML a cluster receives: every document in deploy/kubernetes/ (the generated access
// control included), deploy/prometheus/, subscriptions/ and resiliency/, offline with kubeconform
// (pinned Kubernetes schemas + Dapr's and the Prometheus Operator's CRDs) and against a real
// kube-apiserver + etcd with those CRDs installed, by server-side dry-run; and each Deployment's pod
// template as a Pod in the restricted namespace, where Pod Security Admission enforces the
// restricted profile (a Deployment itself is only warned about). Validates whatever YAML is in
// those folders; the deliberately broken cases mutate copies. Tools: `bash scripts/setup-k8s.sh`.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

const root = join(import.meta.dirname, "..");
const tools = process.env.DAPRLET_K8S_TOOLS ?? join(root, ".tools/k8s");
const bin = (name: string) => join(tools, "bin", name);
const folders = ["deploy/kubernetes", "deploy/prometheus", "subscriptions", "resiliency"];
// Documents without a namespace go where `kubectl apply -n <namespace>` puts them: deploy/cluster.yaml's.
const namespace = (parse(readFileSync(join(root, "deploy/cluster.yaml"), "utf8")) as { namespace: string }).namespace;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };
// biome-ignore lint/suspicious/noExplicitAny: the mutations reach into arbitrary manifest fields
type Spec = any;
type Document = { file: string; manifest: Manifest };

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      // *.test.yaml are promtool's test files (deploy/prometheus.test.ts), not cluster resources.
      return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name) ? [path] : [];
    });
const files = folders.flatMap((folder) => yamlFiles(join(root, folder)));
const documents: Document[] = files.flatMap((path) =>
  parseAllDocuments(readFileSync(path, "utf8"))
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((manifest) => manifest != null)
    .map((manifest) => ({ file: relative(root, path), manifest })),
);
const describeDocument = ({ file, manifest }: Document) => `${file}: ${manifest.kind}/${manifest.metadata?.name}`;

const missing = ["kubeconform", "etcd", "kube-apiserver"].filter((name) => !existsSync(bin(name)));
if (missing.length > 0 || !existsSync(join(tools, "crds"))) {
  throw new Error(`${tools} lacks ${missing.join(", ") || "Dapr's CRDs"}: run \`bash scripts/setup-k8s.sh\` (npm test runs it first)`);
}
if (!readdirSync(join(tools, "crds")).some((f) => f.includes("podmonitors"))) {
  throw new Error(`${tools}/crds lacks the Prometheus Operator's CRDs: run \`bash scripts/setup-k8s.sh\` again`);
}

// --- kubeconform ------------------------------------------------------------------------------

type KubeconformResult = { filename: string; kind: string; name: string; status: string; msg: string };

/** Runs kubeconform over files; one result per document (valid, invalid, error). */
async function kubeconform(paths: string[]): Promise<KubeconformResult[]> {
  const args = [
    "-strict",
    "-verbose",
    "-output",
    "json",
    "-schema-location",
    join(tools, "schemas/kubernetes/{{.ResourceKind}}{{.KindSuffix}}.json"),
  ];
  args.push("-schema-location", join(tools, "schemas/crds/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"), ...paths);
  // Exit status 1 means "some document is invalid": the JSON on stdout says which.
  const { stdout } = await promisify(execFile)(bin("kubeconform"), args).catch((error) => {
    if (typeof error.stdout === "string" && error.stdout.startsWith("{")) return error;
    throw error;
  });
  return (JSON.parse(stdout) as { resources: KubeconformResult[] }).resources;
}

// --- a throwaway kube-apiserver + etcd ----------------------------------------------------------

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });

type Response = { status: number; body: { message?: string; [key: string]: unknown }; warnings: string[] };

let work: string;
let apiPort: number;
const processes: { name: string; child: ChildProcess; output: string[] }[] = [];
const token = "daprlet-test";

function start(name: string, args: string[]) {
  const child = spawn(bin(name), args, { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString().split("\n").filter(Boolean).slice(-50));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  processes.push({ name, child, output });
}

/** One REST call to the test API server (self-signed certificate, bearer token). */
function kube(method: string, path: string, body?: unknown): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: apiPort,
        method,
        path,
        rejectUnauthorized: false, // its own self-signed certificate, made at start in the temp dir
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => {
          const warning = res.headers.warning;
          const warnings = (Array.isArray(warning) ? warning : warning ? [warning] : []).map((w) => w.replace(/^299 - /, ""));
          let parsed: Response["body"];
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { message: text };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings });
        });
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = processes.find((p) => p.child.exitCode !== null);
    if (exited) throw new Error(`${exited.name} exited (${exited.child.exitCode}) while waiting for ${what}:\n${exited.output.join("\n")}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const logs = processes.map((p) => `--- ${p.name}\n${p.output.slice(-20).join("\n")}`).join("\n");
      throw new Error(`timed out waiting for ${what}\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The REST collection a manifest is created in, from the server's discovery (CRDs included). */
async function collection(manifest: Manifest): Promise<string> {
  const groupVersion = manifest.apiVersion.includes("/") ? `/apis/${manifest.apiVersion}` : `/api/${manifest.apiVersion}`;
  const resource = await until(
    `discovery of ${manifest.apiVersion} ${manifest.kind}`,
    async () => {
      const { status, body } = await kube("GET", groupVersion);
      const resources = (status === 200 ? body.resources : []) as { name: string; kind: string; namespaced: boolean }[];
      return resources.find((r) => r.kind === manifest.kind && !r.name.includes("/"));
    },
    10_000,
  ).catch(() => {
    throw new Error(`the API server serves no ${manifest.kind} in ${manifest.apiVersion}`);
  });
  const inNamespace = resource.namespaced ? `/namespaces/${manifest.metadata?.namespace ?? namespace}` : "";
  return `${groupVersion}${inNamespace}/${resource.name}`;
}

/** What `kubectl apply --dry-run=server --validate=strict` asks: create it, persist nothing, reject unknown fields. */
async function dryRun(manifest: Manifest): Promise<Response> {
  return kube("POST", `${await collection(manifest)}?dryRun=All&fieldValidation=Strict`, manifest);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "daprlet-k8s-"));
  const [etcdPort, peerPort] = [await freePort(), await freePort()];
  apiPort = await freePort();
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(join(work, "sa.key"), keys.privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(join(work, "sa.pub"), keys.publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(join(work, "tokens.csv"), `${token},admin,admin,system:masters\n`);
  const etcd = `http://127.0.0.1:${etcdPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  start("etcd", [
    `--data-dir=${join(work, "etcd")}`,
    `--listen-client-urls=${etcd}`,
    `--advertise-client-urls=${etcd}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
  ]);
  start("kube-apiserver", [
    `--etcd-servers=${etcd}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(work, "certs")}`,
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${join(work, "sa.pub")}`,
    `--service-account-signing-key-file=${join(work, "sa.key")}`,
    `--token-auth-file=${join(work, "tokens.csv")}`,
    "--authorization-mode=RBAC",
    "--service-cluster-ip-range=10.96.0.0/16",
    // On by default since 1.25; named so the restricted-namespace tests cannot pass without it.
    "--enable-admission-plugins=PodSecurity",
  ]);
  await until("kube-apiserver /readyz", async () => ((await kube("GET", "/readyz")).status === 200 ? true : undefined));
  await until("the default namespace", async () => ((await kube("GET", "/api/v1/namespaces/default")).status === 200 ? true : undefined));

  // Dapr's CRDs as the Helm chart installs them, with one local divergence: Subscription converts
  // between v1alpha1 and v2alpha1 through dapr-operator's webhook, which does not run here.
  for (const path of yamlFiles(join(tools, "crds"))) {
    for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
      const crd = doc.toJS();
      if (crd?.kind !== "CustomResourceDefinition") continue;
      if (crd.spec.conversion?.strategy === "Webhook") crd.spec.conversion = { strategy: "None" };
      const { status, body } = await kube("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
      if (status !== 201) throw new Error(`installing CRD ${crd.metadata.name} from ${path}: ${status} ${body.message}`);
      await until(`CRD ${crd.metadata.name} Established`, async () => {
        const { body } = await kube("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        const conditions = (body.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
        return conditions.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
      });
    }
  }
}, 120_000);

afterAll(async () => {
  for (const { child } of processes.reverse()) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

// --- the project's YAML ---------------------------------------------------------------------------

describe("the Kubernetes YAML", () => {
  it("finds documents in deploy/kubernetes/, subscriptions/ and resiliency/", () => {
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents)
      expect(document.manifest, document.file).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String) });
  });

  it("is valid offline (kubeconform, strict, pinned Kubernetes and Dapr schemas)", async () => {
    const results = await kubeconform(files);
    const failures = results
      .filter((r) => r.status !== "statusValid")
      .map((r) => `${relative(root, r.filename)}: ${r.kind}/${r.name}: ${r.status} ${r.msg}`);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(documents.length);
  });

  it("is accepted by a real kube-apiserver with Dapr's CRDs (server-side dry-run, strict fields)", async () => {
    await createNamespaces();
    const failures: string[] = [];
    for (const document of documents.filter((d) => d.manifest.kind !== "Namespace")) {
      const { status, body, warnings } = await dryRun(document.manifest);
      if (status !== 201 && status !== 200) failures.push(`${describeDocument(document)}: ${status} ${body.message}`);
      for (const warning of warnings) failures.push(`${describeDocument(document)}: warning: ${warning}`);
    }
    expect(failures).toEqual([]);
  });

  it("runs every Deployment's pod under the restricted Pod Security profile (its template, daprd injected, dry-run as a Pod)", async () => {
    await createServiceAccounts();
    const deployments = documents.filter((d) => d.manifest.kind === "Deployment");
    expect(deployments.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const document of deployments) {
      const { status, body, warnings } = await dryRun(podOf(document.manifest));
      if (status !== 201) failures.push(`${describeDocument(document)}'s pod: ${status} ${body.message}`);
      for (const warning of warnings) failures.push(`${describeDocument(document)}'s pod: warning: ${warning}`);
    }
    expect(failures).toEqual([]);
  });
});

/** The namespaces the documents live in, created for real (with namespace.yaml's Pod Security labels); once per file. */
let namespaces: Promise<void> | undefined;
function createNamespaces(): Promise<void> {
  namespaces ??= (async () => {
    const declared = documents.filter((d) => d.manifest.kind === "Namespace").map((d) => d.manifest);
    const named = new Set([namespace, ...documents.map((d) => d.manifest.metadata?.namespace).filter(Boolean)]);
    for (const name of named) {
      const manifest = declared.find((m) => m.metadata.name === name) ?? { apiVersion: "v1", kind: "Namespace", metadata: { name } };
      const { status, body } = await kube("POST", "/api/v1/namespaces?fieldValidation=Strict", manifest);
      if (status !== 201) throw new Error(`creating namespace ${name}: ${status} ${body.message}`);
    }
  })();
  return namespaces;
}

/** The ServiceAccounts, created for real: a Pod naming one that does not exist is refused. After the dry-run of all documents. */
let serviceAccounts: Promise<void> | undefined;
function createServiceAccounts(): Promise<void> {
  serviceAccounts ??= (async () => {
    await createNamespaces();
    for (const { manifest } of documents.filter((d) => d.manifest.kind === "ServiceAccount")) {
      const { status, body } = await kube("POST", await collection(manifest), manifest);
      if (status !== 201) throw new Error(`creating ServiceAccount ${manifest.metadata.name}: ${status} ${body.message}`);
    }
  })();
  return serviceAccounts;
}

/** The Pod a Deployment's ReplicaSet would create, with daprd as Dapr's injector adds it. */
function podOf(deployment: Manifest): Manifest {
  const { template } = structuredClone(deployment.spec as Spec);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { ...template.metadata, name: `${deployment.metadata.name}-pod`, namespace: deployment.metadata.namespace },
    spec: template.spec,
  };
  return template.metadata.annotations?.["dapr.io/enabled"] === "true" ? injectDaprd(pod) : pod;
}

/**
 * daprd as Dapr 1.18's injector adds it (pkg/injector/patcher/sidecar_container.go, sidecar_volumes.go):
 * non-root, read-only root, no privilege escalation, the seccomp profile of the pod's
 * `dapr.io/sidecar-seccomp-profile-type`, the volumes of `dapr.io/volume-mounts`, a projected
 * Sentry token. Capabilities are dropped only when the control plane is installed with
 * `dapr_sidecar_injector.sidecarDropALLCapabilities=true` (the chart's default is false, and a
 * restricted namespace then refuses every Dapr pod): docs/production.md says so, this models it.
 */
function injectDaprd(pod: Manifest): Manifest {
  const spec = pod.spec as Spec;
  const annotations = (pod.metadata as Spec).annotations as Record<string, string>;
  const mounts = (annotations["dapr.io/volume-mounts"] ?? "")
    .split(",")
    .filter(Boolean)
    .map((m) => m.split(":"))
    .map(([name, mountPath]) => ({ name, mountPath, readOnly: true }));
  const seccomp = annotations["dapr.io/sidecar-seccomp-profile-type"];
  spec.containers.push({
    name: "daprd",
    image: "ghcr.io/dapr/daprd:1.18.2",
    ports: [
      { name: "dapr-http", containerPort: 3500 },
      { name: "dapr-grpc", containerPort: 50001 },
      { name: "dapr-internal", containerPort: 50002 },
      { name: "dapr-metrics", containerPort: Number(annotations["dapr.io/metrics-port"] ?? 9090) },
    ],
    securityContext: {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      ...(seccomp ? { seccompProfile: { type: seccomp } } : {}),
    },
    volumeMounts: [{ name: "dapr-identity-token", mountPath: "/var/run/secrets/dapr.io/sentrytoken", readOnly: true }, ...mounts],
  });
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name: "dapr-identity-token",
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { audience: "spiffe://public/ns/dapr-system/dapr-sentry", expirationSeconds: 7200, path: "token" } },
        ],
      },
    },
  ];
  return pod;
}

// --- deliberately broken copies ---------------------------------------------------------------------

/** A copy of the project's first document of a kind, or a minimal one when the project has none. */
function copyOf(kind: string): Manifest {
  if (kind === "Pod") return podOf(copyOf("Deployment"));
  const found = documents.find((d) => d.manifest.kind === kind)?.manifest;
  return structuredClone(found ?? fallbacks[kind]);
}
const fallbacks: Record<string, Manifest> = {
  Deployment: {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "app" },
    spec: {
      selector: { matchLabels: { app: "app" } },
      template: { metadata: { labels: { app: "app" } }, spec: { containers: [{ name: "app", image: "app" }] } },
    },
  },
  Component: {
    apiVersion: "dapr.io/v1alpha1",
    kind: "Component",
    metadata: { name: "c" },
    spec: { type: "state.in-memory", version: "v1" },
  },
  Subscription: {
    apiVersion: "dapr.io/v2alpha1",
    kind: "Subscription",
    metadata: { name: "s" },
    spec: { pubsubname: "pubsub", topic: "t", routes: { default: "/t" } },
  },
};
const container = (m: Manifest) => (m.spec as Spec).template.spec.containers[0];

const broken: { what: string; kind: string; mutate: (m: Manifest) => void; offline: RegExp | null; server: RegExp }[] = [
  {
    what: "replicas as a string",
    kind: "Deployment",
    mutate: (m) => Object.assign(m.spec as Spec, { replicas: "two" }),
    offline: /\/spec\/replicas.*got string, want (null or )?integer/,
    server: /cannot unmarshal string into Go struct field \w+\.spec\.replicas/,
  },
  {
    what: "an unknown container field",
    kind: "Deployment",
    mutate: (m) => Object.assign(container(m), { portz: [{ containerPort: 3000 }] }),
    offline: /additional properties 'portz' not allowed/,
    server: /unknown field "spec.template.spec.containers\[0\].portz"/,
  },
  {
    what: "an invalid imagePullPolicy",
    kind: "Deployment",
    mutate: (m) => Object.assign(container(m), { imagePullPolicy: "Sometimes" }),
    offline: null, // the published schemas have no enum for it: only the API server knows
    server: /imagePullPolicy: Unsupported value: "Sometimes"/,
  },
  {
    what: "a selector that misses the pod labels",
    kind: "Deployment",
    mutate: (m) => Object.assign((m.spec as Spec).selector, { matchLabels: { app: "someone-else" } }),
    offline: null,
    server: /`selector` does not match template `labels`/,
  },
  {
    what: "a Component without spec.type",
    kind: "Component",
    mutate: (m) => delete (m.spec as Spec).type,
    offline: /missing propert(y|ies) 'type'/,
    server: /spec.type: Required value/,
  },
  {
    what: "a Subscription with route instead of routes",
    kind: "Subscription",
    mutate: (m) => {
      const spec = m.spec as Spec;
      spec.route = spec.routes?.default ?? "/";
      delete spec.routes;
    },
    offline: /additional properties 'route' not allowed|missing propert(y|ies) 'routes'/,
    server: /unknown field "spec.route"|spec.routes: Required value/,
  },
  {
    what: "a container running as root",
    kind: "Pod",
    mutate: (m) => Object.assign((m.spec as Spec).containers[0].securityContext, { runAsUser: 0 }),
    offline: null, // a valid Pod: only Pod Security Admission, in the restricted namespace, refuses it
    server: /violates PodSecurity "restricted:latest": runAsUser=0 \(container "app" must not set runAsUser=0\)/,
  },
  {
    what: "daprd injected with the chart's default sidecarDropALLCapabilities=false",
    kind: "Pod",
    mutate: (m) => delete (m.spec as Spec).containers.find((c: Spec) => c.name === "daprd").securityContext.capabilities,
    offline: null,
    server:
      /violates PodSecurity "restricted:latest": unrestricted capabilities \(container "daprd" must set securityContext.capabilities.drop=\["ALL"\]\)/,
  },
  {
    what: "a pod without the restricted securityContext",
    kind: "Pod",
    mutate: (m) => {
      delete (m.spec as Spec).securityContext;
      delete (m.spec as Spec).containers[0].securityContext;
    },
    offline: null,
    server:
      /violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false.*unrestricted capabilities.*runAsNonRoot != true.*seccompProfile/,
  },
  {
    what: "an access-control operation without its action",
    kind: "Configuration",
    mutate: (m) => delete (m.spec as Spec).accessControl.policies[0].operations[0].action,
    offline: /missing propert(y|ies) 'action'/,
    server: /spec.accessControl.policies\[0\].operations\[0\].action: Required value/,
  },
];

describe("a deliberately broken copy", () => {
  it.each(broken)("is caught: $what ($kind)", async ({ kind, mutate, offline, server }) => {
    await createServiceAccounts();
    const manifest = copyOf(kind);
    mutate(manifest);

    const { status, body } = await dryRun(manifest);
    expect(status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
    expect(body.message).toMatch(server);
    console.log(`[k8s] ${kind} ${manifest.metadata.name}, API server: ${body.message}`);

    const path = join(work, `broken-${kind}.yaml`);
    writeFileSync(path, JSON.stringify(manifest));
    const [result] = await kubeconform([path]);
    if (offline) {
      expect(result.status).toBe("statusInvalid");
      expect(result.msg).toMatch(offline);
      console.log(`[k8s] ${kind} ${manifest.metadata.name}, kubeconform: ${result.msg}`);
    } else {
      expect(result.status, "kubeconform now catches this: give the case its offline pattern").toBe("statusValid");
    }
  });
});
