#!/bin/bash
# e2e-virtio-mem (issue 19): ballastd moves a virtio-mem device itself
# (actuator auto, the default): a guest with 512 MiB of boot memory and a
# 1 GiB device (512 MiB plugged at boot) beside a plain guest.
#  1. Room to spare: the guest is given all of <memory>: the device is
#     asked for its whole 1 GiB, the guest plugs it, the balloon stays at
#     the boot memory.
#  2. The guest's workload touches 900 MiB (spilling into the plugged
#     memory) and frees it again.
#  3. A lasting deficit: the device is unplugged first (blocks the guest
#     had touched and freed go back to the host: QEMU's RSS falls), then
#     the balloon takes the boot memory down; the guest runs on.
#  4. Room again: plugged back.
# Asserted: what ballastd asked is what libvirt's live XML says, <current>
# follows, no change refused, no stuck unplug, no OOM in the guest, QEMU's
# RSS falls by at least 256 MiB under the deficit.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise. ~2 min.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"
. "$HERE/virtio-mem.sh"

VMEM=${E2E_PREFIX}vmem PLAIN=${E2E_PREFIX}vmem-plain
BOOT_MIB=512 DEVICE_MIB=1024 PLUGGED_MIB=512 TOUCH_MIB=900

failed_changes() { bd_json "j['cycles']['changes_failed']" status; }

bd_start --interval 0.5 --overcommit=on --stats-period 1
e2e_guest_create "$VMEM" --memory "$BOOT_MIB" --virtio-mem "$DEVICE_MIB:$PLUGGED_MIB" --stats-period 1 \
    --epoch wait --schedule "0:$TOUCH_MIB,15:64"
e2e_guest_create "$PLAIN" --memory "$BOOT_MIB" --stats-period 1
bd_wait_managed 180 "$VMEM" "$PLAIN"
[[ $(bd_info "$VMEM" actuator) == auto ]] || e2e_die "$VMEM: actuator $(bd_info "$VMEM" actuator), not auto"

# 1. Room to spare: the whole device.
e2e_wait_for 90 plugged_is "$DEVICE_MIB" ||
    e2e_die "$VMEM: plugged $(plugged_mib) MiB (asked $(requested_mib) MiB), not all $DEVICE_MIB MiB"
(($(live_requested_mib) == DEVICE_MIB)) || e2e_die "$VMEM: libvirt's <requested> is $(live_requested_mib) MiB"
grep -q ": $VMEM: virtio-mem virtiomem0 $PLUGGED_MIB.0 MiB -> 1.0 GiB" "$BD_LOG" ||
    e2e_die "ballastd did not say it asked the device for 1 GiB"
(($(e2e_dommemstat "$VMEM" actual) <= BOOT_MIB * 1024)) || e2e_die "$VMEM's balloon is above its boot memory"
bd_ctl dominfo "$VMEM" >&2
e2e_log "room to spare: $VMEM plugged $(plugged_mib) MiB of its device, balloon $(($(e2e_dommemstat "$VMEM" actual) / 1024)) MiB"

# 2. The workload touches TOUCH_MIB and frees it.
e2e_guests_wait_clock_port 60 "$VMEM"
e2e_guests_start_clock "$(($(date +%s) + 1))" "$VMEM"
e2e_guest_wait_log "$VMEM" "reached step 1/2 target=$TOUCH_MIB " 60 ||
    e2e_die "$VMEM's workload never held $TOUCH_MIB MiB"
e2e_guest_wait_log "$VMEM" "reached step 2/2" 60 ||
    e2e_die "$VMEM's workload never freed its memory"
sleep 3
rss_before=$(e2e_qemu_rss_mib "$VMEM")

# 3. A lasting deficit: the host cannot meet the reserve.
bd_stop
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_start --interval 0.5 --overcommit=on --reserve "$((avail_kib / 1024 + 900))M" --stats-period 1
e2e_wait_for 90 plugged_below 256 || e2e_die "$VMEM's device was not unplugged: $(plugged_mib) MiB plugged"
sleep 5
bd_ctl list >&2
bd_ctl dominfo "$VMEM" >&2
rss_after=$(e2e_qemu_rss_mib "$VMEM")
[[ $(e2e_guest_state "$VMEM") == running* ]] || e2e_die "$VMEM is $(e2e_guest_state "$VMEM")"
(($(live_requested_mib) == $(requested_mib))) ||
    e2e_die "libvirt's <requested> $(live_requested_mib) MiB is not what ballastd shows, $(requested_mib) MiB"
((rss_before - rss_after >= 256)) ||
    e2e_die "$VMEM's QEMU RSS went $rss_before -> $rss_after MiB: the unplugged memory did not come back to the host"
! grep -q "could not unplug\|stopped unplugging" "$BD_LOG" || e2e_die "an unplug got stuck: $(grep 'unplug' "$BD_LOG" | tail -n 2)"
if grep -qiE 'Out of memory|oom-kill' "$(e2e_guest_log "$VMEM")"; then
    e2e_die "$VMEM's kernel ran out of memory"
fi
e2e_log "deficit: $VMEM unplugged to $(plugged_mib) MiB, balloon $(($(e2e_dommemstat "$VMEM" actual) / 1024)) MiB;" \
    "QEMU RSS $rss_before -> $rss_after MiB; $PLAIN at $(($(e2e_dommemstat "$PLAIN" actual) / 1024)) MiB"

# 4. Room again: plugged back.
bd_stop
bd_start --interval 0.5 --overcommit=on --stats-period 1
e2e_wait_for 90 plugged_is "$DEVICE_MIB" || e2e_die "$VMEM was not plugged back: $(plugged_mib) MiB"
! grep -q "cannot set balloon\|cannot ask virtio-mem\|cannot resize" "$BD_LOG" ||
    e2e_die "a change was refused: $(grep 'cannot' "$BD_LOG" | tail -n 1)"
(($(failed_changes) == 0)) || e2e_die "$(failed_changes) changes failed"
bd_stop
e2e_log "PASS: virtio-mem moved by ballastd: $PLUGGED_MIB -> $DEVICE_MIB MiB plugged with room, unplugged under a deficit" \
    "(QEMU RSS $rss_before -> $rss_after MiB), plugged back; nothing refused, nothing killed"
