#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# kselftest-style runner: every folder under selftests/ is a suite, every
# executable test_* in it one test, run in its own process with a timeout
# (a suite's `settings` file may say `timeout=SECONDS`).  Output is TAP 13;
# a test exits 0 to pass, 4 to skip (printing "# SKIP reason"), else fails.
#
#   selftests/run_tests.sh [SUITE...]        (default: every suite)
#
# The tests find the hull binary in $HULL (default build/bin/hull).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export HULL=${HULL:-$here/../build/bin/hull}
export HULL_SHIM=${HULL_SHIM:-$(dirname "$HULL")/containerd-shim-hull-v2}
export HULL_SELFTESTS=$here

if [ $# -gt 0 ]; then
	suites=("$@")
else
	suites=()
	for d in "$here"/*/; do
		[ -d "$d" ] && suites+=("$(basename "$d")")
	done
fi

rc=0
for suite in "${suites[@]}"; do
	dir=$here/$suite
	[ -d "$dir" ] || { echo "run_tests: no suite $suite" >&2; exit 1; }
	timeout_s=300
	if [ -f "$dir/settings" ]; then
		t=$(sed -n 's/^timeout=//p' "$dir/settings")
		[ -n "$t" ] && timeout_s=$t
	fi
	tests=()
	for t in "$dir"/test_*; do
		[ -x "$t" ] && tests+=("$t")
	done
	[ ${#tests[@]} -gt 0 ] || continue
	"$here/tap_run.sh" --name "$suite" --timeout "$timeout_s" "${tests[@]}" || rc=1
done
exit $rc
