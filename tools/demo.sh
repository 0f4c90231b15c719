#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The README's first command (`make demo`): on a fresh Debian machine, as
# root, install what hull needs, build hull and its guest image, and run a
# busybox container in its own VM whose network is wired through hull's
# eBPF datapath.  The container prints what it sees and pings the host
# side; then hull prints the endpoint's BPF counters and cleans up.
#
# The "host side" is a network namespace of the demo's own (hull-demo-host),
# joined to the container's namespace by a veth pair, so that no traffic
# leaves the demo's namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

make --no-print-directory deps
make --no-print-directory -j2 build/bin/hull build/bin/hull-agent guest

hull=$PWD/build/bin/hull
work=$(mktemp -d /tmp/hull-demo.XXXXXX)
ctr_ns=hull-demo-$$ host_ns=hull-demo-host-$$
cleanup() {
	"$hull" --config "$work/config.json" --root "$work/state" delete --force demo >/dev/null 2>&1 || true
	ip netns del "$ctr_ns" 2>/dev/null || true
	ip netns del "$host_ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# hull's configuration: the guest image just built.
cat >"$work/config.json" <<CFG
{"hypervisor": {"kernel": "$PWD/build/guest/vmlinuz", "initrd": "$PWD/build/guest/initrd.img",
                "default_memory": 512}}
CFG

# The container's network: eth0 (10.200.0.2/24, MTU 1400) in its own
# namespace, the other end of the veth (10.200.0.1) on the host side.
ip netns add "$ctr_ns"
ip netns add "$host_ns"
ip link add hull-demo0 type veth peer name hull-demo1
ip link set hull-demo0 netns "$ctr_ns"
ip link set hull-demo1 netns "$host_ns"
ip -n "$ctr_ns" link set hull-demo0 name eth0
ip -n "$ctr_ns" link set eth0 mtu 1400 up
ip -n "$ctr_ns" addr add 10.200.0.2/24 dev eth0
ip -n "$ctr_ns" route add default via 10.200.0.1
ip -n "$host_ns" link set hull-demo1 mtu 1400 up
ip -n "$host_ns" addr add 10.200.0.1/24 dev hull-demo1

# A busybox bundle whose process shows its network and pings the host side.
# Its capabilities are runc's defaults plus CAP_NET_RAW (Docker's and
# Podman's defaults have it): busybox's ping opens a raw socket.
bundle=$work/bundle
# The mount points an image has (the root is read-only: the guest cannot make them).
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" "$bundle/rootfs/tmp"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
script='echo "== inside the VM: $(uname -r), hostname $(hostname)"; ip addr show eth0; ip route;
echo "== ping the host side (10.200.0.1) through the eBPF datapath";
if ping -c 3 10.200.0.1; then echo "== done"; else echo "== done: ping failed"; fi; sleep 600'
jq --arg script "$script" --arg netns "/run/netns/$ctr_ns" '
	.process.args = ["/bin/sh", "-c", $script] |
	.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"]) |
	.linux.namespaces |= (map(select(.type != "network")) + [{"type": "network", "path": $netns}])' \
	examples/busybox/config.json >"$bundle/config.json"

h() { "$hull" --config "$work/config.json" --root "$work/state" "$@"; }

echo "== hull create: booting the sandbox VM (KVM when it works here, TCG otherwise)"
start=$(date +%s.%N)
# hull's messages (a KVM that does not work here, an error) go to the
# terminal; the container's output to $work/out.
if ! h create --bundle "$bundle" demo >"$work/out"; then
	echo "== hull create failed (its error is above)" >&2
	exit 1
fi
printf '   booted in %.1f s under %s\n' "$(echo "$(date +%s.%N) - $start" | bc)" \
	"$(jq -r .hypervisor.accel "$work/state/demo/state.json")"
h start demo
for _ in $(seq 600); do
	grep -q '^== done' "$work/out" && break
	sleep 0.1
done
cat "$work/out"
echo "== hull network show demo (the endpoint's BPF counters)"
h network show demo
echo "== hull delete --force demo"
h delete --force demo
echo "== nothing left: $(ip -n "$ctr_ns" -o link | wc -l) links in the container namespace (lo, eth0)"
if ! grep -qx '== done' "$work/out"; then
	echo "== the container's ping did not get its replies (see above)" >&2
	exit 1
fi
