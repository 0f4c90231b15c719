# SPDX-License-Identifier: Apache-2.0
# Helpers for the real-client selftests (issue 12): Podman and containerd
# (installed by `make deps`) drive hull as their OCI runtime, as a user's
# would.  Everything lives under $work (hull's state under a short
# $hroot): a Podman store and a containerd of the test's own, so the host's
# Podman storage, its /etc/containers networks, its SHM lock and any system
# containerd are left alone.
# Source after selftests/lib.sh and selftests/vm/lib.sh.

IMG=localhost/hull-busybox:test

# clients_setup: vm_setup, then the runtime wrapper $work/hull.  Clients call
# the runtime without --config, so the wrapper adds the test's configuration
# and state root; it logs each call (and a non-zero status) to
# $work/runtime-calls.log, which tests print when they fail: the commands
# a client called that hull refused are there.
# hull's containerd shim, next to hull unless $HULL_SHIM says otherwise.
: "${HULL_SHIM:=$(dirname "$HULL")/containerd-shim-hull-v2}"
clients_setup() {
	vm_setup
	trap 'clients_cleanup' EXIT
	# Podman's and the CRI's ids have 64 characters: hull's state root must
	# be short for its sockets to fit a unix socket path (107 bytes).
	hroot=$(mktemp -d /tmp/hc.XXXXXX)
	root=$hroot/p
	mkdir "$root"
	clients_pre_existing=""
	for d in $(client_made_dirs); do
		[ -e "$d" ] && clients_pre_existing+="$d "
	done
	cat >"$work/hull" <<EOF
#!/bin/sh
echo "\$*" >>"$work/runtime-calls.log"
"$HULL" --config "$hullcfg" --root "$root" "\$@"
rc=\$?
[ \$rc -eq 0 ] || echo "  -> exit status \$rc" >>"$work/runtime-calls.log"
[ \$rc -eq 0 ] || echo "status \$rc: \$*" >>"$work/runtime-refused.log"
exit \$rc
EOF
	chmod +x "$work/hull"
	guest_release=$(kernel_release "$HULL_GUEST/vmlinuz")
	[ -n "$guest_release" ] || skip_all "cannot read the kernel release of $HULL_GUEST/vmlinuz"
	[ "$guest_release" != "$(uname -r)" ] ||
		skip_all "the guest kernel is the host's release ($guest_release): uname -r cannot tell them apart"
}

# client_made_dirs: the host directories the clients make and leave
# (Podman's cgroup of conmon, the parent cgroup of containerd's namespace
# "default", ctr's FIFO and shim socket directories),
# children first; clients_cleanup removes those the test made, if empty.
client_made_dirs() {
	local c
	for c in /sys/fs/cgroup/*/; do echo "${c}libpod_parent/conmon ${c}libpod_parent ${c}default"; done
	echo /run/containerd/fifo /run/containerd/s /run/containerd
}

# kernel_release BZIMAGE: the release of a bzImage, from the version string
# its setup header points to (kernel_version at 0x20e, relative to 0x200).
kernel_release() {
	local off
	off=$(od -An -tu2 -j526 -N2 "$1" | tr -d ' ') || return 1
	dd if="$1" bs=1 skip=$((off + 512)) count=128 2>/dev/null | tr '\0' '\n' | head -1 | cut -d' ' -f1
}

# make_image: $work/image/rootfs.tar (/bin/busybox and its applet links)
# and $work/image/oci.tar, the same tree as a one-layer OCI image archive
# named $IMG (for `ctr images import`).
make_image() {
	local d=$work/image
	[ -f "$d/oci.tar" ] && return 0
	mkdir -p "$d/rootfs/bin" "$d/rootfs/"{proc,sys,dev,tmp,etc,root}
	cp /bin/busybox "$d/rootfs/bin/busybox"
	for a in $(busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$d/rootfs/bin/$a"
	done
	tar --numeric-owner --owner=0 --group=0 -C "$d/rootfs" -cf "$d/rootfs.tar" . || return 1
	oci_archive "$IMG" '["sh"]' "$d/oci.tar"
}

# oci_archive NAME CMD_JSON OUT: OUT, a one-layer OCI image archive named
# NAME whose layer is $work/image/rootfs.tar (make_image) and whose Cmd is
# CMD_JSON (e.g. a pause-like image for the CRI's sandbox_image).
oci_archive() {
	local name=$1 cmd=$2 out=$3 d
	d=$(mktemp -d "$work/image/oci.XXXXXX") || return 1
	mkdir -p "$d/blobs/sha256"
	(
		cd "$d" || exit 1
		# blob FILE: moves FILE to blobs/sha256/DIGEST, prints "DIGEST SIZE".
		blob() {
			local dg sz
			dg=$(sha256sum "$1" | cut -d' ' -f1) sz=$(stat -c %s "$1")
			mv "$1" "blobs/sha256/$dg" && echo "sha256:$dg $sz"
		}
		gzip -n -c "$work/image/rootfs.tar" >layer
		local diff_id layer config manifest
		diff_id=sha256:$(sha256sum "$work/image/rootfs.tar" | cut -d' ' -f1)
		read -r -a layer <<<"$(blob layer)"
		jq -nc --arg d "$diff_id" --argjson cmd "$cmd" '{architecture: "amd64", os: "linux",
			config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: $cmd},
			rootfs: {type: "layers", diff_ids: [$d]}}' >config
		read -r -a config <<<"$(blob config)"
		jq -nc --arg c "${config[0]}" --argjson cs "${config[1]}" --arg l "${layer[0]}" --argjson ls "${layer[1]}" \
			'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
			config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
			layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' >manifest
		read -r -a manifest <<<"$(blob manifest)"
		jq -nc --arg m "${manifest[0]}" --argjson ms "${manifest[1]}" --arg n "$name" \
			'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
			digest: $m, size: $ms, annotations: {"io.containerd.image.name": $n,
			"org.opencontainers.image.ref.name": "test"}}]}' >index.json
		echo '{"imageLayoutVersion": "1.0.0"}' >oci-layout
		tar -cf "$out" oci-layout index.json blobs
	)
	local rc=$?
	rm -rf "$d"
	return $rc
}

# podman_setup: a Podman of the test's own (store, run root, file locks
# rather than the host's /libpod_lock SHM segment, events, networks) with
# $IMG imported; its default network $pm_network on a bridge and subnet of
# its own ($pm_bridge, $pm_subnet).  What rootful Podman shares by design
# remains shared: netavark's IPAM database in /run/containers/networks (the
# network's name is the test's own) and /var/lib/containers/cache.
# pm ARGS...: that Podman, through hull.
podman_setup() {
	command -v podman >/dev/null || skip_all "podman is not installed (make deps)"
	make_image || return 1
	export CONTAINERS_STORAGE_CONF=$work/storage.conf CONTAINERS_CONF=$work/containers.conf
	export CONTAINERS_REGISTRIES_CONF=$work/registries.conf
	pm_network=hull-test-$$ pm_bridge=hpm$$ pm_subnet=10.213.$((RANDOM % 250)).0/24
	cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
	cat >"$CONTAINERS_CONF" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/podman-events.log"
lock_type = "file"
tmp_dir = "$work/podman-tmp"
static_dir = "$work/storage/libpod"
volume_path = "$work/storage/volumes"
[network]
network_backend = "netavark"
network_config_dir = "$work/networks"
default_network = "$pm_network"
EOF
	echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"
	mkdir -p "$work/networks"
	jq -n --arg n "$pm_network" --arg br "$pm_bridge" --arg sn "$pm_subnet" --arg id "$(printf '%064x' $$)" \
		'{name: $n, id: $id, driver: "bridge", network_interface: $br,
		created: "2026-01-01T00:00:00Z", subnets: [{subnet: $sn, gateway: ($sn | sub("0/24$"; "1"))}],
		ipv6_enabled: false, internal: false, dns_enabled: false,
		ipam_options: {driver: "host-local"}}' >"$work/networks/$pm_network.json"
	pm_raw import "$work/image/rootfs.tar" "$IMG" >/dev/null 2>"$work/import.err" ||
		{ cat "$work/import.err"; return 1; }
}

pm_raw() { podman --root "$work/storage" --runroot "$work/run" "$@"; }
pm() { pm_raw --runtime "$work/hull" "$@"; }

# containerd_setup: a containerd of the test's own (root, state, sockets
# under $work/ctd) with $IMG imported; its CRI plugin has runtime handlers
# "hull" (runc.v2 shim, BinaryName = the wrapper), "runc" and "crun", CNI
# plugins from Debian's containernetworking-plugins and configurations from
# $work/ctd/cni.  $ctd_cri_keys, if set, holds further keys of the CRI
# plugin's table (TOML lines, e.g. sandbox_image; selftests/cri).
# c ARGS...: ctr against it.  ctr_hull ARGS...: `ctr run` through hull.
containerd_setup() {
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip_all "containerd is not installed (make deps)"
	make_image || return 1
	local d=$work/ctd
	mkdir -p "$d/cni"
	cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = "$d/debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable_apparmor = true
${ctd_cri_keys:-}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$d/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
EOF
	local h bin
	for h in hull runc crun; do
		bin=$h
		[ $h = hull ] && bin=$work/hull
		cat >>"$d/config.toml" <<EOF
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h.options]
      BinaryName = "$bin"
      Root = "$hroot/$h"
EOF
	done
	# hull's own shim (runtime_type io.containerd.hull.v2, found on
	# containerd's PATH): the handler hull-shim, running the same wrapper,
	# its state under $hroot/shim.
	cat >>"$d/config.toml" <<EOF
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hull-shim]
    runtime_type = "io.containerd.hull.v2"
EOF
	mkdir -p "$work/shim-bin" && ln -sf "$HULL_SHIM" "$work/shim-bin/containerd-shim-hull-v2"
	containerd_start || return 1
	c images import "$work/image/oci.tar" >/dev/null 2>"$d/import.err" || { cat "$d/import.err"; return 1; }
}

# containerd_start: the test's containerd (containerd_setup's config),
# started and answering; its log appended to $work/ctd/log.
containerd_start() {
	local d=$work/ctd
	PATH=$work/shim-bin:$PATH HULL_SHIM_HULL=$work/hull HULL_SHIM_ROOT=$hroot/shim \
		containerd --config "$d/config.toml" >>"$d/log" 2>&1 &
	echo $! >"$d/pid"
	disown # (no "Killed" line from bash when a test kills it)
	for _ in $(seq 100); do c version >/dev/null 2>&1 && break; sleep 0.1; done
	c version >/dev/null 2>&1 || { echo "containerd did not start:"; tail -5 "$d/log"; return 1; }
}

# containerd_crash: the test's containerd killed (SIGKILL), its shims left
# running, as a crash or an upgrade of a node's containerd leaves them.
containerd_crash() {
	local p
	p=$(cat "$work/ctd/pid")
	kill -KILL "$p" || return 1
	# (gone, or a zombie its parent, the test's shell, has not reaped yet)
	for _ in $(seq 100); do
		[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = R ] ||
			[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = S ] || return 0
		sleep 0.1
	done
	return 1
}

c() { ctr --address "$work/ctd/containerd.sock" "$@"; }
# The shim gives the runtime --root RUNC_ROOT/NAMESPACE.
ctr_hull() { c run --runc-binary "$work/hull" --runc-root "$hroot/hull" "$@"; }
# task_status ID: ctr's STATUS of task ID (RUNNING, STOPPED...), empty if
# there is none; task_is ID STATUS: it is STATUS.
task_status() { c task ls | awk -v id="$1" '$1 == id { print $3 }'; }
task_is() { [ "$(task_status "$1")" = "$2" ]; }

# gone_task ID: task ID killed and deleted, its container removed (what a
# check that failed half-way leaves); cleaned ID CHECK ARGS...: CHECK
# ARGS..., and gone_task ID if it fails.
gone_task() {
	if [ -n "$(task_status "$1")" ]; then
		c task kill -s SIGKILL "$1" >/dev/null 2>&1
		wait_for 30 task_is "$1" STOPPED
		c task delete -f "$1" >/dev/null 2>&1
	fi
	c containers rm "$1" >/dev/null 2>&1
	return 0
}
cleaned() {
	local id=$1
	shift
	"$@" && return 0
	gone_task "$id"
	return 1
}

# note TEXT...: a TAP diagnostic line from inside a check (whose own output
# is shown only when it fails): what a client showed, for the record.
exec 3>&1
note() { diag "$@" >&3; }

# tmux_start NAME COLS ROWS COMMAND: COMMAND (a shell line) in a detached
# session NAME of the test's own tmux server (so that it runs with this
# environment, not a server's that other users started).  tmux_screen NAME:
# the pane's text; tmux_type NAME TEXT: TEXT and Enter; tmux_stop: the
# server goes.
tmux_start() { tmux -L "hull-test-$$" new-session -d -s "$1" -x "$2" -y "$3" "$4"; }
tmux_screen() { tmux -L "hull-test-$$" capture-pane -p -t "$1"; }
tmux_type() { tmux -L "hull-test-$$" send-keys -t "$1" "$2" Enter; }
tmux_resize() { tmux -L "hull-test-$$" resize-window -t "$1" -x "$2" -y "$3"; }
tmux_stop() { tmux -L "hull-test-$$" kill-server 2>/dev/null; return 0; }

# screen_has SECONDS NAME REGEX: until a line of NAME's screen matches REGEX
# (grep -E); else prints the screen and fails.
screen_has() {
	local n=$(($1 * 5))
	for _ in $(seq "$n"); do tmux_screen "$2" | grep -Eq "$3" && return 0; sleep 0.2; done
	echo "no line matching '$3' on the screen of $2:"
	tmux_screen "$2" | grep -v '^$'
	return 1
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
	local n=$(($1 * 5)); shift
	for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
	"$@" >/dev/null 2>&1
}

# client_leftovers: what of the containers that are gone outlived them, one
# line each: hull state, QEMU or virtiofsd of $work, mounts under $work
# (other than the store's own), containerd shims.
client_leftovers() {
	local r
	for r in "$root" "$hroot"/hull/*; do
		[ -d "$r" ] && ls "$r" | grep -vx 'host:accel.json' | sed "s|^|state $r/|"
	done
	pgrep -af "qemu-system.*$work" | sed 's/^/QEMU /'
	pgrep -af "virtiofsd.*$work" | sed 's/^/virtiofsd /'
	grep -F " $work/" /proc/mounts | grep -v " $work/storage/overlay " | sed 's/^/mount /'
	pgrep -af "containerd-shim-runc-v2 .*-address $work/ctd/containerd.sock" | sed 's/^/shim /'
	return 0
}

# no_leftovers: fails, naming them, if client_leftovers finds any.
no_leftovers() {
	local l
	l=$(client_leftovers)
	[ -z "$l" ] || { echo "left behind:"; echo "$l"; return 1; }
}

# report_refused: a diagnostic line per kind of runtime call that hull
# refused (ids and paths elided), with its count: what a client needs of
# hull that it lacks (issue 12).
report_refused() {
	[ -f "$work/runtime-refused.log" ] || return 0
	sed -E 's#[0-9a-f]{64}#ID#g; s#/[^ ]+#PATH#g; s# [a-z][a-z0-9]{0,5}$# ID#' "$work/runtime-refused.log" |
		sort | uniq -c | sed 's/^ */runtime refused (times: /; s/ status/) status/' | while read -r l; do diag "$l"; done
}

# show_calls: the runtime calls so far (for a failing test's diagnostics).
show_calls() { [ -f "$work/runtime-calls.log" ] && sed 's/^/runtime: /' "$work/runtime-calls.log"; }

# hull_delete_all: `hull delete --force` of every container in the state
# roots the shims gave hull ($hroot/hull/NAMESPACE).
hull_delete_all() {
	local d id
	for d in "$hroot"/hull/*/ "$hroot"/shim/*/; do
		[ -d "$d" ] || continue
		for id in "$d"*/; do
			[ -d "$id" ] && "$HULL" --config "$hullcfg" --root "$d" delete --force "$(basename "$id")" >/dev/null 2>&1
		done
	done
	return 0
}

# clients_cleanup: removes the clients' containers, stops the test's
# containerd and its shims, undoes mounts under $work, removes the cgroups
# and /run/containerd directories the clients made, then vm_cleanup.
clients_cleanup() {
	local p m d
	if [ -n "${CONTAINERS_CONF:-}" ]; then
		pm rm -af -t 0 >/dev/null 2>&1
	fi
	if [ -f "$work/ctd/pid" ]; then
		for id in $(c task ls -q 2>/dev/null); do
			c task kill -s SIGKILL "$id" >/dev/null 2>&1
			c task delete -f "$id" >/dev/null 2>&1
		done
		for id in $(c containers ls -q 2>/dev/null); do c containers rm "$id" >/dev/null 2>&1; done
		p=$(cat "$work/ctd/pid")
		kill "$p" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		for p in $(pgrep -f "containerd-shim-(runc|hull)-v2 .*-address $work/ctd/containerd.sock"); do kill -KILL "$p"; done
	fi
	hull_delete_all
	tmux_stop
	for p in $(pgrep -f "conmon .*$work/"); do kill -KILL "$p"; done
	grep -F " $work/" /proc/mounts | cut -d' ' -f2 | sort -r | while read -r m; do umount -l "$m"; done
	for d in $(client_made_dirs); do
		[[ " $clients_pre_existing " == *" $d "* ]] || rmdir "$d" 2>/dev/null
	done
	vm_cleanup
	rm -rf "$hroot"
}
