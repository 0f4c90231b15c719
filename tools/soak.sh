#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make soak`: SOAK_CYCLES (default 200) sequential create / start / delete
# cycles of a busybox container under the default configuration (accel=auto:
# TCG here), its network a veth in a namespace of the soak's own, with the
# state root on tmpfs.  While each container runs, the monitor's open fds
# and RSS are read; after each delete, nothing of the sandbox may be left
# (process, tap, filter, pin, mount, state directory).  Prints one line per
# cycle and a summary (first/last/max fds and RSS), and exits 1 at the
# first leftover or failure.
set -u
cd "$(dirname "$0")/.."
hull=${HULL:-$PWD/build/bin/hull}
HULL=$hull . selftests/lib.sh # sandbox_leftovers
guest=${HULL_GUEST:-$PWD/build/guest}
cycles=${SOAK_CYCLES:-200}
[ "$(id -u)" -eq 0 ] || { echo "soak: needs root" >&2; exit 1; }
[ -x "$hull" ] && [ -f "$guest/initrd.img" ] || { echo "soak: run make and make guest first" >&2; exit 1; }

work=$(mktemp -d /tmp/hull-soak.XXXXXX)
mount -t tmpfs -o size=64m,mode=0700 hull-soak "$work" || exit 1
root=$work/state ns=hull-soak-$$ peer=hull-soakp-$$
cleanup() {
	for d in "$root"/*/; do
		[ -d "$d" ] && "$hull" --config "$work/config.json" --root "$root" delete --force "$(basename "$d")" >/dev/null 2>&1
	done
	ip netns del "$ns" 2>/dev/null
	ip netns del "$peer" 2>/dev/null
	umount "$work" && rmdir "$work"
}
trap cleanup EXIT
cat >"$work/config.json" <<CFG
{"hypervisor": {"kernel": "$guest/vmlinuz", "initrd": "$guest/initrd.img", "default_memory": 512}}
CFG
ip netns add "$ns" && ip netns add "$peer" || exit 1
ip -n "$ns" link add eth0 type veth peer name peer0 netns "$peer"
ip -n "$ns" addr add 10.81.0.2/24 dev eth0
ip -n "$ns" link set eth0 up
bundle=$work/bundle
# The mount points an image has (the root is read-only: the guest cannot make them).
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" "$bundle/rootfs/tmp"
cp /bin/busybox "$bundle/rootfs/bin/"
for a in sh sleep echo; do ln -s busybox "$bundle/rootfs/bin/$a"; done
jq --arg ns "/run/netns/$ns" '.process.args = ["/bin/sh", "-c", "echo UP; exec sleep 600"] |
	.linux.namespaces |= (map(select(.type != "network")) + [{"type": "network", "path": $ns}])' \
	examples/busybox/config.json >"$bundle/config.json"

h() { "$hull" --config "$work/config.json" --root "$root" "$@"; }

first_fds= first_rss= max_fds=0 max_rss=0 fds= rss= t0=$(date +%s)
for i in $(seq "$cycles"); do
	id=soak-$i
	h create --bundle "$bundle" --pid-file "$work/pid" "$id" >"$work/out" 2>"$work/err" ||
		{ echo "soak: cycle $i: create failed: $(cat "$work/err")"; exit 1; }
	h start "$id" || { echo "soak: cycle $i: start failed"; exit 1; }
	monitor=$(cat "$work/pid")
	for _ in $(seq 300); do grep -q UP "$work/out" && break; sleep 0.1; done
	grep -q UP "$work/out" || {
		echo "soak: cycle $i: the container printed nothing in 30 s; state: $(h state "$id" 2>&1 | jq -c '{status, pid}' 2>/dev/null)"
		echo "  its output: $(cat "$work/out"); hull's messages: $(cat "$work/err")"
		echo "  the guest's console: $(tail -n 5 "$root/$id/console.log" 2>/dev/null | tr '\n' '|')"
		exit 1
	}
	fds=$(ls "/proc/$monitor/fd" | wc -l)
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$monitor/status")
	: "${first_fds:=$fds}" "${first_rss:=$rss}"
	[ "$fds" -gt "$max_fds" ] && max_fds=$fds
	[ "$rss" -gt "$max_rss" ] && max_rss=$rss
	h delete --force "$id" || { echo "soak: cycle $i: delete failed"; exit 1; }
	sleep 0.2
	left=$(sandbox_leftovers "$root" "$id" "$ns")
	[ -z "$left" ] || { echo "soak: cycle $i: left behind: $left"; exit 1; }
	echo "soak: cycle $i/$cycles: monitor fds $fds, RSS $rss KiB"
done
echo "soak: $cycles cycles in $(($(date +%s) - t0)) s, nothing left behind; monitor fds first $first_fds last $fds max $max_fds; RSS KiB first $first_rss last $rss max $max_rss"
