# SPDX-License-Identifier: Apache-2.0
# Helpers for the CRI selftests (issue 13): Kubernetes pods through
# containerd's CRI plugin, driven with crictl as a kubelet would.  The
# containerd is the test's own (selftests/clients/lib.sh: its own
# --config, root, state and sockets under $work; hull's state under the
# short $hroot), here with restrict_oom_score_adj (this host's root cannot
# lower oom_score_adj below its own), its network namespaces under its
# state directory, a CNI network of its own (Debian's bridge + host-local
# on a bridge and subnet of the test's; containerd adds the loopback
# plugin's lo itself) and a sandbox_image made from busybox.
# Source after selftests/lib.sh, vm/lib.sh and clients/lib.sh.

PAUSE_IMG=localhost/hull-pause:test
# cri_note TEXT...: a TAP diagnostic from inside a check whose output is
# shown only when it fails (timings, figures).
exec 5>&1
cri_note() { diag "$@" >&5; }
# crictl 1.26 (static): next to the checkout (../shared/bin), or on PATH.
if [ -z "${CRICTL:-}" ]; then
	for c in "$HULL_SELFTESTS/../../shared/bin/crictl" /work/shared/bin/crictl "$(command -v crictl)"; do
		[ -n "$c" ] && [ -x "$c" ] && { CRICTL=$c; break; }
	done
	: "${CRICTL:=$HULL_SELFTESTS/../../shared/bin/crictl}"
fi

# cri_setup: clients_setup + containerd_setup with the above; skips what
# this host lacks.  Sets $cri_sock, $cri_cg (the pods' cgroup parent),
# $cri_br (the CNI bridge), $cri_gw (its address, the pods' gateway).
cri_setup() {
	clients_setup
	trap 'cri_cleanup' EXIT
	[ -x "$CRICTL" ] || skip_all "no crictl (looked at ../shared/bin/crictl, /work/shared/bin/crictl, PATH; set CRICTL)"
	local p
	for p in bridge host-local loopback; do
		[ -x "/usr/lib/cni/$p" ] || skip_all "no CNI plugin /usr/lib/cni/$p (make deps: containernetworking-plugins)"
	done
	command -v tmux >/dev/null || skip_all "tmux is not installed (make deps)"
	# hull's longest socket: <shim's --root: Root/NAMESPACE>/<64-hex id>/virtiofs.sock.
	local longest
	longest=$hroot/hull/k8s.io/$(printf '%064d' 0)/virtiofs.sock
	[ ${#longest} -le 107 ] || { echo "hull's socket paths would not fit sun_path: $longest"; exit 1; }
	cri_sock=$work/ctd/containerd.sock
	cri_cg=hullcri$$ cri_br=hcri$$
	local net=10.214.$(($$ % 250))
	cri_gw=$net.1
	mkdir -p "$work/ctd/cni" "$work/logs"
	jq -n --arg br "$cri_br" --arg sn "$net.0/24" --arg dd "$work/ipam" \
		'{cniVersion: "0.4.0", name: "hullcri", plugins: [{type: "bridge", bridge: $br,
		isGateway: true, ipMasq: false, hairpinMode: true,
		ipam: {type: "host-local", ranges: [[{subnet: $sn}]], dataDir: $dd}}]}' \
		>"$work/ctd/cni/10-hullcri.conflist"
	ctd_cri_keys="  restrict_oom_score_adj = true
  sandbox_image = \"$PAUSE_IMG\"
  netns_mounts_under_state_dir = true"
	containerd_setup || { echo "could not start a containerd of the test's own"; exit 1; }
	oci_archive "$PAUSE_IMG" '["sleep", "2147483647"]' "$work/image/pause.tar" || exit 1
	for p in oci pause; do
		c -n k8s.io images import "$work/image/$p.tar" >/dev/null 2>"$work/import.err" ||
			{ cat "$work/import.err"; exit 1; }
	done
	wait_for 20 cri_network_ready || { echo "the CRI's network is not ready:"; cri info; exit 1; }
}

# cri ARGS...: crictl against the test's containerd.  (crictl's --timeout
# bounds every call, 2 s by default: less than a VM's boot.)
cri() { "$CRICTL" --runtime-endpoint "unix://$cri_sock" --image-endpoint "unix://$cri_sock" --timeout 120s "$@"; }

cri_network_ready() {
	[ "$(cri info 2>/dev/null | jq -r '.status.conditions[] | select(.type == "NetworkReady") | .status')" = true ]
}

# pod_config FILE NAME HOSTNAME: a pod sandbox config (kubelet's defaults:
# network and IPC of the pod, a PID namespace per container), DNS of its
# own, logs under $work/logs, cgroups under $cri_cg.
pod_config() {
	jq -n --arg n "$2" --arg h "$3" --arg uid "uid-$2-$$" --arg logs "$work/logs/$2" --arg cg "/$cri_cg" \
		'{metadata: {name: $n, namespace: "hull-test", uid: $uid, attempt: 0},
		hostname: $h, log_directory: $logs,
		dns_config: {servers: ["10.214.255.53"], searches: ["hull.test"], options: ["ndots:2"]},
		labels: {test: "hull-cri"},
		linux: {cgroup_parent: $cg, security_context: {namespace_options: {network: 0, pid: 1, ipc: 0}}}}' >"$1"
	mkdir -p "$work/logs/$2"
}

# container_config FILE NAME SCRIPT [HOST_DIR]: a busybox container running
# `sh -c SCRIPT` in the pod's network and IPC namespaces and a PID
# namespace of its own (as the kubelet asks), with HOST_DIR (a
# configMap-like volume) read-only on /etc/cfg.
container_config() {
	jq -n --arg n "$2" --arg s "$3" --arg img "$IMG" --arg hd "${4:-}" \
		'{metadata: {name: $n, attempt: 0}, image: {image: $img},
		command: ["sh", "-c", $s], log_path: ($n + ".log"),
		mounts: (if $hd == "" then [] else [{container_path: "/etc/cfg", host_path: $hd, readonly: true}] end),
		linux: {security_context: {namespace_options: {network: 0, pid: 1, ipc: 0}}}}' >"$1"
}

# run_container VAR POD NAME SCRIPT [HOST_DIR]: create + start; VAR gets the id.
run_container() {
	local var=$1 pod=$2 name=$3 new_id
	container_config "$work/$name.json" "$name" "$4" "${5:-}"
	new_id=$(cri create "$pod" "$work/$name.json" "$work/pod-$pod_name.json" 2>"$work/crictl.err") ||
		{ echo "crictl create $name failed: $(crictl_error)"; return 1; }
	printf -v "$var" '%s' "$new_id"
	cri start "$new_id" >/dev/null 2>"$work/crictl.err" || { echo "crictl start $name failed: $(crictl_error)"; return 1; }
}

# crictl_error: the reason in crictl's last fatal message ($work/crictl.err).
crictl_error() { sed -n 's/.*level=fatal msg=//p' "$work/crictl.err" | sed 's/.*desc = //'; }

# container_state ID: CONTAINER_RUNNING, CONTAINER_EXITED...
container_state() { cri inspect -o json "$1" 2>/dev/null | jq -r .status.state; }
state_is() { [ "$(container_state "$1")" = "$2" ]; }
exit_code() { cri inspect -o json "$1" | jq -r .status.exitCode; }


# cri_leftovers HANDLER ID...: what outlived the pods, one line each:
# runtime state, hull's or the shims' processes, containerd's network
# namespaces, links on the CNI bridge, bpffs pins, mounts and cgroups
# named by the ids given, the test's own paths or cgroup parent.  (Other
# tests may run beside this one: host-wide lists are not compared.)  Prints nothing when clean.
cri_leftovers() {
	local h=$1 id st
	shift
	st=$hroot/$h/k8s.io
	[ "$h" = hull-shim ] && st=$hroot/shim/k8s.io
	[ -d "$st" ] && ls "$st" | grep -vx 'host:accel.json' | sed "s|^|state $st/|"
	[ -d "$hroot/shim/s" ] && ls -A "$hroot/shim/s" | sed "s|^|shim state $hroot/shim/s/|"
	pgrep -af "containerd-shim-hull-v2 .*-address $cri_sock" | sed 's/^/shim /'
	pgrep -af "$hroot/" | sed 's/^/process /'
	pgrep -af "containerd-shim-runc-v2 .*-address $cri_sock" | sed 's/^/shim /'
	local nsd=$work/ctd/state/io.containerd.grpc.v1.cri/netns
	[ -d "$nsd" ] && ls "$nsd" | sed 's/^/netns /'
	ip -o link show master "$cri_br" 2>/dev/null | sed 's/^/link on the bridge: /'
	grep -F -e " $work/" -e " $hroot/" /proc/mounts | sed 's/^/mount /'
	find /sys/fs/cgroup/*/"$cri_cg" -mindepth 1 -type d 2>/dev/null | sed 's/^/cgroup /'
	for id in "$@"; do
		[ -n "$id" ] || continue
		grep -F "$id" /proc/mounts | sed 's/^/mount /'
		find /sys/fs/cgroup -maxdepth 5 -name "*$id*" 2>/dev/null | sed 's/^/cgroup /'
		ls /sys/fs/bpf/hull 2>/dev/null | grep -F "$id" | sed 's|^|pin /sys/fs/bpf/hull/|'
		ip -o link show | grep -F "${id:0:12}" | sed 's/^/link /'
	done | sort -u
	return 0
}

# no_cri_leftovers HANDLER ID...: fails, naming them, if any.
no_cri_leftovers() {
	local l
	l=$(cri_leftovers "$@")
	[ -z "$l" ] || { echo "left behind:"; echo "$l"; return 1; }
}

# qemu_count POD: QEMU processes whose command line names POD.
qemu_count() { pgrep -fc "qemu-system.*$1" || true; }

# cri_force_remove: every pod of the test's containerd stopped and removed,
# then what the runtimes kept (so that one failed case does not leak into
# the next one's leftovers).
cri_force_remove() {
	local p
	for p in $("$CRICTL" --runtime-endpoint "unix://$cri_sock" --timeout 60s pods -q 2>/dev/null); do
		"$CRICTL" --runtime-endpoint "unix://$cri_sock" --timeout 60s stopp "$p" >/dev/null 2>&1
		"$CRICTL" --runtime-endpoint "unix://$cri_sock" --timeout 60s rmp -f "$p" >/dev/null 2>&1
	done
	hull_delete_all
}

# cri_cleanup: pods removed, then clients_cleanup (containerd, shims,
# mounts, $work), then the bridge and the pods' cgroup parent.
cri_cleanup() {
	[ -n "${cri_sock:-}" ] && [ -S "$cri_sock" ] && cri_force_remove
	clients_cleanup
	if [ -n "${cri_br:-}" ]; then
		ip link del "$cri_br" 2>/dev/null
		find /sys/fs/cgroup/*/"$cri_cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
	return 0
}
