#!/usr/bin/env bash
# Builds demo:<TAG> as a `docker save` tarball (docker-archive) with no Docker: one layer holding the
# host's static busybox, its applets and a page saying "demo <TAG>"; by default the image prints
# one line and serves that page with httpd on port 80. Used by the README tour and e2e/tour-more.
#   bash hack/demo-image.sh TAG OUT.tar
set -euo pipefail
tag=${1:?usage: demo-image.sh TAG OUT.tar}
out=${2:?usage: demo-image.sh TAG OUT.tar}
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "demo-image.sh: bad tag $tag" >&2; exit 2; }
busybox=/bin/busybox # busybox-static (hack/install.sh): it must run with no libc in the image
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

root=$work/rootfs
mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo "demo $tag" >"$root/www/index.html"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"

# A reproducible layer: sorted names, fixed times and owners, so one tag always has one image id.
tar -C "$root" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$work/layer.tar" .
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
cat >"$work/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/bin"],"ExposedPorts":{"80/tcp":{}},
  "Cmd":["sh","-c","echo demo $tag serving on :80; exec httpd -f -p 80 -h /www"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]}}
EOF
config=$(sha256sum "$work/config.json" | cut -d' ' -f1).json
mv "$work/config.json" "$work/$config"
echo "[{\"Config\":\"$config\",\"RepoTags\":[\"demo:$tag\"],\"Layers\":[\"layer.tar\"]}]" >"$work/manifest.json"
tar -C "$work" -cf "$out" manifest.json "$config" layer.tar
echo "demo:$tag -> $out"
