#!/bin/bash
# Scenarios 2 and 3 of the test bed: the squeeze (squeeze.sh) WITH ballastd.
# The same guests and budget that get a QEMU OOM-killed in
# test-baseline-squeeze.sh must all survive: no QEMU killed by the cgroup,
# no process killed inside any guest, every busy guest reaches its busy
# size, idle guests give their memory. After the last turn the budget is
# raised: memory must flow back so nobody stays below its need.
#
# Reports: kills, peak cgroup usage, how far idle guests were ballooned, how
# long each busy guest waited for memory, and the memory ballastd moved.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/squeeze.sh"
. "$HERE/ballastd.sh"

# As on an operator's host: ballastd runs first, the guests start under it
# (without a stats period: ballastd sets one), and their clock starts once
# ballastd manages every one of them.
bd_start --policy "$HERE/squeeze-policy.xml" --interval 1 --stats-period 1
sq_start
# shellcheck disable=SC2046
bd_wait_managed "$SQ_BOOT_TIMEOUT" $(sq_names)
sq_start_clock
e2e_log "ballastd pid $BD_PID manages every guest; t=0 in ${SQ_LEAD}s"

declare -A LOWEST=()
for n in $(sq_names); do LOWEST[$n]=$SQ_MEM; done
end=$(($(sq_end) + 5))
while (($(sq_now) < end)); do
    sq_sample
    [[ -z $(sq_killed_guests) ]] || break
    bd_alive || break
    for n in $(sq_names); do
        act=$(e2e_dommemstat "$n" actual); act=$((${act:-0} / 1024))
        ((act > 0 && act < LOWEST[$n])) && LOWEST[$n]=$act
    done
    sleep 2
done
bd_ctl list >&2 || true

# Give back: room for everyone again; balloons must go back up.
budget_after=$((SQ_GUESTS * SQ_MEM + 1024))
e2e_budget_set "$budget_after"
t0=$SECONDS
back=0
while ((SECONDS - t0 < 30)); do
    below=0
    for n in $(sq_names); do
        cur=$(bd_guest_field "$n" current_kib); need=$(bd_guest_field "$n" need_kib)
        [[ $cur != None && $need != None ]] || { below=1; continue; }
        ((cur >= need)) || below=1
    done
    if ((below == 0)); then back=1; break; fi
    sleep 1
done
give_back_s=$((SECONDS - t0))
sq_report
bd_ctl status >&2 || true
bd_stop

# ---- verdict ----
killed=$(sq_killed_guests)
[[ -z $killed ]] || e2e_die "QEMU killed with ballastd running: $killed (see $BD_LOG)"
ooms=$(sq_guest_ooms_total)
((ooms == 0)) || e2e_die "$ooms process(es) OOM-killed inside the guests"
for i in $(seq 1 "$SQ_GUESTS"); do
    n=${E2E_PREFIX}sq$i
    grep -qE "reached step [0-9]+/[0-9]+ target=$SQ_BUSY " <<< "$(e2e_guest_workload_lines "$n")" ||
        e2e_die "$n never held its busy $SQ_BUSY MiB: $(e2e_guest_workload_lines "$n" | tail -n 3)"
done
# ballastd takes only what the host is short of, so idle guests give some,
# not all, of their idle memory: at least SQ_GIVE MiB each.
SQ_GIVE=${SQ_GIVE:-256}
shrunk=0
for n in $(sq_names); do ((LOWEST[$n] <= SQ_MEM - SQ_GIVE)) && shrunk=$((shrunk + 1)); done
((shrunk >= SQ_GUESTS - 1)) || e2e_die "idle guests were not ballooned: lowest balloons ${LOWEST[*]} MiB"
((back)) || e2e_die "with the budget raised, some guest stayed below its need after 30 s"

moved=$(grep -cE ': balloon [0-9.]+ [KMGT]iB -> ' "$BD_LOG" || true)
e2e_log "PASS: no QEMU and no guest process killed (baseline without ballastd kills one);" \
    "peak cgroup usage $(e2e_budget_peak_mib)/$SQ_BUDGET MiB;" \
    "lowest balloons: $(for n in $(sq_names); do printf '%s=%s ' "${n#"$E2E_PREFIX"}" "${LOWEST[$n]}"; done)MiB;" \
    "$moved balloon changes; back above need ${give_back_s}s after the budget was raised"
