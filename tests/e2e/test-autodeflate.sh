#!/bin/bash
# e2e-autodeflate (issue 17): a guest with <memballoon autodeflate='on'> is
# shrunk to its floor under a lasting host deficit, beside a donor guest
# also at its floor, so ballastd has nothing to give. Its workload then
# jumps from 64 to 360 MiB in one step: the guest runs out of memory and
# its balloon driver deflates the balloon on OOM (the kernel's OOM notifier)
# instead of killing. ballastd must say so ("guest deflated its balloon on
# OOM"), count it, never take that memory back within the regrow delay
# although the host is still short, and grow the guest once the host has
# room. No process is killed in the guest: at its maximum (512 MiB) the
# workload fits, so any kill would be ballast's doing.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

AD=${E2E_PREFIX}autodeflate DONOR=${E2E_PREFIX}donor
POLICY=$E2E_RUN_DIR/autodeflate-policy.xml
# Short by more than both guests can give: both go to their floor.
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_write_reserve_policy "$POLICY" $((avail_kib / 1024 + 700))
bd_start --interval 0.5 --overcommit=on --policy "$POLICY" --stats-period 1
e2e_guest_create "$AD" --memory 512 --schedule 0:64,5:360 --rate 400 --stats-period 1 --epoch wait \
    --autodeflate on
e2e_guest_create "$DONOR" --memory 512 --schedule 0:64 --stats-period 1
bd_wait_managed 180 "$AD" "$DONOR"
for n in "$AD" "$DONOR"; do
    e2e_wait_for 30 e2e_guest_below "$n" 300 || e2e_die "$n was not shrunk to its floor under the deficit"
done
floor_mib=$(($(e2e_dommemstat "$AD" actual) / 1024))
e2e_log "$AD at its floor: $floor_mib MiB (donor at $(($(e2e_dommemstat "$DONOR" actual) / 1024)) MiB)"
e2e_guests_wait_clock_port 120 "$AD"
e2e_guests_start_clock "$(date +%s)" "$AD"

# ---- The OOM, and the balloon deflating instead of a kill ----
e2e_guest_wait_log "$AD" 'target=360 held=360 MiB' 90 ||
    e2e_die "$AD: the workload never held its 360 MiB ($(e2e_guest_log "$AD" | tail -n 5))"
e2e_wait_for 10 grep -q ": $AD: guest deflated its balloon on OOM: " "$BD_LOG" || {
    bd_ctl dominfo "$AD" >&2; e2e_die "$AD: ballastd did not see the balloon deflate on OOM"; }
deflated_mib=$(($(e2e_dommemstat "$AD" actual) / 1024))
((deflated_mib > floor_mib + 64)) || e2e_die "$AD: the balloon deflated only to $deflated_mib MiB from $floor_mib"
kills=$(e2e_guest_oom_kills "$AD")
((kills == 0)) || e2e_die "$AD: $kills process(es) OOM-killed in the guest"
deflations=$(bd_info "$AD" oom_deflations)
((deflations >= 1)) || e2e_die "$AD: oom_deflations is $deflations"
e2e_log "$AD: balloon deflated on OOM $floor_mib -> $deflated_mib MiB, no process killed; ballastd counted $deflations deflation(s): $(grep -m1 ": $AD: guest deflated its balloon on OOM" "$BD_LOG" | sed 's/^.*: guest/guest/')"

# ---- Not taken back, although the host is still short ----
shrinks_before=$(grep -cE ": $AD: balloon [0-9.]+ [MG]iB -> [0-9.]+ [MG]iB \(shrink" "$BD_LOG" || true)
lowest=$deflated_mib
for ((i = 0; i < 10; i++)); do
    sleep 1
    now=$(($(e2e_dommemstat "$AD" actual) / 1024))
    ((now < lowest)) && lowest=$now
done
shrinks_after=$(grep -cE ": $AD: balloon [0-9.]+ [MG]iB -> [0-9.]+ [MG]iB \(shrink" "$BD_LOG" || true)
((shrinks_after == shrinks_before)) || { bd_ctl list >&2; e2e_die "$AD was shrunk again within the regrow delay"; }
((lowest + 16 >= deflated_mib)) || e2e_die "$AD went back down to $lowest MiB after deflating to $deflated_mib"
[[ $(bd_json 'j["plan"]["deficit_kib"] > 0' status) == True ]] || e2e_die "the host was not short meanwhile"
e2e_log "$AD: held at >= $lowest MiB for 10 s under a deficit (regrow delay 30 s)"

# ---- Room again: ballastd grows it ----
bd_write_reserve_policy "$POLICY" 1024
kill -HUP "$BD_PID"
e2e_wait_for 15 grep -qE ": $AD: balloon [0-9.]+ MiB -> [0-9.]+ MiB \(grow by" "$BD_LOG" || {
    bd_ctl dominfo "$AD" >&2; e2e_die "$AD was not grown once the host had room"; }
grown_line=$(grep -E ": $AD: balloon [0-9.]+ MiB -> [0-9.]+ MiB \(grow by" "$BD_LOG" | tail -n 1)
kills=$(e2e_guest_oom_kills "$AD")
((kills == 0)) || e2e_die "$AD: $kills process(es) OOM-killed in the guest"
e2e_guest_running "$AD" || e2e_die "$AD is not running"
e2e_log "PASS: deflated on OOM $floor_mib -> $deflated_mib MiB with no kill, seen and counted, not taken back under the deficit, then grown: ${grown_line#*: $AD: }"
