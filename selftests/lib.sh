# SPDX-License-Identifier: Apache-2.0
# Shared helpers for selftests written in shell: TAP 13 output, assertions,
# and kselftest's exit codes (0 pass, 1 fail, 4 skip).
#
#   . "$HULL_SELFTESTS/lib.sh"
#   plan 3
#   check "unknown command is refused" expect_fail_line "unknown command" -- "$HULL" nope
#   done_testing

: "${HULL:?HULL must name the hull binary}"
KSFT_SKIP=4
_tap_n=0
_tap_fail=0

plan() { echo "TAP version 13"; echo "1..$1"; }
diag() { printf '# %s\n' "$@"; }
skip_all() { echo "1..0 # SKIP $*"; exit $KSFT_SKIP; }

ok() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n $2"
	else
		echo "not ok $_tap_n $2"
		_tap_fail=$((_tap_fail + 1))
	fi
}

# check NAME COMMAND...: one test point that passes when COMMAND succeeds.
check() {
	local name=$1; shift
	local out
	out=$("$@" 2>&1)
	local rc=$?
	[ $rc -ne 0 ] && [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	ok $rc "$name"
}

# run_hull ARGS...: runs hull, leaving $out, $err and $rc.
run_hull() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$HULL" "$@" >"$o" 2>"$e"
	rc=$?
	out=$(cat "$o") err=$(cat "$e")
	rm -f "$o" "$e"
}

# expect_error PATTERN ARGS...: hull exits 1 and prints exactly one stderr
# line, "hull: ...", that contains PATTERN (a fixed string).
expect_error() {
	local pattern=$1; shift
	run_hull "$@"
	if [ "$rc" -ne 1 ]; then echo "exit status $rc, wanted 1 (stderr: $err)"; return 1; fi
	if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then echo "stderr is not one line: $err"; return 1; fi
	case "$err" in
	"hull: "*) ;;
	*) echo "stderr does not start with 'hull: ': $err"; return 1 ;;
	esac
	case "$err" in
	*"$pattern"*) return 0 ;;
	*) echo "stderr '$err' does not contain '$pattern'"; return 1 ;;
	esac
}

# host_check NAME: "STATUS DETAIL", what `hull check --no-boot` says of
# requirement NAME (STATUS: ok, warn or fail): the selftests ask hull, as
# the installer does, what this host can do before they decide to skip.
host_check() {
	"$HULL" check --no-boot --json 2>/dev/null |
		jq -r --arg n "$1" '.checks[] | select(.name == $n) | .status + " " + .detail'
}

# sandbox_leftovers ROOT ID NETNS: what of sandbox ID (state root ROOT,
# its container's namespace NETNS, holding lo and a veth eth0) outlived
# it, one line each: state directory, QEMU, virtiofsd, a link other than
# lo and eth0, a filter on eth0's ingress, pins, mounts.  Prints nothing
# when nothing is left.  (tools/soak.sh uses it too.)
sandbox_leftovers() {
	local root=$1 id=$2 ns=$3
	[ -e "$root/$id" ] && echo "state directory $root/$id"
	pgrep -af "qemu-system.*$root/$id/" | sed 's/^/QEMU /'
	pgrep -af "virtiofsd.*$root/$id/" | sed 's/^/virtiofsd /'
	ip -n "$ns" -o link show | grep -v ': lo:\|: eth0@' | sed 's/^/link /'
	tc -n "$ns" filter show dev eth0 ingress | sed 's/^/filter /'
	[ -e "/sys/fs/bpf/hull/$id" ] && echo "pins /sys/fs/bpf/hull/$id"
	grep -F "$root/$id" /proc/mounts | sed 's/^/mount /'
	return 0
}

done_testing() {
	echo "# Totals: pass:$((_tap_n - _tap_fail)) fail:$_tap_fail"
	[ $_tap_fail -eq 0 ] || exit 1
	exit 0
}
