#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# build-image.sh OUT.tar: the installer image of tools/deploy/hull-deploy.yaml
# as a one-layer OCI archive, built locally (no registry): busybox-static's
# /bin/busybox and its applets, bash (the installer's shell) with its
# libraries, hull-deploy.sh at /usr/local/bin and hull's artefacts at
# /opt/hull-artifacts (bin/hull, bin/containerd-shim-hull-v2,
# guest/vmlinuz, guest/initrd.img, from $HULL_BUILD, default build/).
# Load it on a node with `ctr -n k8s.io images import OUT.tar` (named
# $HULL_DEPLOY_IMAGE, default docker.io/library/hull-deploy:latest, which
# is what the DaemonSet's hull-deploy:latest means) or `podman load -i`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
HULL_BUILD=${HULL_BUILD:-$repo/build}
name=${HULL_DEPLOY_IMAGE:-docker.io/library/hull-deploy:latest}

die() {
	echo "build-image.sh: $*" >&2
	exit 1
}

case ${1:-} in
-h | --help)
	sed -n '4,12s/^# \{0,1\}//p' "$0"
	exit 0
	;;
"" | -*) die "usage: build-image.sh OUT.tar (--help)" ;;
esac
out=$(realpath -m "$1")
for f in bin/hull bin/containerd-shim-hull-v2 guest/vmlinuz guest/initrd.img; do
	[ -f "$HULL_BUILD/$f" ] || die "missing $HULL_BUILD/$f (make; make guest)"
done
[ -x /bin/busybox ] || die "no /bin/busybox (apt-get install busybox-static)"

# oci_archive (selftests/clients/lib.sh) packs $work/image/rootfs.tar.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2034 # lib.sh's default of HULL_SHIM reads it
HULL=$HULL_BUILD/bin/hull
# shellcheck source=selftests/clients/lib.sh
. "$repo/selftests/clients/lib.sh"

r=$work/rootfs
mkdir -p "$r/bin" "$r/usr/bin" "$r/usr/local/bin" "$r/"{proc,sys,dev,tmp,host,root} \
	"$r/opt/hull-artifacts/bin" "$r/opt/hull-artifacts/guest"
cp /bin/busybox "$r/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
done
ln -s /bin/busybox "$r/usr/bin/env"
# bash and the libraries it loads, at the paths its loader looks at.
bash_path=$(command -v bash)
for f in "$bash_path" $(ldd "$bash_path" | grep -o '/[^ ]* (0x' | cut -d' ' -f1); do
	mkdir -p "$r$(dirname "$f")"
	cp -L "$f" "$r$f"
done
[ "$bash_path" = /bin/bash ] || ln -sf "$bash_path" "$r/bin/bash"
cp "$here/hull-deploy.sh" "$r/usr/local/bin/hull-deploy.sh"
cp "$HULL_BUILD/bin/hull" "$HULL_BUILD/bin/containerd-shim-hull-v2" "$r/opt/hull-artifacts/bin/"
cp "$HULL_BUILD/guest/vmlinuz" "$HULL_BUILD/guest/initrd.img" "$r/opt/hull-artifacts/guest/"
chmod 0755 "$r/usr/local/bin/hull-deploy.sh"

mkdir -p "$work/image"
tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$work/image/rootfs.tar" .
oci_archive "$name" '["/usr/local/bin/hull-deploy.sh", "status"]' "$out" || die "could not write $out"
echo "build-image.sh: wrote $out ($name)"
