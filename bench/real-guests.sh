#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon cycle on the real-guest test bed: N small TCG guests under the
# system libvirtd (QEMU driver, which has bulk balloon stats), ballastd with
# a 2 s interval and a cgroup budget that keeps balloons moving; reports the
# daemon's own per-cycle wall time and libvirt calls, its CPU and RSS.
#
#   bench/real-guests.sh [GUESTS] [BUILD_DIR]     (as root; default 8 guests)
#
# Uses tests/e2e/lib.sh (guests named ballast-e2e-*, removed at the end; the
# guests' cgroup limit is restored). Prints one summary line and writes
# bench/results/real-guests.txt.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${1:-8}
BUILD_DIR=${2:-$HERE/../build}
export BUILD_DIR
E2E_TEST_NAME=real-guests
. "$HERE/../tests/e2e/lib.sh"
e2e_init
. "$HERE/../tests/e2e/ballastd.sh"

MEM=384
# Promise 1.5x what the guests' cgroup may use: balloons must move.
BUDGET=$((N * MEM * 2 / 3 + 512))
e2e_cgroup_prepare_pressure
e2e_budget_set "$BUDGET"
for ((i = 1; i <= N; i++)); do
    # Each guest bursts to 200 MiB at a different time, then idles.
    e2e_guest_create "${E2E_PREFIX}bench$i" --memory "$MEM" --schedule "$((i * 3)):200,$((i * 3 + 6)):32" \
        --stats-period 2 --tb-cache 16
done
cat > "$E2E_RUN_DIR/bench-policy.xml" <<XML
<policy xmlns="urn:ballast:policy:1">
  <overcommit mode="on"/>
  <host><budget source="cgroup" path="machine"/><reserve unit="MiB">256</reserve></host>
  <guests><default><min unit="MiB">128</min></default></guests>
</policy>
XML
bd_start --policy "$E2E_RUN_DIR/bench-policy.xml" --interval 2
pid=$BD_PID
clk=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 20 # boots, first reports
c0=$(bd_json 'j["cycles"]["completed"]' status); t0=$(cpu); s0=$SECONDS
durations=() calls=()
while ((SECONDS - s0 < 60)); do
    d=$(bd_json 'j["cycles"]["last_duration_usec"]' status)
    k=$(bd_json 'j["cycles"]["last_libvirt_calls"]' status)
    durations+=("$d"); calls+=("$k")
    sleep 2
done
c1=$(bd_json 'j["cycles"]["completed"]' status); t1=$(cpu)
managed=$(bd_json 'j["guests"]["managed"]' status)
changes=$(grep -cE ': balloon [0-9.]+ [KMGT]iB -> ' "$BD_LOG" || true)
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
bd_stop
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
cycles=$((c1 - c0))
line="guests=$N managed=$managed budget=${BUDGET}MiB cycles=$cycles median_cycle_ms=$(awk -v d="$(median "${durations[@]}")" 'BEGIN {printf "%.1f", d / 1000}')"
line+=" max_cycle_ms=$(awk -v d="$(printf '%s\n' "${durations[@]}" | sort -n | tail -n1)" 'BEGIN {printf "%.1f", d / 1000}')"
line+=" libvirt_calls_per_cycle(median,max)=$(median "${calls[@]}"),$(printf '%s\n' "${calls[@]}" | sort -n | tail -n1)"
line+=" cpu_ms_per_cycle=$(awk -v a="$t1" -v b="$t0" -v c="$cycles" -v k="$clk" 'BEGIN {printf "%.1f", (a - b) * 1000 / k / c}')"
line+=" rss_kib=$rss balloon_changes=$changes"
mkdir -p "$HERE/results"
echo "$line" | tee "$HERE/results/real-guests.txt"
