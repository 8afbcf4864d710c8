#!/bin/bash
# The policy issue's e2e case: under a lasting deficit ballastd inflates
# every balloon down to its floor, except that a guest tuned with
# `ballastctl domtune --min` is never taken below that minimum.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

TUNED=${E2E_PREFIX}tuned OTHERS=(${E2E_PREFIX}plain1 ${E2E_PREFIX}plain2)
MIN_MIB=400
for n in "$TUNED" "${OTHERS[@]}"; do e2e_guest_create "$n" --memory 640 --schedule 0:48 --stats-period 1; done
"$BALLASTCTL" -c "$E2E_URI" domtune "$TUNED" --min "${MIN_MIB}M" --live
"$BALLASTCTL" -c "$E2E_URI" domtune "$TUNED" >&2

avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_start --interval 1 --overcommit=on --reserve "$((avail_kib / 1024 + 2048))M"

lowest_tuned=640 lowest_other=640 deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
    t=$(($(e2e_dommemstat "$TUNED" actual) / 1024))
    ((t < lowest_tuned)) && lowest_tuned=$t
    for n in "${OTHERS[@]}"; do
        o=$(($(e2e_dommemstat "$n" actual) / 1024))
        ((o < lowest_other)) && lowest_other=$o
    done
    # Done once the others are well below the tuned guest's minimum and
    # the tuned one has had time to be squeezed too, were it not tuned.
    ((lowest_other < MIN_MIB - 64 && SECONDS > deadline - 45)) && break
    sleep 0.5
done
bd_ctl list >&2
[[ $(bd_guest_field "$TUNED" min_kib) == $((MIN_MIB * 1024)) ]] || e2e_die "the daemon does not show the tuned minimum"
((lowest_tuned >= MIN_MIB)) || e2e_die "$TUNED went down to $lowest_tuned MiB, below its ${MIN_MIB} MiB minimum"
((lowest_other < MIN_MIB - 64)) || e2e_die "the untuned guests were not squeezed (lowest $lowest_other MiB): the test proves nothing"
bd_stop
e2e_log "PASS: tuned guest stayed at >= $lowest_tuned MiB (min $MIN_MIB), untuned ones went down to $lowest_other MiB"
