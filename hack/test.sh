#!/usr/bin/env bash
# Runs every test: unit and integration tests beside the code, then the e2e scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
bash hack/install.sh
echo "# stage 'install and build' took $SECONDS s"
# install.sh builds dist/ (what users run, no test code) and, from clean, dist-test/ (everything:
# tests, testing/, e2e/, bench/), so a moved or deleted test cannot linger; tests run from dist-test/.
# The watch cache deep-freezes what it shares, so a test that mutates a cached object fails
# (client-go's cache mutation detector, likewise on in tests only); clusters tests start inherit it.
# typescript-eslint's type-checked rules (no floating promises, no unsafe any) over every file.
lint_start=$SECONDS
npm run -s lint
echo "# stage 'lint' took $((SECONDS - lint_start)) s"
export TSKUBE_CACHE_MUTATION_DETECTOR=1
mapfile -t unit < <(find dist-test -name '*.test.js' -not -path 'dist-test/e2e/*' | sort)
mapfile -t e2e < <(find dist-test/e2e -name '*.test.js' 2>/dev/null | sort)
# Every stage prints TAP as it runs, then its wall time, its slowest files (testing/durations-reporter.ts)
# and node's closing summary again, so the log shows where time goes and still ends with `# pass N`
# / `# fail N`. A failed stage still prints its table, then the script exits non-zero.
tap=(--test-reporter=tap --test-reporter-destination=stdout)
durations() { echo "--test-reporter=$1/dist-test/testing/durations-reporter.js"; }
stage_start=$SECONDS
stage_end() { # stage_end NAME TABLE-FILE RC
  echo "# stage '$1' took $((SECONDS - stage_start)) s"
  cat "$2"; rm -f "$2"
  stage_start=$SECONDS
  if [ "$3" -ne 0 ]; then echo "stage '$1' failed" >&2; exit "$3"; fi
}
rc=0
# The kubelet's planner and executor need no root: prove it by running them as nobody (from a
# copy, so the checkout's own permissions do not matter).
plain=$(mktemp -d)
cp -r dist-test "$plain/" && chmod -R a+rX "$plain"
table=$(mktemp) && chmod a+rw "$table"
stage_start=$SECONDS
setpriv --reuid=65534 --regid=65534 --clear-groups -- node --test "${tap[@]}" "$(durations "$plain")" --test-reporter-destination="$table" \
  "$plain/dist-test/kubelet/pod-plan.test.js" "$plain/dist-test/kubelet/pod-actions.test.js" || rc=$?
rm -rf "$plain"
stage_end 'kubelet planner as nobody' "$table" $rc
# Integration tests start real etcd, namespaces and iptables chains; two at a time fits 2 cores.
table=$(mktemp)
node --test "${tap[@]}" "$(durations "$PWD")" --test-reporter-destination="$table" \
  --test-concurrency=2 --test-timeout=300000 "${unit[@]}" || rc=$?
stage_end "unit on Node $(node --version)" "$table" $rc
# The same unit suite on Node 24 LTS (hack/install.sh fetched it), as Node 20's life has ended.
node24=node_modules/.cache/node24/bin/node
if [ -x "$node24" ]; then
  echo "unit suite on Node $("$node24" --version)"
  table=$(mktemp)
  "$node24" --test "${tap[@]}" "$(durations "$PWD")" --test-reporter-destination="$table" \
    --test-concurrency=2 --test-timeout=300000 "${unit[@]}" || rc=$?
  stage_end "unit on Node $("$node24" --version)" "$table" $rc
else
  echo "Node 24 is not available for $(uname -m): unit suite on $(node --version) only" >&2
fi
# Each e2e scenario is a whole cluster with its timing checks (bound within seconds, rules live
# within 1 s): one at a time, so one cluster's load does not fail another's figures.
table=$(mktemp)
node --test "${tap[@]}" "$(durations "$PWD")" --test-reporter-destination="$table" \
  --test-concurrency=1 --test-timeout=300000 "${e2e[@]}" || rc=$?
stage_end e2e "$table" $rc
