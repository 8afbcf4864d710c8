#!/bin/bash
# Scenario 1: guests without a balloon stats period. ballastd gives each one
# (virDomainSetMemoryStatsPeriod, live) and within two cycles of the guest's
# first report `ballastctl list` shows usable, unused and RSS for every guest.
# Then, with --reserve far above what the host can spare, ballastd must
# inflate the balloons of these real guests (the core issue's "done when").
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

GUESTS=(${E2E_PREFIX}flow1 ${E2E_PREFIX}flow2)
INTERVAL=1
PERIOD=2
for n in "${GUESTS[@]}"; do e2e_guest_create "$n" --memory 512 --schedule 0:64; done
bd_start --interval "$INTERVAL" --stats-period "$PERIOD" --dry-run

# ballastd sets the period on each running balloon.
for n in "${GUESTS[@]}"; do
    for ((i = 0; i < 50; i++)); do
        e2e_virsh dumpxml "$n" | grep -q "<stats period='$PERIOD'/>" && break
        sleep 0.2
    done
    e2e_virsh dumpxml "$n" | grep -q "<stats period='$PERIOD'/>" ||
        e2e_die "ballastd did not set a stats period on $n"
done
e2e_log "stats period $PERIOD s set on ${GUESTS[*]}"

# From the guest's first report (last_update != 0), list must show its
# figures within two cycles (plus the report interval itself).
for n in "${GUESTS[@]}"; do
    for ((i = 0; i < 300; i++)); do
        lu=$(e2e_dommemstat "$n" last_update); [[ ${lu:-0} != 0 ]] && break
        sleep 0.2
    done
    [[ ${lu:-0} != 0 ]] || e2e_die "$n never reported balloon stats (driver loaded? see $(e2e_guest_log "$n"))"
    t0=$(date +%s.%N)
    shown=
    while [[ $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {print (a - b < 2 * '"$INTERVAL"' + '"$PERIOD"' + 1)}') == 1 ]]; do
        usable=$(bd_guest_field "$n" usable_kib); unused=$(bd_guest_field "$n" unused_kib); rss=$(bd_guest_field "$n" rss_kib)
        if [[ $usable != None && $unused != None && $rss != None ]]; then shown=1; break; fi
        sleep 0.2
    done
    [[ -n $shown ]] || e2e_die "$n: list shows no usable/unused/rss two cycles after its first report"
    e2e_log "$n: usable $((usable / 1024)) MiB, unused $((unused / 1024)) MiB, QEMU RSS $((rss / 1024)) MiB," \
        "shown $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {printf "%.1f", a - b}') s after the first report"
done
bd_ctl list >&2
[[ $(bd_json 'j["guests"]["managed"]' status) == 2 ]] || e2e_die "not both guests managed"
bd_stop

# Force a deficit: a reserve above what the whole host has free.
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
reserve_mib=$((avail_kib / 1024 + 512))
bd_start --interval "$INTERVAL" --overcommit=on --reserve "${reserve_mib}M"
for ((i = 0; i < 60; i++)); do
    shrunk=0
    for n in "${GUESTS[@]}"; do
        act=$(e2e_dommemstat "$n" actual)
        ((act < 512 * 1024 - 32 * 1024)) && shrunk=$((shrunk + 1))
    done
    ((shrunk == ${#GUESTS[@]})) && break
    sleep 0.5
done
bd_ctl list >&2
((shrunk == ${#GUESTS[@]})) || e2e_die "ballastd did not inflate the balloons with a ${reserve_mib} MiB reserve"
grep -qE ": balloon 512.0 MiB -> [0-9.]+ MiB \(shrink by [0-9.]+ MiB( \([0-9.]+ [KMG]iB of it never touched\))?: host short of" "$BD_LOG" ||
    e2e_die "no shrink with its reason in the log"
bd_stop
e2e_log "PASS: stats periods set, figures listed, balloons of real guests inflated under a forced deficit" \
    "($(for n in "${GUESTS[@]}"; do printf '%s=%s MiB ' "${n#"$E2E_PREFIX"}" $(($(e2e_dommemstat "$n" actual) / 1024)); done))"
