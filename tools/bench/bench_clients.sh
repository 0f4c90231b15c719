#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Podman through hull against Podman through the reference runtime
# (docs/benchmarks.md, "Real clients"; issue 12): `podman run --rm IMAGE
# true`, where hull's time goes (from its --debug log and the times of the
# runtime calls), and the exec round trip (`podman exec ID true`, and the
# runtime's own `exec ID true`) on a running container.  Alternatives are
# interleaved in rounds, the first rotating; medians over the rounds.
# The reference is Debian's crun when it can run a container here, else
# runc (crun refuses hybrid cgroup hierarchies).  Reuses the client
# selftests' private Podman store and locally built busybox image
# (selftests/clients/lib.sh).  Needs root, podman and `make guest`; prints
# a skip line and exits 0 otherwise.
#
#   HULL=build/bin/hull HULL_GUEST=build/guest tools/bench/bench_clients.sh
#   BENCH_CLIENTS_ROUNDS=5 BENCH_CLIENTS_EXECS=10 make bench-clients
set -u
here=$(cd "$(dirname "$0")" && pwd)
export HULL=${HULL:-$here/../../build/bin/hull}
# Absolute: the shims run hull through a wrapper in another directory.
HULL=$(realpath -m "$HULL")
[ -z "${HULL_GUEST:-}" ] || export HULL_GUEST=$(realpath -m "$HULL_GUEST")
export HULL_SELFTESTS=$here/../../selftests
ROUNDS=${BENCH_CLIENTS_ROUNDS:-5}
EXECS=${BENCH_CLIENTS_EXECS:-10}
REFERENCE=${BENCH_CLIENTS_REFERENCE:-auto}

. "$HULL_SELFTESTS/lib.sh"
. "$HULL_SELFTESTS/vm/lib.sh"
. "$HULL_SELFTESTS/clients/lib.sh"
. "$here/lib.sh"
# A benchmark that cannot run here is not a failure of `make bench`.
skip_all() { echo "bench_clients: SKIP: $*"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HULL" ] || skip_all "no hull binary at $HULL"
load_before=$(cat /proc/loadavg)
started=$EPOCHREALTIME
clients_setup
podman_setup || { echo "bench_clients: could not set up a Podman store"; exit 1; }
bench_ids=()
bench_cleanup() {
	local id
	for id in "${bench_ids[@]}"; do pm_raw rm -f -t 0 "$id" >/dev/null 2>&1; done
	clients_cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM HUP

# The runtime as Podman calls it: hull with --debug into $work/debug.log;
# $work/calls.log gets each call's begin and end (EPOCHREALTIME: no fork).
cat >"$work/hullb" <<EOF
#!/bin/bash
echo "\$EPOCHREALTIME begin \$1" >>"$work/calls.log"
"$HULL" --debug --log "$work/debug.log" --config "$hullcfg" --root "$root" "\$@"
rc=\$?
echo "\$EPOCHREALTIME end \$1" >>"$work/calls.log"
exit \$rc
EOF
chmod +x "$work/hullb"

# Podman's default rlimits are above this host's hard limits, which runc
# cannot raise; both runtimes get the same flags.
run_flags=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# The reference: crun if it runs a container here, else runc.
ref_note=""
pick_reference() {
	local err
	if [ "$REFERENCE" = auto ] || [ "$REFERENCE" = crun ]; then
		if command -v crun >/dev/null &&
			err=$(pm_raw --runtime crun run --rm "${run_flags[@]}" "$IMG" true 2>&1); then
			ref=crun
			return 0
		fi
		ref_note="crun cannot run a container on this host (${err:-not installed}); the reference is runc"
		[ "$REFERENCE" = crun ] && { echo "bench_clients: $ref_note"; exit 1; }
	fi
	command -v runc >/dev/null || skip_all "neither crun nor runc can run a container here"
	ref=runc
}
pick_reference
[ -n "$ref_note" ] && echo "bench_clients: $ref_note"

# log_time PATTERN: the wall-clock time (s) of the last debug log line
# whose msg starts with PATTERN; empty if none.
log_time() {
	local t
	t=$(grep -F "msg=\"$1" "$work/debug.log" 2>/dev/null | tail -1 | sed -n 's/^time="\([^"]*\)".*/\1/p')
	[ -n "$t" ] && date -u -d "$t" +%s.%N
}
# call_time begin|end CMD: the time of the first such runtime call.
call_time() { awk -v w="$1" -v c="$2" '$2 == w && $3 == c { print $1; exit }' "$work/calls.log"; }

# run_once RUNTIME: podman run --rm of true; sets run_ms, run_t0, run_t1.
run_once() {
	run_t0=$EPOCHREALTIME
	pm_raw --runtime "$1" run --rm "${run_flags[@]}" "$IMG" true >/dev/null 2>"$work/run.err" ||
		{ echo "podman run through $1 failed: $(cat "$work/run.err")"; return 1; }
	run_t1=$EPOCHREALTIME
	run_ms=$(ms_since "$run_t0" "$run_t1")
}

# hull_phases: one line of phase times (ms) of the hull run just made.
hull_phases() {
	local cb ce sb se db de q up
	cb=$(call_time begin create) ce=$(call_time end create)
	sb=$(call_time begin start) se=$(call_time end start)
	db=$(call_time begin delete) de=$(call_time end delete)
	q=$(log_time "QEMU: ") up=$(log_time "VM up")
	[ -n "$cb" ] && [ -n "$ce" ] && [ -n "$sb" ] && [ -n "$se" ] && [ -n "$db" ] && [ -n "$de" ] &&
		[ -n "$q" ] && [ -n "$up" ] || { echo "phases: missing timestamps" >&2; return 1; }
	echo "$(ms_since "$run_t0" "$cb") $(ms_since "$cb" "$q") $(ms_since "$q" "$up") $(ms_since "$up" "$ce")" \
		"$(ms_since "$sb" "$se") $(ms_since "$se" "$db") $(ms_since "$db" "$de") $(ms_since "$de" "$run_t1")" \
		"$(ms_since "$ce" "$sb")"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "bench_clients: reference $ref; $ROUNDS rounds of run, $EXECS of exec; a warm-up run of each first"
# Warm-up: the accelerator probe of a fresh state root, caches.
run_once "$work/hullb" >/dev/null || exit 1
run_once "$ref" >/dev/null || exit 1

h_run=() r_run=() run_ratio=() phases=()
fail_h=0 fail_r=0
for ((i = 0; i < ROUNDS; i++)); do
	order=("$work/hullb" "$ref")
	((i % 2)) && order=("$ref" "$work/hullb")
	h="" r=""
	for rt in "${order[@]}"; do
		: >"$work/calls.log"
		: >"$work/debug.log"
		if ! run_once "$rt"; then
			[ "$rt" = "$ref" ] && fail_r=$((fail_r + 1)) || fail_h=$((fail_h + 1))
		elif [ "$rt" = "$ref" ]; then
			r=$run_ms
		else
			h=$run_ms
			p=$(hull_phases) && phases+=("$p")
		fi
	done
	[ -n "$h" ] && h_run+=("$h")
	[ -n "$r" ] && r_run+=("$r")
	[ -n "$h" ] && [ -n "$r" ] && run_ratio+=("$(ratio "$h" "$r")")
	echo "round $((i + 1)): hull ${h:-failed} ms, $ref ${r:-failed} ms"
done

# One running container per runtime for exec; the direct exec finds the
# reference's state where Podman put it.
pm_raw --runtime "$work/hull" run -d --name bench-hull "${run_flags[@]}" "$IMG" sleep 600 >/dev/null 2>"$work/run.err" ||
	{ echo "podman run -d through hull failed: $(cat "$work/run.err")"; exit 1; }
bench_ids+=(bench-hull)
pm_raw --runtime "$ref" run -d --name bench-ref "${run_flags[@]}" "$IMG" sleep 600 >/dev/null 2>"$work/run.err" ||
	{ echo "podman run -d through $ref failed: $(cat "$work/run.err")"; exit 1; }
bench_ids+=(bench-ref)
hull_id=$(pm_raw inspect -f '{{.Id}}' bench-hull) ref_id=$(pm_raw inspect -f '{{.Id}}' bench-ref)
ref_root=""
for d in "/run/$ref" "$work/run/$ref"; do [ -d "$d/$ref_id" ] && ref_root=$d; done
[ -n "$ref_root" ] || { echo "no state of $ref_id under /run/$ref or $work/run/$ref"; exit 1; }

exec_alts=("podman exec, hull" "podman exec, $ref" "hull exec" "$ref exec")
exec_once() {
	case $1 in
	0) pm_raw exec bench-hull true ;;
	1) pm_raw exec bench-ref true ;;
	2) hullc exec "$hull_id" true ;;
	3) "$ref" --root "$ref_root" exec "$ref_id" true ;;
	esac
}
declare -A ex exfail
for ((i = 0; i < EXECS; i++)); do
	for ((k = 0; k < 4; k++)); do
		a=$(((i + k) % 4))
		t0=$EPOCHREALTIME
		if exec_once $a >/dev/null 2>"$work/exec.err"; then
			ex[$a]+="$(ms_since "$t0" "$EPOCHREALTIME") "
		else
			exfail[$a]=$((${exfail[$a]:-0} + 1))
			echo "${exec_alts[$a]} failed: $(head -c 300 "$work/exec.err")"
		fi
	done
done
load_after=$(cat /proc/loadavg)

# --- report ---
echo
echo "podman run --rm --network none (ulimits) IMAGE true, ms, medians over $ROUNDS rounds (min-max):"
echo
echo "| runtime | ms | failed |"
echo "|---|---|---|"
echo "| hull (TCG) | $(median "${h_run[@]}") | $fail_h/$ROUNDS |"
echo "| $ref | $(median "${r_run[@]}") | $fail_r/$ROUNDS |"
echo "| hull / $ref, per round | $(median "${run_ratio[@]}") | |"
echo
echo "Where hull's run goes (ms, medians (min-max) over its $ROUNDS runs; from the"
echo "runtime calls' begin/end and hull's --debug log):"
echo
echo "| phase | ms |"
echo "|---|---|"
names=("podman before \`hull create\`" "hull's own setup (create's start -> QEMU forked; virtiofsd)"
	"QEMU start + guest boot (QEMU forked -> \"VM up\": agent ready)"
	"agent: container created, state saved (\"VM up\" -> create exits)"
	"\`hull start\`" "the process runs, exits; VM shut down; conmon/podman notice"
	"\`hull delete\`" "podman after \`hull delete\`" "podman between create and start")
for c in 0 1 2 3 8 4 5 6 7; do
	col=()
	for p in "${phases[@]}"; do read -r -a f <<<"$p"; col+=("${f[$c]}"); done
	echo "| ${names[$c]} | $(median "${col[@]}") |"
done
echo
echo "exec ID true on a running container (sleep 600), ms, medians over $EXECS (min-max):"
echo
echo "| command | ms | failed |"
echo "|---|---|---|"
for a in 0 1 2 3; do
	read -r -a v <<<"${ex[$a]:-}"
	echo "| ${exec_alts[$a]} | $(median "${v[@]}") | ${exfail[$a]:-0}/$EXECS |"
done
read -r -a ph <<<"${ex[0]:-}"; read -r -a pr <<<"${ex[1]:-}"
read -r -a dh <<<"${ex[2]:-}"; read -r -a dr <<<"${ex[3]:-}"
echo
echo "ratios of medians: podman exec hull/$ref $(ratio "$(median "${ph[@]}" | cut -d' ' -f1)" "$(median "${pr[@]}" | cut -d' ' -f1)"),"\
	"runtime exec hull/$ref $(ratio "$(median "${dh[@]}" | cut -d' ' -f1)" "$(median "${dr[@]}" | cut -d' ' -f1)")"
echo
[ -n "$ref_note" ] && echo "note: $ref_note"
echo "note: no usable KVM here means TCG (see the VM sandbox section); hull's calls go through a bash wrapper (+ a few ms)"
echo "load average before: $load_before; after: $load_after; $(ms_since "$started" "$EPOCHREALTIME" | cut -d. -f1) ms in all"
