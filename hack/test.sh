#!/usr/bin/env bash
# Runs every test: unit and integration tests beside the code, then the e2e scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install.sh
# install.sh builds dist/ (what users run, no test code) and, from clean, dist-test/ (everything:
# tests, testing/, e2e/, bench/), so a moved or deleted test cannot linger; tests run from dist-test/.
# The watch cache deep-freezes what it shares, so a test that mutates a cached object fails
# (client-go's cache mutation detector, likewise on in tests only); clusters tests start inherit it.
# typescript-eslint's type-checked rules (no floating promises, no unsafe any) over every file.
npm run -s lint
export TSKUBE_CACHE_MUTATION_DETECTOR=1
mapfile -t unit < <(find dist-test -name '*.test.js' -not -path 'dist-test/e2e/*' | sort)
mapfile -t e2e < <(find dist-test/e2e -name '*.test.js' 2>/dev/null | sort)
# The kubelet's planner and executor need no root: prove it by running them as nobody (from a
# copy, so the checkout's own permissions do not matter).
plain=$(mktemp -d)
cp -r dist-test "$plain/" && chmod -R a+rX "$plain"
setpriv --reuid=65534 --regid=65534 --clear-groups -- node --test "$plain/dist-test/kubelet/pod-plan.test.js" "$plain/dist-test/kubelet/pod-actions.test.js"
rm -rf "$plain"
# Integration tests start real etcd, namespaces and iptables chains; two at a time fits 2 cores.
node --test --test-concurrency=2 --test-timeout=300000 "${unit[@]}"
# The same unit suite on Node 24 LTS (hack/install.sh fetched it), as Node 20's life has ended.
node24=node_modules/.cache/node24/bin/node
if [ -x "$node24" ]; then
  echo "unit suite on Node $("$node24" --version)"
  "$node24" --test --test-reporter=tap --test-concurrency=2 --test-timeout=300000 "${unit[@]}"
else
  echo "Node 24 is not available for $(uname -m): unit suite on $(node --version) only" >&2
fi
# Each e2e scenario is a whole cluster with its timing checks (bound within seconds, rules live
# within 1 s): one at a time, so one cluster's load does not fail another's figures.
node --test --test-concurrency=1 --test-timeout=300000 "${e2e[@]}"
