#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Kubernetes pods through containerd's CRI with the handlers `hull` (one VM
# per pod, hull behind containerd's runc shim), `hull-shim` (the same, with
# hull's own shim, containerd-shim-hull-v2) and `runc` (the reference), in
# one run (docs/benchmarks.md, "Pods"; issue 13):
#   1. pod start: `crictl runp` + `create` + `start` of one app container,
#      to its first output line in its CRI log; and pod stop + remove
#      (`stopp` + `rmp`).  Rounds interleaved (the order of the three
#      rotated each round), medians (min-max), the ratios per round, and
#      where hull's start goes through either shim (the runtime calls'
#      begin/end from a wrapper, hull's --debug log).
#   2. host memory per pod (RSS and PSS from /proc/PID/smaps_rollup) with
#      1, 4 and 8 pods running at once, each with one app container
#      running `sleep`: hull's own processes (monitor, relays), QEMU,
#      virtiofsd; runc's pause and app process; the shims (one per pod
#      for hull and runc, one per container for hull-shim).
# Reuses the CRI selftests' private containerd, CNI bridge and local pause
# image (selftests/cri/lib.sh).  Needs root, containerd, crictl and `make
# guest`; prints a skip line and exits 0 otherwise.
#
#   HULL=build/bin/hull HULL_GUEST=build/guest tools/bench/bench_pods.sh
#   BENCH_PODS_ROUNDS=5 BENCH_PODS_COUNTS="1 4 8" make bench-pods
set -u
here=$(cd "$(dirname "$0")" && pwd)
export HULL=${HULL:-$here/../../build/bin/hull}
# Absolute: the shims run hull through a wrapper in another directory.
HULL=$(realpath -m "$HULL")
[ -z "${HULL_GUEST:-}" ] || export HULL_GUEST=$(realpath -m "$HULL_GUEST")
export HULL_SELFTESTS=$here/../../selftests
ROUNDS=${BENCH_PODS_ROUNDS:-5}
COUNTS=${BENCH_PODS_COUNTS:-1 4 8}

for l in lib.sh vm/lib.sh clients/lib.sh cri/lib.sh; do . "$HULL_SELFTESTS/$l"; done
. "$here/lib.sh"
# A benchmark that cannot run here is not a failure of `make bench`.
skip_all() { echo "bench_pods: SKIP: $*"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$HULL" ] || skip_all "no hull binary at $HULL"
cri_setup
# (after the setup: the load the pods start in; the time of the runs alone)
load_before=$(cat /proc/loadavg) started=$EPOCHREALTIME
# What must not outlive the run, whatever stopped it: the pods (their
# netns, cgroups, VMs, hull state) through cri_cleanup, which also stops
# the containerd and removes the bridge.
bench_cleanup() {
	local l
	cri_force_remove
	l=$(cri_leftovers hull; cri_leftovers hull-shim; cri_leftovers runc)
	[ -n "$l" ] && { echo "bench_pods: left behind before the cleanup:"; echo "$l"; }
	cri_cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM HUP

# hull as the shims call it (containerd's BinaryName for `hull`, and
# HULL_SHIM_HULL for `hull-shim`: $work/hull), always with --debug.  The
# runc shim's --log/--log-format are dropped for --log $work/debug.log
# (text).  hull's shim passes `--log FILE --log-format json` to create and
# exec and reads hull's error back from FILE: those are kept (the --root
# it gives is under $hroot/shim), start_once copies them into debug.log.
# Its other calls (no --log) read hull's error from stderr, which hull
# writes with a --log too.  $work/calls.log gets each call's begin and
# end with its verb and last argument (the id), EPOCHREALTIME (no fork).
cat >"$work/hull" <<EOF
#!/bin/bash
args=() verb="" drop="" prev="" shim="" log=()
for a in "\$@"; do
	[ "\$prev" = --root ] && [[ \$a == "$hroot/shim/"* ]] && shim=1
	prev=\$a
	[ -n "\$drop" ] && { log+=("\$a"); drop=""; continue; }
	case \$a in
	--log | --log-format) log+=("\$a") drop=1; continue ;;
	--log=* | --log-format=*) log+=("\$a"); continue ;;
	create | start | delete | kill | state | exec | update | pause | resume | ps | events | features)
		[ -z "\$verb" ] && verb=\$a ;;
	esac
	args+=("\$a")
done
[ -n "\$shim" ] && [ \${#log[@]} -gt 0 ] || log=(--log "$work/debug.log")
id=\${args[\${#args[@]} - 1]}
echo "\$EPOCHREALTIME begin \$verb \$id" >>"$work/calls.log"
# (the script's status stays hull's)
trap 'echo "\$EPOCHREALTIME end \$verb \$id" >>"$work/calls.log"' EXIT
"$HULL" --debug "\${log[@]}" --config "$hullcfg" --root "$root" "\${args[@]}"
EOF
chmod +x "$work/hull"

first() { echo "${1%% *}"; }

# call VERB ID begin|end: the time of the first such runtime call.
call() { awk -v v="$1" -v i="$2" -v w="$3" '$2 == w && $3 == v && $4 == i { print $1; exit }' "$work/calls.log"; }
# in_calls T0 T1: ms spent in hull's calls that began in [T0, T1], and
# their count; not hull's shim's `hull events` (an OOM subscription that
# lasts as long as its container: the shim waits only for its first line).
in_calls() {
	awk -v a="$1" -v b="$2" '$2 == "begin" && $3 != "events" && $1 >= a && $1 <= b { t[$3 " " $4 " " NR] = $1; q[$3 " " $4] = q[$3 " " $4] " " NR }
		$2 == "end" { k = $3 " " $4; if (split(q[k], o, " ") > 0) { s += $1 - t[k " " o[1]]; n++
			sub(/^ [0-9]+/, "", q[k]) } }
		END { printf "%.1f %d", s * 1000, n }' "$work/calls.log"
}
# logt TEXT: the time (s) of the first debug log line whose msg starts with TEXT.
logt() {
	local t
	t=$(grep -aF "msg=\"$1" "$work/debug.log" | head -1 | sed -n 's/^time="\([^"]*\)".*/\1/p')
	[ -n "$t" ] && date -u -d "$t" +%s.%N
}

# CRI log line of the app container: "TIME stdout F ready".
app_ready() { grep -qs ' stdout F ready$' "$work/logs/$pod_name/app.log"; }

# pod_up HANDLER NAME SCRIPT: runp, then create + start of one app
# container `app` running SCRIPT; sets pod, app, t_runp (runp's start).
pod_up() {
	pod_name=$2 pod="" app=""
	pod_config "$work/pod-$pod_name.json" "$pod_name" "$pod_name-host"
	t_runp=$EPOCHREALTIME
	pod=$(cri runp --runtime "$1" "$work/pod-$pod_name.json" 2>"$work/crictl.err") ||
		{ echo "crictl runp ($1) failed: $(crictl_error)"; return 1; }
	run_container app "$pod" app "$3"
}

pod_down() {
	cri stopp "$1" >/dev/null 2>"$work/crictl.err" && cri rmp "$1" >/dev/null 2>>"$work/crictl.err" ||
		{ echo "crictl stopp/rmp failed: $(crictl_error)"; return 1; }
}

# shim_debug_log: the debug log of the calls hull's shim gave a --log
# (each container's create and exec, and what the sandbox's monitor
# logs), in the shims' directories until the pod is removed: as text
# lines like those of debug.log.
shim_debug_log() {
	cat "$hroot"/shim/s/*/log.json 2>/dev/null |
		jq -rR 'fromjson? | "time=\"\(.time)\" level=\(.level) msg=\"\(.msg | gsub("\n"; " "))\""'
}

# start_once HANDLER NAME: one timed pod start and stop; sets up_ms,
# down_ms; for hull-shim, debug.log gets its pod's log.json (time-sorted).
start_once() {
	: >"$work/calls.log"
	: >"$work/debug.log"
	pod_up "$1" "$2" 'echo ready; exec sleep 3600' || return 1
	local n=0
	until app_ready; do
		((n++ > 3000)) && { echo "no first line from the app container in 60 s"; return 1; }
		sleep 0.02
	done
	t_ready=$EPOCHREALTIME
	up_ms=$(ms_since "$t_runp" "$t_ready")
	if [ "$1" = hull-shim ]; then
		shim_debug_log >>"$work/debug.log"
		sort -o "$work/debug.log" "$work/debug.log"
	fi
	t_down=$EPOCHREALTIME
	pod_down "$pod" || return 1
	t_gone=$EPOCHREALTIME
	down_ms=$(ms_since "$t_down" "$t_gone")
}

# hull_phases: the hull or hull-shim start just made, in ms:
#  0 containerd before the sandbox's create, 1 hull's setup (-> QEMU
#  forked), 2 "VM up ... in N ms", 3 QEMU forked -> VM up (a check of
#  2), 4 VM up ->
#  create exits (agent: sandbox created, state saved), 5 containerd
#  between create and start, 6 sandbox start, 7 containerd/crictl until
#  the app's create, 8 app create -> "added" (share + agent's create),
#  9 rest of the app's create, 10 containerd between, 11 app start,
#  12 start's exit -> first line in the log, 13 in hull's calls,
#  14 outside them; then stop: 15 in hull's calls, 16 outside, 17 calls.
hull_phases() {
	local cb ce sb se ab ae as ase q up added boot v c s
	cb=$(call create "$pod" begin) ce=$(call create "$pod" end)
	sb=$(call start "$pod" begin) se=$(call start "$pod" end)
	ab=$(call create "$app" begin) ae=$(call create "$app" end)
	as=$(call start "$app" begin) ase=$(call start "$app" end)
	q=$(logt "QEMU: ") up=$(logt "VM up") added=$(logt "sandbox $pod: container $app added")
	boot=$(grep -aF 'msg="VM up' "$work/debug.log" | head -1 | sed -n 's/.* in \([0-9]*\) ms.*/\1/p')
	for v in cb ce sb se ab ae as ase q up added boot; do
		[ -n "${!v}" ] || { echo "phases: no $v in the calls or the debug log" >&2; return 1; }
	done
	read -r c _ <<<"$(in_calls "$t_runp" "$t_ready")"
	read -r s n <<<"$(in_calls "$t_down" "$t_gone")"
	echo "$(ms_since "$t_runp" "$cb") $(ms_since "$cb" "$q") $boot $(ms_since "$q" "$up") $(ms_since "$up" "$ce") $(ms_since "$ce" "$sb")" \
		"$(ms_since "$sb" "$se") $(ms_since "$se" "$ab") $(ms_since "$ab" "$added") $(ms_since "$added" "$ae") $(ms_since "$ae" "$as")" \
		"$(ms_since "$as" "$ase") $(ms_since "$ase" "$t_ready") $c $(awk -v u="$up_ms" -v c="$c" 'BEGIN { printf "%.1f", u - c }')" \
		"$s $(awk -v d="$down_ms" -v s="$s" 'BEGIN { printf "%.1f", d - s }') $n"
}

handlers=(hull hull-shim runc)
# ratio A B: A / B, to 2 places.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "bench_pods: $ROUNDS rounds of pod start + stop through ${handlers[*]}, then host memory with $COUNTS pods; a warm-up pod of each first"
for h in "${handlers[@]}"; do
	start_once "$h" "warm-$h" >"$work/round.err" 2>&1 || { echo "warm-up through $h failed: $(head -c 600 "$work/round.err")"; exit 1; }
done

# up[H], down[H]: the times of handler H; up_ratio[A/B], down_ratio[A/B]:
# the ratios of the rounds where both ran; $work/phases-H: hull_phases.
declare -A up down fails up_ratio down_ratio
pairs=(hull/runc hull-shim/runc hull-shim/hull)
for ((i = 0; i < ROUNDS; i++)); do
	# (each handler first, second and third in turn)
	order=("${handlers[@]:i%3}" "${handlers[@]:0:i%3}")
	declare -A u=() d=()
	for h in "${order[@]}"; do
		if start_once "$h" "b$i-$h" >"$work/round.err" 2>&1; then
			u[$h]=$up_ms d[$h]=$down_ms
			up[$h]+="$up_ms " down[$h]+="$down_ms "
			[ "$h" != runc ] && { p=$(hull_phases) && echo "$p" >>"$work/phases-$h"; }
		else
			fails[$h]=$((${fails[$h]:-0} + 1))
			echo "round $((i + 1)), $h failed: $(head -c 400 "$work/round.err")"
			cri_force_remove
		fi
	done
	for r in "${pairs[@]}"; do
		a=${r%/*} b=${r#*/}
		if [ -n "${u[$a]:-}" ] && [ -n "${u[$b]:-}" ]; then
			up_ratio[$r]+="$(ratio "${u[$a]}" "${u[$b]}") " down_ratio[$r]+="$(ratio "${d[$a]}" "${d[$b]}") "
		fi
	done
	echo "round $((i + 1)) (${order[*]}): start$(for h in "${handlers[@]}"; do printf ' %s %s' "$h" "${u[$h]:-failed}"; done) ms;" \
		"stop+remove$(for h in "${handlers[@]}"; do printf ' %s %s' "$h" "${d[$h]:-failed}"; done) ms"
done

# --- memory ---
# procs ROOTPID: ROOTPID and its descendants, "PID COMM" a line, but for
# the bench's own wrapper ($work/hull, a bash script whose comm is "hull"):
# it waits for the calls that last, such as hull's shim's `hull events`.
procs() {
	local pid comm
	ps -e -o pid=,ppid=,comm= | awk -v r="$1" '{ p[$1] = $2; c[$1] = $3 }
		END { for (x in p) { y = x; while (y != "" && y != r && y > 1) y = p[y]; if (y == r) print x, c[x] } }' |
		while read -r pid comm; do
			[[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *bash" $work/hull "* ]] ||
				echo "$pid $comm"
		done
}
# kb PID FIELD: FIELD (Rss, Pss) of PID's smaps_rollup, in kB.
kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

# pod_procs HANDLER POD APP: the processes of one pod, "PID COMM" a line:
# the process tree of its shim (hull, runc: one per pod), or for hull-shim
# those of all its shims (one per container: the sandbox's and the app's;
# each the subreaper of the hull processes it started).
pod_procs() {
	local s
	if [ "$1" = hull-shim ]; then
		for s in $(pgrep -f "containerd-shim-hull-v2 .*-address $cri_sock .*-id ($2|$3) "); do
			procs "$s"
		done | sort -un
	else
		s=$(pgrep -f "containerd-shim-runc-v2 .*-id $2 .*-address $cri_sock" | head -1)
		[ -n "$s" ] && procs "$s"
	fi
}

# measure HANDLER POD:APP...: one line "N class rss pss ..." summed over the
# pods' shims and their descendants, per class: shim, qemu, virtiofsd,
# other (hull's monitor and relays; runc's pause and app process).
measure() {
	local h=$1 p pid comm cls l
	shift
	declare -A rss=() pss=()
	for p in "$@"; do
		l=$(pod_procs "$h" "${p%:*}" "${p#*:}")
		[ -n "$l" ] || { echo "no shim for pod ${p%:*}" >&2; continue; }
		while read -r pid comm; do
			case $comm in
			containerd-shim*) cls=shim ;;
			qemu-system*) cls=qemu ;;
			virtiofsd) cls=virtiofsd ;;
			*) cls=other ;;
			esac
			rss[$cls]=$((${rss[$cls]:-0} + $(kb "$pid" Rss)))
			pss[$cls]=$((${pss[$cls]:-0} + $(kb "$pid" Pss)))
		done <<<"$l"
	done
	for cls in other qemu virtiofsd shim; do
		echo "$h $# $cls ${rss[$cls]:-0} ${pss[$cls]:-0}"
	done
}

mem_lines=()
declare -A one
for h in "${handlers[@]}"; do
	pods=() k=0 ok=1
	for n in $COUNTS; do
		while ((${#pods[@]} < n)); do
			if ! pod_up "$h" "m$k-$h" 'exec sleep 3600' >"$work/mem.err" 2>&1 ||
				! wait_for 60 state_is "$app" CONTAINER_RUNNING; then
				echo "memory, $h, pod $((k + 1)): $(head -c 400 "$work/mem.err")"
				ok=""
				break 2
			fi
			pods+=("$pod:$app")
			k=$((k + 1))
		done
		sleep 3 # the guests past their boot, the relays idle
		while read -r l; do mem_lines+=("$l"); done < <(measure "$h" "${pods[@]}")
		echo "memory: $h, $n pods measured"
		[ -n "${one[$h]:-}" ] || one[$h]=$(pod_procs "$h" "$pod" "$app" |
			awk '{ n[$2]++ } END { for (c in n) { printf "%s%s x%d", s, c, n[c]; s = ", " } }')
	done
	[ -n "$ok" ] || echo "memory through $h incomplete"
	cri_force_remove
done
load_after=$(cat /proc/loadavg)

# --- report ---
# rows FILE: its number of lines (0 when there is none).
rows() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
echo
echo "Pod start (runp + create + start of one app container, to its first line in the CRI log)"
echo "and stop + remove (stopp + rmp), ms, medians over the rounds (min-max):"
echo
echo "| handler | start | stop + remove | failed |"
echo "|---|---|---|---|"
for h in "${handlers[@]}"; do
	# shellcheck disable=SC2086 # one value a word
	echo "| $h$([ $h = runc ] || echo " (TCG)") | $(median ${up[$h]:-}) | $(median ${down[$h]:-}) | ${fails[$h]:-0}/$ROUNDS |"
done
for r in "${pairs[@]}"; do
	# shellcheck disable=SC2086
	echo "| ${r/\// / }, per round | $(median ${up_ratio[$r]:-}) | $(median ${down_ratio[$r]:-}) | |"
done
echo
echo "Where hull's pod start goes (ms, medians (min-max) over the rounds:" \
	"hull $(rows "$work/phases-hull"), hull-shim $(rows "$work/phases-hull-shim")):"
echo
echo "| phase | hull | hull-shim |"
echo "|---|---|---|"
names=("containerd before the sandbox's \`hull create\` (netns, CNI, shim)"
	"hull's own setup (create's start -> QEMU forked; virtiofsd)"
	"QEMU start + guest boot (\"VM up under tcg in N ms\")"
	"agent: sandbox created, state saved (\"VM up\" -> create exits)"
	"containerd between the sandbox's create and start" "\`hull start\` of the sandbox"
	"containerd/crictl: runp returns, \`crictl create\` until \`hull create\`"
	"\`hull create\` of the app container to \"added\" (share + agent's create)"
	"rest of that \`hull create\`" "containerd between the app's create and start"
	"\`hull start\` of the app container" "start's exit -> first line in the CRI log"
	"**in hull's calls** (all calls, start)" "**outside them** (containerd, shim, crictl; start)"
	"stop + remove: in hull's calls" "stop + remove: outside them" "stop + remove: hull calls made")
k=0
for c in 1 2 3 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do # (field 4, a check of 3, is not shown)
	# shellcheck disable=SC2046 # one value a word
	echo "| ${names[k++]} | $(median $(cut -d' ' -f$c "$work/phases-hull" 2>/dev/null))" \
		"| $(median $(cut -d' ' -f$c "$work/phases-hull-shim" 2>/dev/null)) |"
done
echo
echo "Host memory per pod (kB, RSS / PSS from smaps_rollup, summed over the pods, divided by their count):"
echo
echo "| handler | pods | hull's monitor + relays / runc's pause + app | QEMU | virtiofsd | shims | all |"
echo "|---|---|---|---|---|---|---|"
for h in "${handlers[@]}"; do
	for n in $COUNTS; do
		printf '%s\n' "${mem_lines[@]}" | awk -v h="$h" -v n="$n" '$1 == h && $2 == n {
			r[$3] = $4 / n; p[$3] = $5 / n; tr += $4 / n; tp += $5 / n; seen = 1 }
			END { if (!seen) exit
			printf "| %s | %d | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |\n", h, n,
				r["other"], p["other"], r["qemu"], p["qemu"], r["virtiofsd"], p["virtiofsd"],
				r["shim"], p["shim"], tr, tp }'
	done
done
for h in "${handlers[@]}"; do echo "processes of one pod through $h (its shims' trees, by comm): ${one[$h]:-?}"; done
echo
echo "note: no usable KVM here means TCG; hull's calls go through a bash wrapper (+ a few ms each)"
echo "rounds: start+stop$(for h in "${handlers[@]}"; do printf ' %s %s' "$h" "$(wc -w <<<"${up[$h]:-}")"; done)"
echo "load average before: $load_before; after: $load_after; $(ms_since "$started" "$EPOCHREALTIME" | cut -d. -f1) ms in all"
