#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The guest of `make guest` plus virtio_mmio.ko, for bench_vm's q35-vs-microvm
# part: microvm's devices are virtio-mmio, and vmm/guest/mkguest.sh loads only
# virtio_pci.  Changes nothing in SRC.
#
#   tools/bench/vm_microvm_guest.sh [SRC (build/guest)] [OUT (build/guest-microvm)]
#   HULL_GUEST=build/guest-microvm BENCH_VM_PARTS=machine build/bench/bench_vm
set -euo pipefail

src=${1:-build/guest}
out=${2:-build/guest-microvm}
[ -f "$src/vmlinuz" ] && [ -f "$src/initrd.img" ] && [ -d "$src/work/kernel/lib/modules" ] ||
	{ echo "vm_microvm_guest: no guest in $src (make guest)" >&2; exit 1; }
src=$(cd "$src" && pwd)
kver=$(ls "$src/work/kernel/lib/modules")
mod=kernel/drivers/virtio/virtio_mmio.ko
rm -rf "$out"
mkdir -p "$out/root"
out=$(cd "$out" && pwd)
(cd "$out/root" && zcat "$src/initrd.img" | busybox cpio -i -d 2>/dev/null)
cp "$src/work/kernel/lib/modules/$kver/$mod" "$out/root/lib/modules/$kver/$mod"
# After virtio_pci: its dependencies (virtio, virtio_ring) are loaded by then.
sed -i "s|^kernel/drivers/virtio/virtio_pci.ko\$|&\n$mod|" "$out/root/lib/modules/$kver/load-order"
grep -qx "$mod" "$out/root/lib/modules/$kver/load-order"
(cd "$out/root" && find . | sort | busybox cpio -o -H newc 2>/dev/null | gzip -9) >"$out/initrd.img"
cp "$src/vmlinuz" "$out/vmlinuz"
rm -rf "$out/root"
echo "vm_microvm_guest: $out/vmlinuz, $out/initrd.img (+ virtio_mmio)"
