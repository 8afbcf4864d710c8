#!/bin/bash
# e2e-hugepages (issue 17): a guest backed by the host's hugepages
# (<memoryBacking><hugepages/>, pages reserved here and released after).
# Inflating its balloon would free no host memory: the hugepages stay
# allocated to its backing file. Under a lasting deficit, with ballastd
# started first, it is fixed, its balloon is never asked smaller, the
# hugepages it holds stay where they are, and the host's available memory is
# what ballastd reports (nothing counted on from it); a plain guest beside
# it is squeezed as ever.
# SKIP (77) without root / libvirt / QEMU / hugetlbfs. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

HUGE=${E2E_PREFIX}huge PLAIN=${E2E_PREFIX}plain
e2e_hugepages_reserve 520
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_start --interval 0.5 --overcommit=on --reserve "$((avail_kib / 1024 + 600))M" --stats-period 1
e2e_guest_create "$HUGE" --memory 512 --schedule 0:64 --stats-period 1 --hugepages yes
e2e_guest_create "$PLAIN" --memory 512 --schedule 0:64 --stats-period 1
huge_free_mib=$(e2e_hugepages_free_mib)
e2e_log "hugepages free with $HUGE running: $huge_free_mib MiB"


e2e_wait_for 180 bd_is_status "$HUGE" fixed ||
    e2e_die "$HUGE not fixed: $(bd_info "$HUGE" status) ($(bd_info "$HUGE" status_reason))"
reason=$(bd_info "$HUGE" status_reason)
[[ $reason == "backed by hugepages: inflating frees no host memory" ]] || e2e_die "$HUGE: reason '$reason'"
e2e_log "$HUGE: fixed: $reason"
bd_wait_managed 180 "$PLAIN"
e2e_wait_for 60 e2e_guest_below "$PLAIN" 480 || e2e_die "$PLAIN was not squeezed under the deficit"

# Cycles under the deficit: the hugepage guest is held, and what the host
# has is what ballastd says it has.
sleep 5
bd_ctl list --all >&2
(($(bd_changes "$HUGE") == 0)) || e2e_die "ballastd changed the balloon of $HUGE"
actual=$(e2e_dommemstat "$HUGE" actual)
((actual == 512 * 1024)) || e2e_die "$HUGE's balloon at $actual KiB, not its 512 MiB"
[[ $(bd_info "$HUGE" reason_code) == hold-fixed ]] || e2e_die "$HUGE: decision $(bd_info "$HUGE" reason_code)"
now_free_mib=$(e2e_hugepages_free_mib)
((now_free_mib == huge_free_mib)) || e2e_die "hugepages free went from $huge_free_mib to $now_free_mib MiB"
said=$(bd_json 'j["host"]["mem_available_kib"]' status)
real=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
diff=$((said > real ? said - real : real - said))
# One cycle apart, with guests running: within 64 MiB.
((diff < 64 * 1024)) || e2e_die "ballastd says $((said / 1024)) MiB available, the host has $((real / 1024)) MiB"
e2e_log "host available: ballastd $((said / 1024)) MiB, /proc/meminfo $((real / 1024)) MiB"
[[ $(bd_json 'j["guests"]["fixed"]' status) == 1 ]] || e2e_die "status does not count $HUGE as fixed"
bd_stop
e2e_log "PASS: hugepage guest fixed and held ($now_free_mib MiB of hugepages free throughout); $PLAIN squeezed"
