#!/bin/bash
# ballastd started late, on purpose: two guests burst to LATE_BURST MiB and
# went idle while nobody ballooned them, so the host still holds their
# high-water marks and the guests' cgroup is past the point where ballastd
# reclaims (budget - reserve). ballastd, started now, must recover that idle
# memory on its own, and a third guest that then gets busy must be served:
# no QEMU and no guest process killed. (Without ballastd the busy guest
# would not fit: test-baseline-squeeze.sh shows the kill.)
#
# The budget is set from what the guests hold after their burst (usage +
# 3/4 of the reserve), so the overrun does not depend on this host's QEMU
# overhead. It stays short of an emergency (available under half the
# reserve), where the allocator would also cut every idle guest to its
# floor: that is the emergency policy's test, not this one's.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

LATE_BURST=${LATE_BURST:-700}
LATE_BUSY=${LATE_BUSY:-700}
RESERVE=384 BAND=32 # tests/e2e/squeeze-policy.xml
A=${E2E_PREFIX}late-a B=${E2E_PREFIX}late-b C=${E2E_PREFIX}late-c

e2e_cgroup_prepare_pressure
e2e_budget_set 3072 # room for the bursts: nothing is killed before ballastd
e2e_dmesg_mark
for n in "$A" "$B"; do
    e2e_guest_create "$n" --memory 1024 --schedule "0:$LATE_BURST,8:40" --epoch wait
done
e2e_guest_create "$C" --memory 1024 --schedule "2:$LATE_BUSY,22:40" --epoch wait
e2e_guests_wait_clock_port 180 "$A" "$B" "$C"
e2e_guests_start_clock "$(date +%s)" "$A" "$B"
for n in "$A" "$B"; do
    e2e_guest_wait_log "$n" 'reached step 2/2 target=40 ' 60 || e2e_die "$n did not burst and go idle"
done
sleep 2
usage=$(e2e_budget_usage_mib)
budget=$((usage + RESERVE * 3 / 4))
e2e_budget_set "$budget"
e2e_budget_reset_peak
e2e_log "after the bursts, with no ballastd: guests hold $usage MiB; budget now $budget MiB," \
    "$((usage - (budget - RESERVE))) MiB past budget - reserve; QEMU RSS: A $(e2e_qemu_rss_mib "$A")," \
    "B $(e2e_qemu_rss_mib "$B"), C $(e2e_qemu_rss_mib "$C") MiB"

# ---- ballastd starts late ----
started=$SECONDS
bd_start --policy "$HERE/squeeze-policy.xml" --interval 1 --stats-period 1
bd_wait_managed 120 "$A" "$B" "$C"
recovered=
while ((SECONDS - started < 90)); do
    if (($(e2e_budget_usage_mib) <= budget - RESERVE + BAND)); then recovered=$((SECONDS - started)); break; fi
    sleep 1
done
bd_ctl list >&2
[[ -n $recovered ]] || e2e_die "ballastd did not bring the guests under budget - reserve within 90 s" \
    "(usage $(e2e_budget_usage_mib) MiB, budget $budget, reserve $RESERVE; see $BD_LOG)"
after=$(e2e_budget_usage_mib)
e2e_log "recovered ${recovered}s after ballastd started: guests hold $after MiB (was $usage);" \
    "balloons A $(($(e2e_dommemstat "$A" actual) / 1024)), B $(($(e2e_dommemstat "$B" actual) / 1024)) MiB"
# What C needs would not have fitted without that.
((usage + LATE_BUSY > budget)) || e2e_die "the scenario is not tight: $usage + $LATE_BUSY MiB fits $budget MiB"

# ---- then a guest gets busy ----
e2e_guests_start_clock "$(date +%s)" "$C"
e2e_guest_wait_log "$C" "reached step 1/2 target=$LATE_BUSY " 90 ||
    e2e_die "$C never held its busy $LATE_BUSY MiB: $(e2e_guest_workload_lines "$C" | tail -n 3)"
e2e_guest_wait_log "$C" 'begin step 2/2' 60 || e2e_die "$C did not finish its busy turn"
bd_ctl list >&2
bd_stop

for n in "$A" "$B" "$C"; do
    e2e_guest_running "$n" || e2e_die "QEMU of $n is gone ($(e2e_guest_state "$n")); host dmesg: $(e2e_dmesg_memcg_oom_kills | tail -n 2)"
    (($(e2e_guest_oom_kills "$n") == 0)) || e2e_die "a process was OOM-killed inside $n"
done
e2e_log "PASS: a late ballastd recovered $((usage - after)) MiB of idle memory in ${recovered}s" \
    "and served a $LATE_BUSY MiB busy turn; peak $(e2e_budget_peak_mib)/$budget MiB, nothing killed"
