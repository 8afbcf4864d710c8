#!/bin/bash
# Baseline: the squeeze scenario (squeeze.sh) WITHOUT any balloon manager.
# Several guests take turns being busy under a cgroup budget that is far less
# than the sum of their memory; nothing moves balloons, so the host keeps each
# guest's high-water mark resident and the cgroup must OOM-kill a QEMU.
#
# PASS (exit 0) when at least one QEMU is killed by the cgroup, proven by
# libvirt (domain "shut off (crashed)") and/or the host kernel log ("Memory
# cgroup out of memory: Killed process N (qemu-system-x86)").
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
# This is what ballastd must prevent; test-manual-balloon.sh shows it can be.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/squeeze.sh"

sq_start # no <stats period>: nothing polls the balloon in this test

sq_start_clock

end=$(($(sq_end) + 10))
killed_at=
while (($(sq_now) < end)); do
    t0=$SECONDS
    sq_sample
    ((SECONDS - t0 < 15)) || e2e_log "WARNING: sampling took $((SECONDS - t0)) s: the cgroup is thrashing at its limit instead of OOM-killing (see e2e_cgroup_prepare_pressure)"
    if [[ -z $killed_at && -n $(sq_killed_guests) ]]; then
        killed_at=$(sq_now)
        e2e_log "a QEMU is gone at t=$killed_at: $(sq_killed_guests | tr '\n' ' ')"
    fi
    # Done a few seconds after the first kill (libvirt has noticed by then).
    [[ -n $killed_at ]] && (($(sq_now) >= killed_at + 3)) && break
    sleep 2
done
sq_report

killed=$(sq_killed_guests)
[[ -n $killed ]] || e2e_die "no QEMU was killed: budget $SQ_BUDGET MiB is not tight enough (peak usage $(e2e_budget_peak_mib) MiB)"

proof=0
for n in $killed; do
    st=$(e2e_guest_state "$n")
    case $st in
        *crashed* | *failed*) proof=1; e2e_log "libvirt: $n is $st" ;;
        *) e2e_log "WARNING: $n stopped as '$st', not as a crash" ;;
    esac
done
dm=$(e2e_dmesg_memcg_oom_kills | grep -c 'qemu-system' || true)
((dm > 0)) && proof=1
# cgroup v2 counts the kill in the partition's memory.events (hierarchical);
# v1 counts it only in the victim's own cgroup, which libvirt removes with
# the domain, so machine/memory.oom_control stays 0 there.
cg=$(sq_cgroup_oom_kills)
if [[ $(e2e_cgroup_kind) == v2 ]] && ((cg > 0)); then proof=1; fi
((proof)) || e2e_die "QEMU stopped but neither libvirt nor dmesg shows a cgroup OOM kill"

e2e_log "PASS: $(wc -w <<< "$killed") QEMU process(es) OOM-killed by the cgroup" \
    "(libvirt crashed: $(for n in $killed; do e2e_guest_state "$n"; done | grep -c crashed || true)," \
    "host dmesg memcg kills naming qemu: $dm, cgroup oom_kill: +$cg)," \
    "budget $SQ_BUDGET MiB, peak $(e2e_budget_peak_mib) MiB"
