#!/usr/bin/env bash
# Installs the servers the end-to-end suite starts (each test starts its own on free ports and stops it):
#   Debian (apt, system-wide): redis-server, mosquitto, tmux (the terminal e2e/start-stop.test.ts drives),
#     rabbitmq-server, postgresql, a Java runtime and maven (Kafka, Zipkin), python3-venv (moto),
#     chromium (e2e/zipkin-ui.test.ts), curl (scripts/zipkin.sh), prometheus (promtool, for
#     deploy/prometheus.test.ts);
#   pinned, cached in .tools/ (ignored): Kafka 4.3.1 jars from Maven Central, moto 5.2.5 from PyPI,
#     Azurite 3.35.0 from npm.
# Reuses whatever is there. As root it installs what is missing; otherwise it prints exactly what to
# install and fails. DAPRLET_TOOLS moves .tools/ (e.g. to a CI cache).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools=${DAPRLET_TOOLS:-$root/.tools}
kafka_version=4.3.1
moto_version=5.2.5
azurite_version=3.35.0
say() { printf '[setup-servers] %s\n' "$*" >&2; }
start=$SECONDS

# --- Debian packages --------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/lib/rabbitmq/bin/$1" ]; }
missing=()
have redis-server || missing+=(redis-server)
have mosquitto || missing+=(mosquitto)
have tmux || missing+=(tmux)
have rabbitmq-server || missing+=(rabbitmq-server)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
have java || missing+=(openjdk-17-jre-headless)
have mvn || missing+=(maven)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
have chromium || have chromium-browser || missing+=(chromium)
have curl || missing+=(curl)
have promtool || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing from Debian: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d 101: the packages' postinst must not start system services (the tests start their own).
    policy=/usr/sbin/policy-rc.d
    created_policy=
    if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy && created_policy=1; fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -n "$created_policy" ] && rm -f $policy
  else
    say "error: the end-to-end suite needs these Debian packages: ${missing[*]}"
    say "install them (as root) and run this again:"
    say "  sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
fi

# --- Pinned downloads in .tools/ ----------------------------------------------------------------
mkdir -p "$tools"
logs=$(mktemp -d)

kafka() { # Kafka has no Debian package: its jars from Maven Central, through a throwaway pom.
  local dir=$tools/kafka-$kafka_version
  [ -f "$dir/.done" ] && return
  rm -rf "$dir" && mkdir -p "$dir"
  cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>daprlet</groupId><artifactId>kafka-libs</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$kafka_version</version></dependency>
  </dependencies>
</project>
EOF
  (cd "$dir" && mvn -q -B -Dmaven.repo.local="$tools/m2" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=libs)
  # A logging backend: the tests wait for its "Kafka Server started" line.
  (cd "$dir" && mvn -q -B -Dmaven.repo.local="$tools/m2" dependency:copy -Dartifact=org.apache.logging.log4j:log4j-slf4j-impl:2.25.4 -DoutputDirectory=libs)
  rm -rf "$tools/m2" # Maven's own plugins and the jars' second copy (57 MB): libs/ is all the tests use
  touch "$dir/.done"
}

moto() { # S3 + SQS emulator from PyPI, in its own venv.
  local dir=$tools/moto-$moto_version
  [ -f "$dir/.done" ] && return
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "moto[server]==$moto_version"
  touch "$dir/.done"
}

azurite() { # Azure Storage emulator from npm (always run with --disableTelemetry).
  local dir=$tools/azurite-$azurite_version
  [ -f "$dir/.done" ] && return
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && echo '{"private":true}' >package.json && npm install -q --no-audit --no-fund "azurite@$azurite_version" >/dev/null)
  touch "$dir/.done"
}

# In parallel: they are mostly downloads.
pids=()
for t in kafka moto azurite; do
  ($t >"$logs/$t.log" 2>&1) &
  pids+=("$!:$t")
done
failed=
for p in "${pids[@]}"; do
  if ! wait "${p%%:*}"; then
    failed=1
    say "error: installing ${p#*:} failed:"
    sed 's/^/  /' "$logs/${p#*:}.log" >&2
  fi
done
rm -rf "$logs"
[ -z "$failed" ] || exit 1
say "servers ready ($((SECONDS - start)) s): apt packages, $tools/{kafka-$kafka_version,moto-$moto_version,azurite-$azurite_version}"
