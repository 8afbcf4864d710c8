#!/bin/bash
# e2e-free-page-reporting (issue 17): two guests run the same workload,
# 320 MiB then down to 48 MiB; one has <memballoon freePageReporting='on'>.
# The reporting guest hands what it freed back to the host by itself (its
# QEMU's RSS falls); the plain one keeps it. Under a host deficit ballastd
# then takes from the plain guest, never from the reporting one, whose
# balloon above its resident memory holds nothing of the host's. The memory
# each way recovered is measured and logged.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

FPR=${E2E_PREFIX}reporting PLAIN=${E2E_PREFIX}plain
# Plenty of room first: nothing is shrunk while the workloads run.
bd_start --interval 0.5 --overcommit=on --stats-period 1
for n in "$FPR" "$PLAIN"; do
    e2e_guest_create "$n" --memory 512 --schedule 0:320,15:48 --rate 200 --stats-period 1 --epoch wait \
        $([[ $n == "$FPR" ]] && echo --free-page-reporting on)
done
bd_wait_managed 180 "$FPR" "$PLAIN"
e2e_guests_wait_clock_port 120 "$FPR" "$PLAIN"
e2e_guests_start_clock "$(date +%s)" "$FPR" "$PLAIN"

# Both touched their 320 MiB, then freed it.
for n in "$FPR" "$PLAIN"; do
    e2e_guest_wait_log "$n" 'target=48 held=48 MiB' 90 || e2e_die "$n's workload did not come down to 48 MiB"
done
sleep 20
fpr_rss=$(e2e_qemu_ram_rss_mib "$FPR"); plain_rss=$(e2e_qemu_ram_rss_mib "$PLAIN")
e2e_log "guest RAM resident after the workloads freed 272 MiB: $FPR $fpr_rss MiB, $PLAIN $plain_rss MiB"
((fpr_rss + 128 < plain_rss)) ||
    e2e_die "free page reporting handed nothing back: $FPR holds $fpr_rss MiB, $PLAIN $plain_rss MiB"
returned=$(bd_info "$FPR" returned_kib)
[[ $returned != None ]] && ((returned > 256 * 1024)) || e2e_die "$FPR: returned_kib $returned"
[[ $(bd_info "$PLAIN" returned_kib) == None ]] || e2e_die "$PLAIN shows returned memory without reporting"
e2e_log "$FPR returned $((returned / 1024)) MiB by itself (ballastctl dominfo)"

# Now a lasting deficit: ballastd again, with a reserve the host cannot meet.
bd_stop
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
before_mib=$((avail_kib / 1024))
bd_start --interval 0.5 --overcommit=on --reserve "$((avail_kib / 1024 + 600))M" --stats-period 1
e2e_wait_for 60 e2e_guest_below "$PLAIN" 480 || e2e_die "$PLAIN was not squeezed under the deficit"
sleep 5
bd_ctl list >&2
(($(bd_changes "$FPR") == 0)) || e2e_die "ballastd shrank $FPR, which holds nothing it does not use"
[[ $(bd_info "$FPR" reason_code) == hold-reported ]] || e2e_die "$FPR: $(bd_info "$FPR" reason)"
after_plain=$(e2e_qemu_ram_rss_mib "$PLAIN")
after_mib=$(($(awk '/^MemAvailable:/ {print $2}' /proc/meminfo) / 1024))
e2e_log "host recovered: $FPR $((512 - fpr_rss)) MiB by itself; $PLAIN $((plain_rss - after_plain)) MiB" \
    "by its balloon (RAM resident $plain_rss -> $after_plain MiB); MemAvailable $before_mib -> $after_mib MiB"
bd_stop
e2e_log "PASS: the reporting guest gave back by itself and was left alone; the plain guest was squeezed"
