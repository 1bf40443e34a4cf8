#!/usr/bin/env bash
# Installs what deploy/kubernetes.test.ts needs to prove the Kubernetes YAML, into .tools/k8s/:
#   bin/kubeconform, schemas/ (offline validation: Kubernetes' JSON schemas + Dapr's CRDs as schemas)
#   bin/etcd, bin/kube-apiserver, crds/ (a real API server with Dapr's CRDs and the Prometheus
#   Operator's PodMonitor and PrometheusRule, for server-side dry-run)
# Everything is pinned below (Dapr's CRDs come from the dapr module package.json pins for daprd) and
# built from the Go module proxy / PyPI. A version stamp sits beside each piece: what matches is
# reused, so a warm run takes a tenth of a second; a cold run builds kube-apiserver (5-10 min on 2 cores;
# about 20 s when Go's build cache is warm, e.g. in a fresh clone).
set -euo pipefail

kubernetes_version=1.36.3        # kube-apiserver; needs etcd >= 3.5.24
etcd_version=3.6.16
kubeconform_version=0.8.0
kubernetes_validate_version=1.37.0 # PyPI wheel that bundles kubeconform-style schemas for k8s 1.25-1.37
schema_kubernetes_version=1.36.0   # which of those schema sets kubeconform checks against
prometheus_operator_version=0.85.0 # PodMonitor and PrometheusRule CRDs (deploy/kubernetes/monitoring.yaml, deploy/prometheus/)

root=$(cd "$(dirname "$0")/.." && pwd)
pin() { sed -n "/\"dapr\": *{/,/}/s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$root/package.json"; }
dapr_version=$(pin runtime)
tools=${DAPRLET_K8S_TOOLS:-$root/.tools/k8s}
bin=$tools/bin
mkdir -p "$bin"

say() { printf '[setup-k8s] %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  say "This needs Go >= 1.26 with proxy.golang.org reachable (apt-get install golang-go, or https://go.dev/dl),"
  say "and python3 with pip and PyYAML, PyPI reachable. Fix that and run \`bash scripts/setup-k8s.sh\` again."
  exit 1
}

# fresh <path> <stamp>: true when <path> exists and was made for exactly <stamp>.
fresh() { [ -e "$1" ] && [ "$(cat "$1.version" 2>/dev/null)" = "$2" ]; }
stamp() { echo "$2" >"$1.version"; }

ensure_go() {
  command -v go >/dev/null && return
  say "no Go toolchain found; installing golang-go from Debian"
  if command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  fi
  command -v go >/dev/null || fail "no Go toolchain and apt-get could not install one"
  export GOTOOLCHAIN=auto # Debian's Go may be older than a module's `go` line
}

# Python 3 with pip (to download a wheel) and PyYAML (kubeconform's CRD converter needs it).
ensure_python() {
  python3 -c "import yaml" 2>/dev/null && python3 -m pip --version >/dev/null 2>&1 && return
  say "installing python3, pip and PyYAML from Debian"
  if command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip python3-yaml >/dev/null
  fi
  python3 -c "import yaml" 2>/dev/null && python3 -m pip --version >/dev/null 2>&1 || fail "no python3 with pip and PyYAML"
}

# module_dir <module>@v<version>: downloads the module zip and prints its directory in Go's module cache.
module_dir() {
  local dir
  dir=$(go mod download -json "$1" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || fail "go mod download $1 gave no directory"
  echo "$dir"
}

# writable_copy <dir>: a temporary writable copy of a module (module cache files are read-only).
writable_copy() {
  local work
  work=$(mktemp -d)
  cp -r "$1/." "$work" && chmod -R u+w "$work"
  echo "$work"
}

if fresh "$bin/kubeconform" "$kubeconform_version"; then
  say "kubeconform $kubeconform_version already installed"
else
  ensure_go
  say "building kubeconform v$kubeconform_version"
  GOBIN=$bin CGO_ENABLED=0 go install -trimpath -ldflags "-X main.version=v$kubeconform_version -s -w" \
    "github.com/yannh/kubeconform/cmd/kubeconform@v$kubeconform_version" || fail "go install kubeconform failed"
  stamp "$bin/kubeconform" "$kubeconform_version"
fi

if fresh "$bin/etcd" "$etcd_version"; then
  say "etcd $etcd_version already installed"
else
  ensure_go
  say "building etcd v$etcd_version"
  start=$SECONDS
  work=$(writable_copy "$(module_dir "go.etcd.io/etcd/server/v3@v$etcd_version")")
  # The module's replace directives point at sibling folders a module zip does not have; the
  # siblings it requires are already pinned at the same version, so drop the replacements.
  (cd "$work" && go mod edit -dropreplace=go.etcd.io/etcd/api/v3 -dropreplace=go.etcd.io/etcd/client/pkg/v3 \
    -dropreplace=go.etcd.io/etcd/client/v3 -dropreplace=go.etcd.io/etcd/pkg/v3 -dropreplace=go.etcd.io/etcd \
    -dropreplace=go.etcd.io/tests/v3 &&
    CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w" -o "$bin/etcd" .) ||
    { rm -rf "$work"; fail "go build of etcd v$etcd_version failed"; }
  rm -rf "$work"
  stamp "$bin/etcd" "$etcd_version"
  say "built etcd in $((SECONDS - start)) s"
fi

if fresh "$bin/kube-apiserver" "$kubernetes_version"; then
  say "kube-apiserver $kubernetes_version already installed"
else
  ensure_go
  say "building kube-apiserver v$kubernetes_version (cold: 5-10 min on 2 cores; Go's caches make later builds fast)"
  start=$SECONDS
  work=$(writable_copy "$(module_dir "k8s.io/kubernetes@v$kubernetes_version")")
  staging=0.${kubernetes_version#1.}
  # The module zip lacks staging/ (nested modules) and vendor/k8s.io: point each `=> ./staging/…`
  # replacement at the published module of the matching version (v0.36.x for v1.36.x).
  (
    cd "$work" && rm -rf vendor go.work go.work.sum
    for m in $(grep "=> ./staging" go.mod | awk '{print $1}'); do
      go mod edit -dropreplace="$m"
      if grep -qE "^\s+$m v0.0.0" go.mod; then go mod edit -require="$m@v$staging"; fi
    done
    minor=${kubernetes_version#1.}
    minor=${minor%%.*}
    CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$kubernetes_version \
      -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
      -o "$bin/kube-apiserver" ./cmd/kube-apiserver
  ) || { rm -rf "$work"; fail "go build of kube-apiserver v$kubernetes_version failed"; }
  rm -rf "$work"
  stamp "$bin/kube-apiserver" "$kubernetes_version"
  say "built kube-apiserver in $((SECONDS - start)) s"
fi

# Dapr's CRDs and the Prometheus Operator's two the manifests use, as the API server installs them
# (crds/) and as kubeconform schemas (schemas/crds/).
crds_stamp="dapr $dapr_version prometheus-operator $prometheus_operator_version kubeconform $kubeconform_version"
if fresh "$tools/crds" "$crds_stamp"; then
  say "Dapr $dapr_version and Prometheus Operator $prometheus_operator_version CRDs already installed"
else
  ensure_go
  say "extracting Dapr $dapr_version and Prometheus Operator $prometheus_operator_version CRDs"
  dapr=$(module_dir "github.com/dapr/dapr@v$dapr_version")
  [ -d "$dapr/charts/dapr/crds" ] || fail "github.com/dapr/dapr@v$dapr_version has no charts/dapr/crds/"
  operator=$(module_dir "github.com/prometheus-operator/prometheus-operator@v$prometheus_operator_version")/example/prometheus-operator-crd
  [ -f "$operator/monitoring.coreos.com_podmonitors.yaml" ] || fail "prometheus-operator v$prometheus_operator_version has no $operator/"
  script=$(module_dir "github.com/yannh/kubeconform@v$kubeconform_version")/scripts/openapi2jsonschema.py
  ensure_python
  rm -rf "$tools/crds" "$tools/schemas/crds" && mkdir -p "$tools/crds" "$tools/schemas/crds"
  cp "$dapr"/charts/dapr/crds/*.yaml "$operator"/monitoring.coreos.com_{podmonitors,prometheusrules}.yaml "$tools/crds/" &&
    chmod u+w "$tools"/crds/*.yaml
  # Writes <kind>_<version>.json per served version, with additionalProperties: false (strict).
  (cd "$tools/schemas/crds" && python3 "$script" "$tools"/crds/*.yaml >/dev/null) || fail "converting the CRDs failed"
  stamp "$tools/crds" "$crds_stamp"
fi

# Kubernetes' own schemas, from the kubernetes-validate wheel, rewritten so kubeconform resolves
# them offline: no top-level $id (it points at kubernetes.io) and relative _definitions.json refs.
schemas_stamp="kubernetes-validate $kubernetes_validate_version v$schema_kubernetes_version"
if fresh "$tools/schemas/kubernetes" "$schemas_stamp"; then
  say "Kubernetes $schema_kubernetes_version schemas already installed"
else
  ensure_python
  say "downloading kubernetes-validate $kubernetes_validate_version from PyPI for the Kubernetes $schema_kubernetes_version schemas"
  download=$(mktemp -d)
  python3 -m pip download -q --no-deps --dest "$download" "kubernetes-validate==$kubernetes_validate_version" ||
    { rm -rf "$download"; fail "pip download kubernetes-validate==$kubernetes_validate_version failed"; }
  rm -rf "$tools/schemas/kubernetes" && mkdir -p "$tools/schemas/kubernetes"
  python3 - "$download"/kubernetes_validate-*.whl "$tools/schemas/kubernetes" "v$schema_kubernetes_version-local-strict" <<'EOF' ||
import json, sys, zipfile
wheel, dst, folder = sys.argv[1:]
names = [n for n in zipfile.ZipFile(wheel).namelist() if f"/{folder}/" in n and n.endswith(".json")]
if not names:
    sys.exit(f"{wheel} has no {folder}/")
with zipfile.ZipFile(wheel) as z:
    for name in names:
        text = z.read(name).decode().replace('"/api/_definitions.json#', '"_definitions.json#')
        schema = json.loads(text)
        schema.pop("$id", None)
        with open(f"{dst}/{name.rsplit('/', 1)[1]}", "w") as out:
            json.dump(schema, out)
EOF
    { rm -rf "$download"; fail "extracting the Kubernetes schemas failed"; }
  rm -rf "$download"
  stamp "$tools/schemas/kubernetes" "$schemas_stamp"
fi

"$bin/kube-apiserver" --version >/dev/null || fail "$bin/kube-apiserver does not run"
say "ready: $bin/{kubeconform,etcd,kube-apiserver}, Dapr $dapr_version and Prometheus Operator CRDs, Kubernetes $schema_kubernetes_version schemas"
