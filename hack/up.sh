#!/usr/bin/env bash
# Installs what tskube needs, builds it, and starts the single-node cluster in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install.sh
mkdir -p /etc/kubernetes/manifests
exec node --max-semi-space-size=2 dist/cmd/hyperkube.js up "$@"
