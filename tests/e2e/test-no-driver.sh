#!/bin/bash
# e2e-no-driver (issue 17): a guest whose initramfs does not load
# virtio_balloon (ballast.no_balloon_driver, see build-guest-image.sh): its
# balloon device is there, no driver answers. ballastd, started first,
# gives it --driver-wait seconds, then classifies it no-driver, says so
# once with the time it gave, and never counts on it: its balloon is never
# asked smaller, while the other guest is still balanced under a lasting
# deficit.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

SILENT=${E2E_PREFIX}nodriver PLAIN=${E2E_PREFIX}plain
WAIT=15
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_start --interval 0.5 --overcommit=on --reserve "$((avail_kib / 1024 + 600))M" --stats-period 1 \
    --driver-wait "$WAIT"
e2e_guest_create "$SILENT" --memory 512 --schedule 0:64 --stats-period 1 \
    --cmdline-extra "ballast.no_balloon_driver"
started=$SECONDS
e2e_guest_create "$PLAIN" --memory 512 --schedule 0:64 --stats-period 1


# While it has the wait, it is waited for, not given up on.
waiting() { [[ $(bd_info "$SILENT" status) == unmanaged && $(bd_info "$SILENT" status_reason) == *"waiting"*"of $WAIT s (driver-wait)"* ]]; }
e2e_wait_for 10 waiting ||
    e2e_die "$SILENT not waited for: $(bd_info "$SILENT" status) ($(bd_info "$SILENT" status_reason))"
e2e_log "$SILENT while waiting: $(bd_info "$SILENT" status_reason)"

# Classified within the bounded wait (and a few cycles), not before it ran out.
e2e_wait_for $((WAIT + 20)) bd_is_status "$SILENT" no-driver ||
    e2e_die "$SILENT not no-driver $((WAIT + 20)) s after it started: $(bd_info "$SILENT" status) ($(bd_info "$SILENT" status_reason))"
elapsed=$((SECONDS - started))
((elapsed >= WAIT - 1)) || e2e_die "$SILENT given up on after ${elapsed} s, before its ${WAIT} s"
reason=$(bd_info "$SILENT" status_reason)
[[ $reason == *"within $WAIT s (driver-wait)"* ]] || e2e_die "$SILENT: reason '$reason'"
e2e_log "$SILENT no-driver after ${elapsed} s: $reason"
e2e_guest_wait_log "$SILENT" 'virtio_balloon not loaded' 5 || e2e_die "$SILENT's init loaded the balloon driver"

# The other guest is balanced as ever.
bd_wait_managed 180 "$PLAIN"
e2e_wait_for 60 e2e_guest_below "$PLAIN" 480 || e2e_die "$PLAIN was not squeezed under the deficit"

# Never counted on: a few more cycles under the deficit, and its balloon
# was never asked smaller; said once.
sleep 5
bd_ctl list --all >&2
(($(bd_changes "$SILENT") == 0)) || e2e_die "ballastd changed the balloon of $SILENT"
actual=$(e2e_dommemstat "$SILENT" actual)
((actual == 512 * 1024)) || e2e_die "$SILENT's balloon at $actual KiB, not its 512 MiB"
said=$(grep -c ": $SILENT: no-driver: " "$BD_LOG" || true)
((said == 1)) || e2e_die "no-driver said $said times for $SILENT"
[[ $(bd_json 'j["guests"]["no-driver"]' status) == 1 ]] || e2e_die "status does not count $SILENT as no-driver"
bd_stop
e2e_log "PASS: no-driver after ${elapsed} s (driver-wait ${WAIT} s), never counted on; $PLAIN squeezed"
