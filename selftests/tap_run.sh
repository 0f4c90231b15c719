#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs test programs and reports them as TAP 13, as the kernel's kselftest
# runner does: one test point per program, its own output kept as "# "
# diagnostics.  Exit status of a program: 0 pass, 4 skip, anything else
# (a timeout included) fail.  cmocka programs print TAP themselves
# (CMOCKA_MESSAGE_OUTPUT=TAP); their inner "ok"/"not ok" lines are counted
# too, so the totals say how many cases ran.
#
#   tap_run.sh --name SUITE [--timeout SECONDS] PROGRAM...
#
# Totals are appended to $HULL_TAP_COUNTS (one "pass fail skip" line per
# call) when it is set, for the closing summary of `make check`.
set -u

name=tests
timeout_s=${HULL_TEST_TIMEOUT:-300}
while [ $# -gt 0 ]; do
	case "$1" in
	--name) name=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	*) break ;;
	esac
done

export CMOCKA_MESSAGE_OUTPUT=TAP
pass=0 fail=0 skip=0 n=0
echo "TAP version 13"
echo "# suite: $name"
echo "1..$#"
for prog in "$@"; do
	n=$((n + 1))
	title=$(basename "$prog")
	out=$(mktemp)
	(cd "$(dirname "$prog")" && timeout --kill-after=10 "$timeout_s" "./$(basename "$prog")") >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	# Count the cases inside a program that prints TAP of its own.
	# (cmocka prints a skipped case as "not ok N # SKIP name".)
	inner_skip=$(grep -cE '^(not )?ok [0-9]+.*# SKIP' "$out" || true)
	inner_ok=$(grep -E '^ok [0-9]+' "$out" | grep -cv '# SKIP' || true)
	inner_fail=$(grep -E '^not ok [0-9]+' "$out" | grep -cv '# SKIP' || true)
	rm -f "$out"
	case $rc in
	0)
		echo "ok $n $name:$title"
		if [ $((inner_ok + inner_skip)) -gt 0 ]; then
			pass=$((pass + inner_ok)); skip=$((skip + inner_skip))
		else
			pass=$((pass + 1))
		fi ;;
	4)
		echo "ok $n $name:$title # SKIP"
		skip=$((skip + 1)) ;;
	124|137)
		echo "not ok $n $name:$title # TIMEOUT ${timeout_s}s"
		fail=$((fail + 1)) ;;
	*)
		echo "not ok $n $name:$title # exit=$rc"
		if [ "$inner_fail" -gt 0 ]; then
			fail=$((fail + inner_fail)); pass=$((pass + inner_ok)); skip=$((skip + inner_skip))
		else
			fail=$((fail + 1))
		fi ;;
	esac
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ -n "${HULL_TAP_COUNTS:-}" ] && echo "$pass $fail $skip" >>"$HULL_TAP_COUNTS"
[ "$fail" -eq 0 ]
