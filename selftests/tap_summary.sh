#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Adds up the totals tap_run.sh recorded in $HULL_TAP_COUNTS and prints the
# closing line of `make check`: "check: N passed, N failed, N skipped".
set -u
f=${HULL_TAP_COUNTS:?HULL_TAP_COUNTS is not set}
[ -f "$f" ] || { echo "check: no tests ran"; exit 1; }
awk '{p += $1; f += $2; s += $3} END {printf "check: %d passed, %d failed, %d skipped\n", p, f, s}' "$f"
