#!/bin/bash
# Guest faults, on real guests under ballastd, with a lasting deficit so
# that balloons are always wanted smaller:
#  - a balloon that refuses its target: the guest's balloon driver is
#    removed (ballast.unload_balloon_at, see build-guest-image.sh); QEMU
#    still takes every command but the balloon goes back to the maximum and
#    stays there. ballastd must mark it unresponsive ("balloon not moving
#    towards its target"), stop asking (its target back to where the
#    balloon is, until the stuck-retry), and stop counting on the memory it
#    would have given: nothing of it in the plan's pending memory;
#  - a guest whose stats stop: its stats period set to 0 behind ballastd's
#    back (virsh dommemstat --period 0). Stale after 3 periods:
#    unresponsive, not shrunk; trusted again when the stats come back;
#  - a guest that reboots (virsh reset): its counters start again from
#    zero, QEMU keeps the balloon's target, and the guest is managed again,
#    with sane rates, once it reports.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

UNLOAD=${E2E_PREFIX}unload QUIET=${E2E_PREFIX}quiet REBOOT=${E2E_PREFIX}reboot
# The driver goes UNLOAD_AT s after that guest's clock starts, which is once
# ballastd manages and has squeezed all three (not a time after boot: the
# test must not depend on how long libvirt takes to start the guests).
UNLOAD_AT=5
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_start --interval 0.5 --overcommit=on --reserve "$((avail_kib / 1024 + 600))M" --stats-period 1
# A 10 s period: stale only after 30 s, so that "not moving" (6 cycles of
# 0.5 s) is what ballastd finds first.
e2e_guest_create "$UNLOAD" --memory 512 --schedule 0:64 --stats-period 10 --epoch wait \
    --cmdline-extra "ballast.unload_balloon_at=$UNLOAD_AT"
e2e_guest_create "$QUIET" --memory 512 --schedule 0:64 --stats-period 1
# A reset must restart the guest, not end it (the bed's guests destroy on
# reboot).
e2e_guest_xml "$REBOOT" --memory 512 --schedule 0:64 --stats-period 1 |
    sed 's|<on_reboot>destroy</on_reboot>|<on_reboot>restart</on_reboot>|' > "$E2E_RUN_DIR/$REBOOT.xml"
e2e_virsh define "$E2E_RUN_DIR/$REBOOT.xml" >/dev/null
E2E_CREATED_GUESTS+=("$REBOOT")
e2e_guest_start "$REBOOT"

reason_is() { [[ $(bd_info "$1" status_reason) == "$2"* ]]; }

bd_wait_managed 180 "$UNLOAD" "$QUIET" "$REBOOT"
for n in "$UNLOAD" "$QUIET" "$REBOOT"; do
    e2e_wait_for 30 e2e_guest_below "$n" 480 || e2e_die "$n was not squeezed under the deficit"
done
bd_ctl list >&2
e2e_guests_start_clock "$(date +%s)" "$UNLOAD"

# ---- The balloon that refuses its target ----
e2e_guest_wait_log "$UNLOAD" 'virtio_balloon unloaded' $((UNLOAD_AT + 30)) ||
    e2e_die "$UNLOAD: the balloon driver was not removed ($(e2e_guest_log "$UNLOAD"))"
unloaded_at=$SECONDS
e2e_wait_for 10 eval '(($(e2e_dommemstat "$UNLOAD" actual) >= 500 * 1024))' ||
    e2e_die "$UNLOAD: the balloon did not go back to the maximum without its driver"
target=$(bd_info "$UNLOAD" target_kib)
((target < 480 * 1024)) || e2e_die "$UNLOAD: no target below the maximum to refuse ($target KiB)"
e2e_wait_for 15 reason_is "$UNLOAD" "balloon not moving towards its target" || {
    bd_ctl dominfo "$UNLOAD" >&2; e2e_die "$UNLOAD: not marked unresponsive for its stuck balloon"; }
e2e_log "$UNLOAD: unresponsive $((SECONDS - unloaded_at)) s after its driver went: balloon at the maximum, target $((target / 1024)) MiB"
bd_is_status "$UNLOAD" unresponsive || e2e_die "$UNLOAD: status is $(bd_info "$UNLOAD" status)"
# Asked no more: its target goes back to where the balloon is.
e2e_wait_for 5 eval '(($(bd_info "$UNLOAD" target_kib) >= 500 * 1024))' || {
    bd_ctl dominfo "$UNLOAD" >&2; e2e_die "$UNLOAD: its target was not taken back to the balloon"; }
grep -qE ": $UNLOAD: balloon [0-9.]+ MiB -> 512.0 MiB \(stop asking: " "$BD_LOG" ||
    e2e_die "$UNLOAD: the log does not say it is asked no more"
changes=$(bd_changes "$UNLOAD")
sleep 3
# Not asked again, and what it never gave back is not counted as coming.
(($(bd_changes "$UNLOAD") == changes)) || e2e_die "$UNLOAD: ballastd kept changing a balloon that does not move"
pending=$(bd_json 'j["plan"]["pending_kib"]' status)
((pending < 64 * 1024)) || { bd_ctl status >&2; e2e_die "the plan still counts on $((pending / 1024)) MiB coming back"; }
# Later its stats go stale too (30 s without a report): still unresponsive.

# ---- Stats that stop ----
e2e_guest_set_stats_period "$QUIET" 0
stopped_at=$SECONDS
e2e_wait_for 15 reason_is "$QUIET" "stats stale: last-update unchanged for over 3 periods" || {
    bd_ctl dominfo "$QUIET" >&2; e2e_die "$QUIET: stats stopped but it was not marked stale"; }
e2e_log "$QUIET: stale $((SECONDS - stopped_at)) s after its stats stopped"
quiet_changes=$(bd_changes "$QUIET")
sleep 3
(($(bd_changes "$QUIET") == quiet_changes)) || e2e_die "$QUIET: a guest with stale stats was changed"
e2e_guest_set_stats_period "$QUIET" 1
e2e_wait_for 15 bd_is_status "$QUIET" managed || e2e_die "$QUIET: not trusted again once its stats came back"
e2e_log "$QUIET: managed again once its stats came back"

# ---- A reboot ----
reboot_target=$(bd_info "$REBOOT" target_kib)
boots() { grep -c 'ballast-init: kernel' "$(e2e_guest_log "$REBOOT")" || true; }
boots_before=$(boots)
e2e_virsh reset "$REBOOT" >/dev/null
e2e_wait_for 30 eval '(($(boots) > boots_before))' || e2e_die "$REBOOT did not boot again after the reset"
e2e_guest_wait_log "$REBOOT" 'ballast-workload: start' 30 || true
sleep 3
e2e_wait_for 20 bd_is_status "$REBOOT" managed || { bd_ctl dominfo "$REBOOT" >&2; e2e_die "$REBOOT: not managed after its reboot"; }
at_target() { local a; a=$(e2e_dommemstat "$REBOOT" actual); (( a <= $(bd_info "$REBOOT" target_kib) + 16 * 1024 )); }
e2e_wait_for 20 at_target || e2e_die "$REBOOT: the balloon did not go back to its target after the reboot"
swap_rate=$(bd_info "$REBOOT" swap_in_kib_per_sec)
fault_rate=$(bd_info "$REBOOT" major_faults_per_sec)
((swap_rate < 1024 && fault_rate < 100)) ||
    e2e_die "$REBOOT: absurd rates after the counters reset (swap-in $swap_rate KiB/s, $fault_rate faults/s)"
[[ $(bd_info "$REBOOT" pressure) == none ]] || e2e_die "$REBOOT: a counter reset taken for pressure ($(bd_info "$REBOOT" pressure))"
e2e_log "$REBOOT: managed after its reboot, balloon at $(($(e2e_dommemstat "$REBOOT" actual) / 1024)) MiB (target was $((reboot_target / 1024)) MiB)"

for n in "$UNLOAD" "$QUIET" "$REBOOT"; do e2e_guest_running "$n" || e2e_die "$n is not running"; done
bd_ctl list >&2
bd_stop
e2e_log "PASS: stuck balloon not trusted nor counted on, stale stats held, reboot taken in stride"
