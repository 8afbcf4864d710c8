#!/bin/bash
# e2e-virtio-mem-partial (issue 19): an unplug the guest cannot finish. A
# guest with 512 MiB of boot memory and a 1 GiB virtio-mem device, booted
# with ballast.virtio_mem_pinned_for: its online virtio-mem memory cannot
# be unplugged (virtio_mem's unplug_online=0, as when the kernel has put
# data it cannot move there) for PIN_S s after its clock starts, and it
# offlines one 128 MiB memory block then, which it can unplug. Beside it,
# a guest whose init does not load virtio_mem (ballast.no_virtio_mem_driver)
# has the same device.
#  1. Room to spare: the whole device is plugged. The other guest's device,
#     asked for memory, plugs none: after 30 s ballastd says so, once, and
#     leaves that guest to its balloon.
#  2. A lasting deficit: the unplug goes one block (partial) and stops.
#     ballastd says so, asks again once, then holds the device at what it
#     has: it asks no lower for the policy's stuck retry (60 s), and shows
#     the plugged memory, not what it asked for, and the hold in dominfo.
#  3. The guest can unplug again (PIN_S s): at the retry, ballastd asks
#     lower, the unplug goes through, and it says so.
# Asserted: the log lines of each step, the device's <current> through
# the hold, no request below the hold during it, libvirt's <requested> is
# what ballastd shows, no guest OOM. SKIP (77) without root / libvirt /
# QEMU. FAIL otherwise. ~2.5 min.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"
. "$HERE/virtio-mem.sh"

VMEM=${E2E_PREFIX}vmem-partial NODRV=${E2E_PREFIX}vmem-nodriver
BOOT_MIB=512 DEVICE_MIB=1024 PLUGGED_MIB=512 PIN_S=45 RETRY_S=60

log_has() { grep -q "$1" "$BD_LOG"; }
# The device's requests in ballastd's log ("NAME: virtio-mem virtiomem0 A -> B").
requests() { grep -c ": $VMEM: virtio-mem virtiomem0 .* -> " "$BD_LOG" || true; }

bd_start --interval 0.5 --overcommit=on --stats-period 1
e2e_guest_create "$VMEM" --memory "$BOOT_MIB" --virtio-mem "$DEVICE_MIB:$PLUGGED_MIB" --stats-period 1 \
    --epoch wait --cmdline-extra "ballast.virtio_mem_pinned_for=$PIN_S"
e2e_guest_create "$NODRV" --memory "$BOOT_MIB" --virtio-mem "$DEVICE_MIB:0" --stats-period 1 \
    --cmdline-extra ballast.no_virtio_mem_driver
bd_wait_managed 180 "$VMEM" "$NODRV"
e2e_guest_wait_log "$VMEM" "online virtio-mem memory cannot be unplugged" 30 ||
    e2e_die "$VMEM's init did not pin its virtio-mem memory"

# 1. Room to spare: the whole device.
e2e_wait_for 90 plugged_is "$DEVICE_MIB" ||
    e2e_die "$VMEM: plugged $(plugged_mib) MiB (asked $(requested_mib) MiB), not all $DEVICE_MIB MiB"
no_driver=": $NODRV: virtio-mem virtiomem0 plugged nothing of the .* asked in 30 s (no virtio_mem driver in the guest?)"
e2e_wait_for 60 log_has "$no_driver" ||
    e2e_die "ballastd did not say $NODRV's device plugs nothing: $(grep ": $NODRV: virtio-mem" "$BD_LOG" | tail -n 2)"
sleep 3
(($(grep -c "$no_driver" "$BD_LOG") == 1)) || e2e_die "ballastd said more than once that $NODRV's device plugs nothing"
[[ $(bd_info "$NODRV" actuator) == balloon ]] || e2e_die "$NODRV: actuator $(bd_info "$NODRV" actuator), not balloon"
[[ $(bd_info "$NODRV" virtio_mem_unusable) == *"no virtio_mem driver"* ]] ||
    e2e_die "$NODRV: dominfo does not say why its device is left alone: $(bd_info "$NODRV" virtio_mem_unusable)"
e2e_log "$NODRV: no virtio_mem driver, said once, moved by its balloon"
# The pin's clock starts now, so that it lets go between the hold and the retry.
e2e_guests_wait_clock_port 60 "$VMEM"
e2e_guests_start_clock "$(($(date +%s) + 1))" "$VMEM"
e2e_guest_wait_log "$VMEM" "offlined virtio-mem memory" 30 ||
    e2e_die "$VMEM did not offline a virtio-mem block: $(grep 'virtio-mem' "$(e2e_guest_log "$VMEM")" | tail -n 1)"
movable_mib=$(sed -n 's/.*offlined virtio-mem memory[0-9]* (\([0-9]*\) MiB).*/\1/p' "$(e2e_guest_log "$VMEM")")
e2e_log "room to spare: $DEVICE_MIB MiB plugged; the guest can unplug $movable_mib MiB of it for ${PIN_S} s"

# 2. A lasting deficit: one block unplugged, then stuck, asked again, held.
bd_stop
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_start --interval 0.5 --overcommit=on --reserve "$((avail_kib / 1024 + 900))M" --stats-period 1
stuck_mib=$((DEVICE_MIB - movable_mib))
e2e_wait_for 30 plugged_is "$stuck_mib" ||
    e2e_die "$VMEM did not unplug its movable block: $(plugged_mib) MiB plugged, not $stuck_mib"
e2e_wait_for 40 log_has ": $VMEM: virtio-mem virtiomem0 stopped unplugging at $stuck_mib.0 MiB" ||
    e2e_die "ballastd did not say the unplug stopped"
e2e_wait_for 30 log_has ": $VMEM: virtio-mem virtiomem0: the guest could not unplug" ||
    e2e_die "ballastd did not hold the stuck device"
grep "$VMEM: virtio-mem virtiomem0" "$BD_LOG" >&2
e2e_wait_for 10 log_has ": $VMEM: virtio-mem virtiomem0 0 KiB -> $stuck_mib.0 MiB (grow by .*what it holds and cannot give now)" ||
    e2e_die "ballastd did not ask the held device for what it has, saying why"
! e2e_guest_workload_lines "$VMEM" | grep -q "virtio-mem memory can be unplugged again" ||
    e2e_die "$VMEM let its memory go before ballastd held it: this test's timing is off"
held_at=$(date +%s)
sleep 3
requests_held=$(requests)
bd_ctl dominfo "$VMEM" >&2
(($(requested_mib) >= stuck_mib)) ||
    e2e_die "held, $VMEM's device is asked for $(requested_mib) MiB, below the $stuck_mib MiB it has"
(($(live_requested_mib) == $(requested_mib))) ||
    e2e_die "libvirt's <requested> $(live_requested_mib) MiB is not what ballastd shows, $(requested_mib) MiB"
held_kib=$(bd_info "$VMEM" virtio_mem_held_kib) retry_sec=$(bd_info "$VMEM" virtio_mem_retry_sec)
[[ $held_kib == $((stuck_mib * 1024)) ]] || e2e_die "dominfo shows the device held at '$held_kib' KiB, not $stuck_mib MiB"
[[ $retry_sec =~ ^[0-9]+$ ]] && ((retry_sec > 0 && retry_sec <= RETRY_S)) ||
    e2e_die "dominfo's retry of the held device is in '$retry_sec' s"
bd_ctl dominfo "$VMEM" | grep -q "held at $stuck_mib.0 MiB: the guest could not unplug more" ||
    e2e_die "dominfo does not say the device is held"
# Held: nothing asked of the device until the retry, and nothing comes back.
sleep $((RETRY_S - 15))
plugged_is "$stuck_mib" || e2e_die "$VMEM's plugged memory moved during the hold: $(plugged_mib) MiB"
(($(requests) == requests_held)) ||
    e2e_die "ballastd asked the held device again during the hold: $(grep ": $VMEM: virtio-mem virtiomem0 .* -> " "$BD_LOG" | tail -n 2)"
e2e_log "deficit: $VMEM unplugged $movable_mib MiB, stuck at $stuck_mib MiB, asked again, held; no request for $((RETRY_S - 15)) s"

# 3. The guest can unplug again; at the retry ballastd asks lower and it goes through.
e2e_guest_wait_log "$VMEM" "virtio-mem memory can be unplugged again" 60 ||
    e2e_die "$VMEM's init never let its virtio-mem memory go"
e2e_wait_for 90 log_has ": $VMEM: virtio-mem virtiomem0 unplugged what it was asked" ||
    e2e_die "the retry did not unplug: $(grep "$VMEM: virtio-mem" "$BD_LOG" | tail -n 2)"
e2e_wait_for 30 plugged_below 256 || e2e_die "$VMEM's device was not unplugged: $(plugged_mib) MiB plugged"
[[ $(bd_info "$VMEM" virtio_mem_held_kib) == None ]] ||
    e2e_die "dominfo still shows the device held: $(bd_info "$VMEM" virtio_mem_held_kib) KiB"
retry_s=$(($(date +%s) - held_at))
((retry_s >= RETRY_S - 5)) || e2e_die "the held device was unplugged after $retry_s s, before the retry"
[[ $(e2e_guest_state "$VMEM") == running* ]] || e2e_die "$VMEM is $(e2e_guest_state "$VMEM")"
if grep -qiE 'Out of memory|oom-kill' "$(e2e_guest_log "$VMEM")"; then
    e2e_die "$VMEM's kernel ran out of memory"
fi
grep "$VMEM: virtio-mem virtiomem0" "$BD_LOG" >&2
bd_stop
e2e_log "PASS: a stuck unplug: $movable_mib MiB unplugged, stuck at $stuck_mib MiB, asked again once, held" \
    "with no request for the hold, unplugged at the retry ${retry_s} s after the hold; nothing killed"
