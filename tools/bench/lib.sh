# SPDX-License-Identifier: Apache-2.0
# Helpers of the shell benchmarks (bench_pods.sh, bench_clients.sh).

# ms_since T0 T1: T1 - T0 (seconds, as EPOCHREALTIME gives them) in ms.
ms_since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

# median VALUES...: "median (min-max)", to 3 significant places or so; "-"
# when there are none.
median() {
	[ $# -eq 0 ] && { echo "-"; return; }
	printf '%s\n' "$@" | sort -g | awk '{ x[NR] = $1 }
		END { m = (NR % 2) ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
		d = (m >= 100) ? 0 : (m >= 10 ? 1 : 2)
		printf "%.*f (%.*f-%.*f)", d, m, d, x[1], d, x[NR] }'
}
