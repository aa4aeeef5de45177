#!/usr/bin/env bash
# Installs everything tskube needs on a Debian machine (as root) and builds it.
# Idempotent: packages already present are not reinstalled, npm ci only when the lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(etcd-server etcd-client iptables iproute2 util-linux busybox-static gcc libc6-dev openssl wget runc crun skopeo docker-registry procps libseccomp-dev python3-kubernetes dnsperf dnsmasq-base chromium podman)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's docker-registry package starts a registry on :5000 when installed; tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi

if ! command -v node >/dev/null 2>&1; then
  echo "node (>= 20) is required" >&2; exit 1
fi

stamp=node_modules/.tskube-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  # koffi, esbuild and protobufjs have install scripts; npm >= 11 skips unapproved ones, which
  # koffi tolerates (prebuilt binaries ship in the package) but we allow them explicitly.
  npm ci --no-audit --no-fund --loglevel=error --allow-scripts=koffi,esbuild,protobufjs 2>/dev/null \
    || npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
# Node 24 LTS beside the machine's node: .ci/run runs the unit suite under both. Kept under
# node_modules/.cache, so reruns need no network (npm ci, on a lock change, fetches it again).
NODE24_VERSION=24.22.3
node24=node_modules/.cache/node24/bin/node
case "$(uname -m)" in x86_64) node_arch=x64 ;; aarch64) node_arch=arm64 ;; *) node_arch= ;; esac
if [ -n "$node_arch" ] && ! { [ -x "$node24" ] && [ "$("$node24" --version)" = "v$NODE24_VERSION" ]; }; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "node-linux-$node_arch@$NODE24_VERSION" --silent >/dev/null)
  mkdir -p node_modules/.cache/node24
  tar xzf "$tmp/node-linux-$node_arch-$NODE24_VERSION.tgz" -C node_modules/.cache/node24 --strip-components=1 package/bin/node
  rm -rf "$tmp"
fi
# dist/: what users run (no tests); dist-test/: everything, for the tests and `npm run bench`.
npm run -s build
npm run -s build:test
# The two binaries on PATH, as `npm install -g` would put them.
chmod +x dist/cmd/hyperkube.js dist/cmd/kubecfg.js
ln -sf "$PWD/dist/cmd/hyperkube.js" /usr/local/bin/hyperkube
ln -sf "$PWD/dist/cmd/kubecfg.js" /usr/local/bin/kubecfg
