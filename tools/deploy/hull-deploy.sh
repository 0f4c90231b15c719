#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# hull-deploy.sh: installs hull on a Kubernetes node from a privileged pod
# (tools/deploy/hull-deploy.yaml), as kata-deploy does for Kata: hull and
# its containerd shim under /opt/hull, the shim linked into containerd's
# PATH, /etc/hull/config.json, the CRI runtime handler "hull" in
# containerd's config.toml, then a restart of containerd.  `uninstall`
# removes exactly what `install` added.  See docs/deploy.md.
set -euo pipefail

HOST_ROOT=${HOST_ROOT:-/host}
HULL_ARTIFACTS=${HULL_ARTIFACTS:-/opt/hull-artifacts}
PREFIX=/opt/hull
SHIM=containerd-shim-hull-v2
LINK=/usr/local/bin/$SHIM
HULL_JSON=/etc/hull/config.json
TOML=/etc/containerd/config.toml
BEGIN_MARK="# BEGIN hull-deploy: CRI runtime handler hull (hull-deploy.sh uninstall removes this block)"
END_MARK="# END hull-deploy"
STATE=$PREFIX/deploy-state

usage() {
	cat <<EOF
usage: hull-deploy.sh install|uninstall|status

Installs hull on the node whose root is mounted at \$HOST_ROOT (default /host).

  install    copy \$HULL_ARTIFACTS (default /opt/hull-artifacts: bin/hull,
             bin/$SHIM, guest/vmlinuz, guest/initrd.img) to $PREFIX,
             link $LINK to it, write $HULL_JSON (unless one exists),
             check that hull runs on the node, add the runtime handler
             "hull" (io.containerd.hull.v2) to $TOML in a marked
             block, restart containerd
  uninstall  remove what install added ($TOML as it was before)
  status     print what is installed (exit 0 when all of it is, else 1)

Environment: HOST_ROOT, HULL_ARTIFACTS, HULL_DEPLOY_RESTART (a shell
command that restarts containerd; default: systemctl restart containerd in
the node's namespaces when the node runs systemd).
EOF
}

die() {
	echo "hull-deploy: $*" >&2
	exit 1
}
say() { echo "hull-deploy: $*"; }

h() { echo "$HOST_ROOT$1"; }

# Debian package of a shared library hull or its shim needs.
lib_package() {
	case $1 in
	libjansson.so.*) echo libjansson4 ;;
	libnl-route-3.so.*) echo libnl-route-3-200 ;;
	libnl-3.so.*) echo libnl-3-200 ;;
	libbpf.so.*) echo libbpf1 ;;
	libelf.so.*) echo libelf1 ;;
	libz.so.*) echo zlib1g ;;
	libc.so.* | ld-linux*) echo libc6 ;;
	*) echo "unknown package" ;;
	esac
}

# missing_libs LOADER_ERROR: the shared libraries hull and its shim name
# that the node has in none of its library directories, one per line.
missing_libs() {
	local lib d found
	{
		sed -n 's/.*error while loading shared libraries: \([^:]*\):.*/\1/p' <<<"$1"
		strings "$(h $PREFIX/bin/hull)" "$(h $PREFIX/bin/$SHIM)" | grep -E '^(lib[A-Za-z0-9_.+-]*\.so(\.[0-9]+)*|ld-linux[a-z0-9_.-]*\.so\.[0-9]+)$'
	} | sort -u | while read -r lib; do
		found=
		for d in /lib /lib64 /usr/lib /usr/lib64 /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
			[ -e "$(h "$d/$lib")" ] && found=1 && break
		done
		[ -n "$found" ] || echo "$lib"
	done
}

# validate_toml FILE: FILE (a path on the node, under $HOST_ROOT) parses as
# containerd's configuration, with the containerd of this image or else the
# node's; without either, not checked.
toml_error=
validate_toml() {
	local f=$1 out
	if command -v containerd >/dev/null; then
		out=$(containerd --config "$f" config dump 2>&1 >/dev/null) && return 0
	elif [ -x "$(h /usr/bin/containerd)" ] || [ -x "$(h /usr/local/bin/containerd)" ]; then
		out=$(chroot "$HOST_ROOT" containerd --config "${f#"$HOST_ROOT"}" config dump 2>&1 >/dev/null) && return 0
	else
		return 0
	fi
	toml_error=$(printf '%s\n' "$out" | grep -v '^$' | tail -1)
	return 1
}

# The state file records what install made: "dir PATH" (a directory it
# created), "json SHA256" (the config.json it wrote), "toml created" (it
# created config.toml), "toml appended" or "toml appended-newline" (it
# appended its block, after adding a final newline the file lacked).
state_get() { if [ -f "$(h $STATE)" ]; then sed -n "s/^$1 //p" "$(h $STATE)"; fi; }

mkdir_recorded() {
	local d=$1
	[ -d "$(h "$d")" ] && return 0
	mkdir_recorded "$(dirname "$d")"
	mkdir "$(h "$d")"
	created_dirs+=("$d")
}

# record_dirs: the directories mkdir_recorded made, into the state file.
record_dirs() {
	local d
	for d in "${created_dirs[@]}"; do echo "dir $d" >>"$(h $STATE)"; done
	created_dirs=()
}

# remove_dirs DIR...: removes the directories (made in this order, parents
# first) that are empty.
remove_dirs() {
	local i
	for ((i = $#; i > 0; i--)); do
		rmdir "$(h "${!i}")" 2>/dev/null || true
	done
}

# strip_to SRC MODE DST: DST, config.toml SRC without hull-deploy's block,
# as it was before install (MODE: the state's toml line); no DST when
# install created SRC and nobody changed it since.
strip_to() {
	local src=$1 mode=$2 dst=$3 size
	cp -p "$src" "$dst"
	grep -qxF "$BEGIN_MARK" "$src" || return 0
	awk -v b="$BEGIN_MARK" -v e="$END_MARK" '$0 == b {skip = 1} !skip {print} $0 == e {skip = 0}' "$src" >"$dst"
	if [ "$mode" = appended-newline ]; then
		size=$(wc -c <"$dst")
		if [ "$size" -gt 0 ]; then truncate -s $((size - 1)) "$dst"; fi
	fi
	if [ "$mode" = created ] && [ "$(cat "$dst")" = "version = 2" ]; then rm -f "$dst"; fi
}

# prepare_toml OLD_MODE: $scratch/new, the node's config.toml as it was
# before any install with hull's block appended, checked by containerd;
# toml_mode, how (the state's toml line).
prepare_toml() {
	local toml orig=$scratch/orig new=$scratch/new table
	toml=$(h $TOML)
	[ -f "$toml" ] && strip_to "$toml" "$1" "$orig"
	if [ ! -f "$orig" ]; then
		toml_mode=created
		printf 'version = 2\n' >"$new"
	elif [ -s "$orig" ] && [ "$(tail -c 1 "$orig" | wc -l)" -eq 0 ]; then
		toml_mode=appended-newline
		cp "$orig" "$new" && echo >>"$new"
	else
		toml_mode=appended
		cp "$orig" "$new"
	fi
	table=$(runtime_table "$new")
	{
		echo "$BEGIN_MARK"
		echo "[$table]"
		echo '  runtime_type = "io.containerd.hull.v2"'
		echo "$END_MARK"
	} >>"$new"
	validate_toml "$new" ||
		die "$TOML: containerd cannot parse it with hull's runtime handler added ($toml_error); left as it was"
}

# put_toml FILE: FILE's content into config.toml (its mode kept), atomically.
put_toml() {
	local toml tmp
	toml=$(h $TOML)
	tmp=$toml.hull-deploy
	if [ -f "$toml" ]; then cp -p "$toml" "$tmp"; fi
	cat "$1" >"$tmp"
	mv -f "$tmp" "$toml"
}

# The table of the runtime handler for the file's config version.
runtime_table() {
	local v
	v=$(awk '/^[ \t]*\[/ {exit} /^[ \t]*version[ \t]*=/ {sub(/^[^=]*=[ \t]*/, ""); print $1; exit}' "$1")
	case $v in
	3) echo 'plugins."io.containerd.cri.v1.runtime".containerd.runtimes.hull' ;;
	2) echo 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hull' ;;
	*) echo 'plugins.cri.containerd.runtimes.hull' ;;
	esac
}

# make_scratch: $scratch, a temporary directory (on the node when its
# containerd checks the files), removed at exit.
scratch=
make_scratch() {
	if command -v containerd >/dev/null || [ ! -d "$(h /tmp)" ]; then
		scratch=$(mktemp -d)
	else
		scratch=$(mktemp -d "$(h /tmp)/hull-deploy.XXXXXX")
	fi
	trap 'rm -rf "$scratch"' EXIT
}

restart_containerd() {
	if [ -n "${HULL_DEPLOY_RESTART:-}" ]; then
		bash -c "$HULL_DEPLOY_RESTART" || die "restarting containerd failed: $HULL_DEPLOY_RESTART"
		say "restarted containerd ($HULL_DEPLOY_RESTART)"
	elif [ -d "$(h /run/systemd/system)" ]; then
		nsenter -t 1 -m -u -i -n -p -- systemctl restart containerd ||
			die "systemctl restart containerd failed on the node"
		say "restarted containerd"
	else
		say "the node does not run systemd: restart containerd for the change to take effect"
	fi
}

check_host_root() {
	[ -d "$HOST_ROOT" ] || die "HOST_ROOT $HOST_ROOT is not a directory (mount the node's / there)"
}

install() {
	check_host_root
	local missing=() a
	for a in bin/hull bin/$SHIM guest/vmlinuz guest/initrd.img; do
		[ -f "$HULL_ARTIFACTS/$a" ] || missing+=("$HULL_ARTIFACTS/$a")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing artefacts: ${missing[*]}"
	local toml json link
	toml=$(h $TOML) json=$(h $HULL_JSON) link=$(h $LINK)
	if [ -f "$toml" ] && ! validate_toml "$toml"; then
		die "$TOML: containerd cannot parse it ($toml_error); left untouched"
	fi
	if [ -e "$link" ] || [ -L "$link" ]; then
		[ "$(readlink "$link")" = "$PREFIX/bin/$SHIM" ] ||
			die "$LINK exists and is not hull-deploy's link to $PREFIX/bin/$SHIM; not replacing it"
	fi

	# What an earlier install made stays recorded.
	local first=1 old_dirs old_json old_toml
	[ -f "$(h $STATE)" ] && first=
	old_dirs=$(state_get dir) old_json=$(state_get json) old_toml=$(state_get toml)
	make_scratch
	prepare_toml "$old_toml"
	created_dirs=()
	mkdir_recorded $PREFIX
	local src dst
	find "$HULL_ARTIFACTS" -type f | while IFS= read -r src; do
		dst=$(h "$PREFIX/${src#"$HULL_ARTIFACTS"/}")
		mkdir -p "$(dirname "$dst")"
		cp "$src" "$dst.new"
		mv -f "$dst.new" "$dst"
	done
	chmod 0755 "$(h $PREFIX/bin/hull)" "$(h $PREFIX/bin/$SHIM)"

	local out
	if ! out=$(chroot "$HOST_ROOT" $PREFIX/bin/hull --version 2>&1); then
		local libs l
		libs=$(missing_libs "$out" | while read -r l; do echo "$l ($(lib_package "$l"))"; done)
		libs=${libs//$'\n'/, }
		if [ -n "$first" ]; then
			rm -rf "$(h $PREFIX)"
			remove_dirs "${created_dirs[@]}"
		fi
		[ -n "$libs" ] && die "hull does not run on the node: missing shared libraries $libs; install those Debian packages"
		die "hull does not run on the node: $(printf '%s\n' "$out" | tail -1)"
	fi
	local state
	state=$(h $STATE)
	{
		for a in $old_dirs; do echo "dir $a"; done
		if [ -n "$old_json" ]; then echo "json $old_json"; fi
	} >"$state"
	record_dirs
	say "installed $(head -1 <<<"$out") in $PREFIX"

	mkdir_recorded "$(dirname $LINK)"
	record_dirs
	ln -sfn $PREFIX/bin/$SHIM "$link"
	say "linked $LINK -> $PREFIX/bin/$SHIM"

	if [ -e "$json" ] || [ -L "$json" ]; then
		if [ -n "$old_json" ]; then
			say "$HULL_JSON: kept (written by an earlier install)"
		else
			say "$HULL_JSON exists: not overwritten (it should name $PREFIX/guest/vmlinuz and $PREFIX/guest/initrd.img)"
		fi
	else
		mkdir_recorded "$(dirname $HULL_JSON)"
		record_dirs
		sed -i '/^json /d' "$state"
		printf '{"hypervisor": {"kernel": "%s", "initrd": "%s"}}\n' \
			$PREFIX/guest/vmlinuz $PREFIX/guest/initrd.img >"$json"
		echo "json $(sha256sum "$json" | cut -d' ' -f1)" >>"$state"
		say "wrote $HULL_JSON"
	fi

	mkdir_recorded "$(dirname $TOML)"
	record_dirs
	put_toml "$scratch/new"
	echo "toml $toml_mode" >>"$state"
	say "added the runtime handler hull (io.containerd.hull.v2) to $TOML"
	restart_containerd
}

uninstall() {
	check_host_root
	[ -f "$(h $STATE)" ] || die "hull is not installed on this node (no $STATE)"
	local dirs json mode link
	dirs=$(state_get dir) json=$(state_get json) mode=$(state_get toml)
	if [ -f "$(h $TOML)" ]; then
		make_scratch
		strip_to "$(h $TOML)" "$mode" "$scratch/orig"
		if [ -f "$scratch/orig" ]; then put_toml "$scratch/orig"; else rm -f "$(h $TOML)"; fi
	fi
	say "removed the runtime handler hull from $TOML"
	link=$(h $LINK)
	if [ -L "$link" ] && [ "$(readlink "$link")" = "$PREFIX/bin/$SHIM" ]; then
		rm -f "$link"
		say "removed $LINK"
	fi
	if [ -n "$json" ] && [ -f "$(h $HULL_JSON)" ]; then
		if [ "$(sha256sum "$(h $HULL_JSON)" | cut -d' ' -f1)" = "$json" ]; then
			rm -f "$(h $HULL_JSON)"
			say "removed $HULL_JSON"
		else
			say "$HULL_JSON was changed since install: kept"
		fi
	fi
	rm -rf "$(h $PREFIX)"
	say "removed $PREFIX"
	# shellcheck disable=SC2086 # one directory a line, none with spaces
	remove_dirs $dirs
	restart_containerd
}

status() {
	check_host_root
	local rc=0 v
	if v=$(chroot "$HOST_ROOT" $PREFIX/bin/hull --version 2>/dev/null | head -1) && [ -f "$(h $STATE)" ]; then
		echo "$PREFIX: $v"
	else
		echo "$PREFIX: not installed"
		rc=1
	fi
	if [ "$(readlink "$(h $LINK)" 2>/dev/null)" = "$PREFIX/bin/$SHIM" ]; then
		echo "$LINK -> $PREFIX/bin/$SHIM"
	else
		echo "$LINK: missing"
		rc=1
	fi
	if [ ! -e "$(h $HULL_JSON)" ]; then
		echo "$HULL_JSON: none (hull's built-in defaults)"
	elif [ -n "$(state_get json)" ]; then
		echo "$HULL_JSON: written by hull-deploy"
	else
		echo "$HULL_JSON: the node's own"
	fi
	if [ -f "$(h $TOML)" ] && grep -qxF "$BEGIN_MARK" "$(h $TOML)"; then
		echo "$TOML: runtime handler hull (io.containerd.hull.v2)"
	else
		echo "$TOML: no runtime handler hull"
		rc=1
	fi
	return $rc
}

case ${1:-} in
install | uninstall | status) "$1" ;;
-h | --help | help) usage ;;
"") usage >&2; exit 1 ;;
*) die "unknown command \"$1\" (install, uninstall, status; --help)" ;;
esac
