#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds hull's guest image from Debian packages only:
#   OUT/vmlinuz     the kernel of linux-image-cloud-amd64
#   OUT/initrd.img  busybox-static, the virtio modules the sandbox needs,
#                   hull-agent (static) and /init
#
#   vmm/guest/mkguest.sh OUT_DIR AGENT_BINARY
#
# The kernel package is fetched with `apt-get download` and unpacked with
# `dpkg -x` (never installed on the host).  The version used is printed.
set -euo pipefail

out=$1
agent=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$out/work
mkdir -p "$out" "$work"
out=$(cd "$out" && pwd) work=$(cd "$work" && pwd)

# linux-image-cloud-amd64 is a metapackage: find the image it depends on.
meta=linux-image-cloud-amd64
pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
if [ -z "$pkg" ]; then
	apt-get update -qq
	pkg=$(apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
fi
[ -n "$pkg" ] || { echo "mkguest: cannot resolve $meta to a kernel package" >&2; exit 1; }

deb=$(ls "$work"/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
	# _apt cannot write into a root-only directory; download as root quietly.
	(cd "$work" && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' || true)
	deb=$(ls "$work"/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
	[ -n "$deb" ] || { echo "mkguest: apt-get download $pkg failed" >&2; exit 1; }
fi
rm -rf "$work/kernel" && mkdir -p "$work/kernel"
dpkg -x "$deb" "$work/kernel"
kver=$(ls "$work/kernel/lib/modules")
echo "mkguest: kernel $pkg ($(basename "$deb"))"
cp "$work/kernel/boot/vmlinuz-$kver" "$out/vmlinuz"

root=$work/initrd
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,run,tmp,etc,mnt,lib/modules/"$kver"}
cp /bin/busybox "$root/bin/busybox"
for applet in sh mount umount mkdir ip cat echo ls insmod modprobe poweroff sleep mknod ping hostname cp switch_root; do
	ln -s busybox "$root/bin/$applet"
done

# The modules the sandbox needs, with whatever they depend on.
# virtio_mmio: the devices of the microvm machine type (q35 uses virtio_pci).
mods="virtio_pci virtio_mmio virtio_net virtio_console virtiofs"
moddir=$work/kernel/lib/modules/$kver
busybox depmod -b "$work/kernel" "$kver" 2>/dev/null || true
need=""
add_module() {
	local m=$1 path deps d
	path=$(cd "$moddir" && find kernel -name "$m.ko" -o -name "$m.ko.xz" | head -n1)
	[ -n "$path" ] || { echo "mkguest: module $m not in $pkg" >&2; exit 1; }
	case " $need " in *" $path "*) return ;; esac
	deps=$(sed -n "s|^$path: *||p" "$moddir/modules.dep")
	for d in $deps; do add_module "$(basename "${d%.ko*}")"; done
	need="$need $path"
}
for m in $mods; do add_module "$m"; done
: >"$root/lib/modules/$kver/load-order"
for p in $need; do
	mkdir -p "$root/lib/modules/$kver/$(dirname "$p")"
	cp "$moddir/$p" "$root/lib/modules/$kver/$p"
	echo "$p" >>"$root/lib/modules/$kver/load-order"
done

install -m 0755 "$agent" "$root/sbin/hull-agent"
install -m 0755 "$here/init" "$root/init"

(cd "$root" && find . | sort | busybox cpio -o -H newc 2>/dev/null | gzip -9) >"$out/initrd.img.tmp"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "mkguest: $out/vmlinuz ($(stat -c %s "$out/vmlinuz") bytes)"
echo "mkguest: $out/initrd.img ($(stat -c %s "$out/initrd.img") bytes; modules:$(echo $mods))"
