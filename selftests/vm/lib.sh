# SPDX-License-Identifier: Apache-2.0
# Helpers for the VM selftests: a hull configuration that boots the guest
# built by `make guest`, a state root of the test's own, and busybox
# bundles.  Source after selftests/lib.sh.

: "${HULL_GUEST:=$(cd "$(dirname "$HULL")/.." && pwd)/guest}"

# vm_setup: makes $work (removed at exit) and $hullcfg; skips without a guest.
vm_setup() {
	[ -f "$HULL_GUEST/vmlinuz" ] && [ -f "$HULL_GUEST/initrd.img" ] ||
		skip_all "no guest image in $HULL_GUEST (make guest)"
	command -v jq >/dev/null || skip_all "jq is not installed"
	work=$(mktemp -d /tmp/hull-vmtest.XXXXXX)
	trap 'vm_cleanup' EXIT
	hullcfg=$work/config.json
	cat >"$hullcfg" <<CFG
{"hypervisor": {"kernel": "$HULL_GUEST/vmlinuz", "initrd": "$HULL_GUEST/initrd.img",
                "default_memory": 512}}
CFG
	root=$work/state
}

vm_cleanup() {
	for d in "$root"/*/; do
		[ -d "$d" ] && "$HULL" --config "$hullcfg" --root "$root" delete --force "$(basename "$d")" >/dev/null 2>&1
	done
	[ -f "$work/netns.list" ] && while read -r ns; do ip netns del "$ns" 2>/dev/null; done <"$work/netns.list"
	rm -rf "$work"
}

# hullc ARGS...: hull with the test's configuration and state root.
hullc() { "$HULL" --config "$hullcfg" --root "$root" "$@"; }

# wait_line FILE ERE: up to 60 s for a line of FILE matching ERE (grep -E);
# if none comes, says what FILE has.
wait_line() {
	for _ in $(seq 600); do grep -Eq "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "no line matching '$2' in $1:"; tail -5 "$1" 2>/dev/null
	return 1
}

# make_bundle DIR ARGS_JSON [NETNS_PATH]: a busybox rootfs running ARGS_JSON.
make_bundle() {
	local dir=$1 args=$2 netns=${3:-}
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	for a in $(busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$dir/rootfs/bin/$a"
	done
	jq --argjson args "$args" --arg netns "$netns" '
		.process.args = $args |
		.linux.namespaces |= (map(select(.type != "network")) +
			(if $netns == "" then [] else [{"type": "network", "path": $netns}] end))' \
		"$HULL_SELFTESTS/../examples/busybox/config.json" >"$dir/config.json"
}

# make_netns VAR NAME: a fresh netns, its path in VAR.  Its name goes in a
# file, not a variable: tests run in subshells (check captures their
# output), and vm_cleanup must still find every namespace at exit.
make_netns() {
	local name=$2-$$-$RANDOM
	ip netns add "$name" || return 1
	echo "$name" >>"$work/netns.list"
	printf -v "$1" '%s' "/run/netns/$name"
}
