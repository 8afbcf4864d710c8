#!/bin/bash
# Reaction to memory pressure without waiting for the next cycle: ballastd
# runs with a 60 s interval; when a busy guest pushes the guests' cgroup
# over the point where the allocator reclaims (budget - reserve), the
# kernel's notification (cgroup v1 usage threshold or pressure level, PSI
# on v2) must bring a balloon change long before the next cycle. Prints
# the reaction time: from the moment usage crossed the threshold (polled
# every 50 ms here) to ballastd's first shrink in its log.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

BUDGET=2048 RESERVE=384
BUSY=${E2E_PREFIX}react-busy IDLE=${E2E_PREFIX}react-idle
e2e_cgroup_prepare_pressure
e2e_budget_set "$BUDGET"
bd_start --policy "$HERE/reaction-policy.xml" --interval 60 --verbose
e2e_guest_create "$IDLE" --memory 1024 --schedule 0:640,6:40 --epoch wait --stats-period 1
e2e_guest_create "$BUSY" --memory 1024 --schedule 0:40,14:820 --epoch wait --stats-period 1
# With a 60 s interval a new guest is managed at the next cycle: up to a minute.
bd_wait_managed 180 "$IDLE" "$BUSY"
e2e_guests_start_clock "$(($(date +%s) + 2))" "$IDLE" "$BUSY"
started=$(date +%s.%N)
grep -q "reacting at once to memory pressure from: .*cgroup" "$BD_LOG" ||
    e2e_die "no cgroup pressure notification armed: $(grep 'reacting at once' "$BD_LOG")"

threshold=$((BUDGET - RESERVE))
crossed=
deadline=$((SECONDS + 50))
while ((SECONDS < deadline)); do
    if [[ -z $crossed ]] && (($(e2e_budget_usage_mib) >= threshold)); then
        crossed=$(date +%s.%N)
        e2e_log "cgroup usage crossed $threshold MiB"
    fi
    [[ -n $crossed ]] && grep -qE ': balloon [0-9.]+ [KMGT]iB -> .*\(shrink' "$BD_LOG" && break
    sleep 0.05
done
[[ -n $crossed ]] || e2e_die "usage never reached $threshold MiB: the scenario did not create pressure"
line=$(grep -m1 -E ': balloon [0-9.]+ [KMGT]iB -> .*\(shrink' "$BD_LOG" || true)
[[ -n $line ]] || e2e_die "no shrink within 50 s although the budget was crossed (the 60 s cycle would be next)"
# "ballastd-Message: HH:MM:SS.mmm: NAME: balloon ..." -> seconds since the epoch
hms=$(sed -E 's/^[^ ]+ ([0-9:.]+):.*/\1/' <<<"$line")
changed=$(date -d "$(date +%F) $hms" +%s.%N)
reaction=$(awk -v a="$changed" -v b="$crossed" 'BEGIN {printf "%.3f", a - b}')
since_start=$(awk -v a="$changed" -v b="$started" 'BEGIN {printf "%.1f", a - b}')
events=$(bd_json 'j["cycles"]["pressure_events"]' status)
bd_ctl list >&2
bd_stop
((events > 0)) || e2e_die "the shrink came without a pressure event"
e2e_log "PASS: first shrink ${reaction} s after usage crossed budget - reserve" \
    "(${since_start} s after the guests' clock started; ballastd interval 60 s; $events pressure events)"
