#!/usr/bin/env bash
# Installs the pinned daprd, scheduler, placement and dapr CLI into .dapr-home/.dapr/bin (the layout
# the CLI expects: <runtimePath>/.dapr/bin/daprd). Uses what is there when the versions match;
# otherwise builds them from the Go module proxy. `go install …@version` is refused for dapr/dapr (its go.mod has
# replace directives), so we `go mod download` the module and `go build` from a writable copy,
# with the flags the official Makefile passes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# The single pin lives in package.json ("dapr": {"runtime": …, "cli": …}).
pin() { sed -n "/\"dapr\": *{/,/}/s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$root/package.json"; }
runtime_version=$(pin runtime)
cli_version=$(pin cli)
home=${DAPRLET_DAPR_HOME:-$root/.dapr-home}
bin=$home/.dapr/bin
mkdir -p "$bin" "$home/.dapr/components"

say() { printf '[setup-dapr] %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  say "Install Dapr one of two ways and run this again:"
  say "  1. official: dapr init --slim --runtime-version $runtime_version (then DAPRLET_DAPR_HOME=\$HOME)"
  say "  2. from source: install Go >= 1.26 (apt-get install golang-go, or https://go.dev/dl) and keep proxy.golang.org reachable"
  exit 1
}

have() { # have <binary> <version>: true when the binary exists and prints that version
  [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q -- "$2"
}

ensure_go() {
  command -v go >/dev/null && return
  say "no Go toolchain found; installing golang-go from Debian"
  if command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  fi
  command -v go >/dev/null || fail "no Go toolchain and apt-get could not install one"
  # Debian's Go may be older than the module's `go` line: let Go fetch the toolchain it asks for.
  export GOTOOLCHAIN=auto
}

# build <module> <version> <output> <ldflags> <tags> <replace> <package>...: one copy of the module,
# one `go build`. With several packages <output> is a directory and each binary is named after its
# package (daprd, scheduler, placement), so they share one compile of dapr's common packages.
build() {
  local module=$1 version=$2 out=$3 ldflags=$4 tags=$5 replace=$6
  shift 6
  local dir work
  say "downloading $module@v$version from the Go module proxy"
  dir=$(go mod download -json "$module@v$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || fail "go mod download $module@v$version gave no directory"
  work=$(mktemp -d)
  cp -r "$dir/." "$work" && chmod -R u+w "$work"
  local modflag=
  if [ -n "$replace" ]; then
    (cd "$work" && go mod edit -replace "$replace")
    modflag=-mod=mod # lets go.sum take the replacement's checksum
  fi
  say "building $* (cold: several minutes on 2 cores; Go's caches make later builds fast)"
  local start=$SECONDS
  (cd "$work" && CGO_ENABLED=0 go build $modflag ${tags:+-tags=$tags} -trimpath -ldflags "$ldflags" -o "$out" "$@") \
    || { rm -rf "$work"; fail "go build of $module@v$version failed"; }
  rm -rf "$work"
  say "built $* from $module v$version in $((SECONDS - start)) s"
}

# scheduler and placement have no --version flag, and -trimpath keeps the ldflags out of their build
# info: a stamp file beside each binary records the version it was built from.
stamped() { [ -x "$1" ] && [ "$(cat "$1.version" 2>/dev/null)" = "$2" ]; }

# daprd, and the control-plane services `npm start` runs beside it: the scheduler (Jobs API, actor
# reminders; daprd's /v1.0/healthz waits for it) and placement (actors, workflows), all from the
# same dapr/dapr module version with the official Makefile's tags and ldflags.
missing=()
have "$bin/daprd" "$runtime_version" || missing+=(./cmd/daprd)
stamped "$bin/scheduler" "$runtime_version" || missing+=(./cmd/scheduler)
stamped "$bin/placement" "$runtime_version" || missing+=(./cmd/placement)
if [ ${#missing[@]} -eq 0 ]; then
  say "daprd, scheduler and placement $runtime_version already installed"
else
  ensure_go
  build github.com/dapr/dapr "$runtime_version" "$bin/" \
    "-X github.com/dapr/dapr/pkg/buildinfo.version=$runtime_version -X github.com/dapr/dapr/pkg/buildinfo.gitversion=v$runtime_version -X github.com/dapr/kit/logger.DaprVersion=$runtime_version -s -w" \
    "${DAPR_SIDECAR_FLAVOR:-allcomponents}" "" "${missing[@]}"
  for name in scheduler placement; do echo "$runtime_version" >"$bin/$name.version"; done
fi

if have "$bin/dapr" "$cli_version"; then
  say "dapr CLI $cli_version already installed"
else
  ensure_go
  # The CLI imports dapr/components-contrib only for a registry type. The Go proxy this project can
  # reach serves no zip of the v1.16.3 it pins, so build against the API-compatible patch v1.16.5.
  build github.com/dapr/cli "$cli_version" "$bin/dapr" "-X main.version=$cli_version -X main.apiVersion=1.0 -s -w" "" \
    "${DAPRLET_CLI_REPLACE-github.com/dapr/components-contrib=github.com/dapr/components-contrib@v1.16.5}" .
fi

"$bin/daprd" --version >/dev/null || fail "$bin/daprd does not run"
say "ready: $bin/daprd ($("$bin/daprd" --version)), $bin/scheduler, $bin/placement, $bin/dapr"
