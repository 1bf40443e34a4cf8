#!/usr/bin/env bash
# `npm start [template]`: the pinned Dapr CLI runs dapr.yaml (daprd + the app) on the embedded components.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
home=${DAPRLET_DAPR_HOME:-$root/.dapr-home}
[ -x "$home/.dapr/bin/dapr" ] && [ -x "$home/.dapr/bin/daprd" ] || bash "$root/scripts/setup-dapr.sh"
cd "$root"
# The CLI looks for <runtimePath>/.dapr/bin/daprd; run-file apps ignore --runtime-path, not this.
export DAPR_RUNTIME_PATH=$home
exec "$home/.dapr/bin/dapr" run --runtime-path "$home" -f "${1:-dapr.yaml}"
