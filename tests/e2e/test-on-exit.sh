#!/bin/bash
# on-exit=restore on real guests: ballastd squeezes two guests under a
# deficit, the host then has room again (a policy reload lowers the
# reserve), but within the regrow delay the running daemon gives back only
# what the guests need. On SIGTERM, ballastd gives them their memory back,
# up to their maximum, and exits by itself, well within on-exit-timeout.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

GUESTS=(${E2E_PREFIX}exit1 ${E2E_PREFIX}exit2)
for n in "${GUESTS[@]}"; do e2e_guest_create "$n" --memory 512 --schedule 0:64 --stats-period 1; done

POLICY=$E2E_RUN_DIR/on-exit-policy.xml
# Squeezed once their workload is steady: a guest still ramping up is
# served ahead (pressure), not squeezed.
for n in "${GUESTS[@]}"; do
    e2e_guest_wait_log "$n" 'reached step 1/1' 60 || e2e_die "$n: the workload did not start"
done
avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
bd_write_reserve_policy "$POLICY" $((avail_kib / 1024 + 600))
bd_start --interval 0.5 --overcommit=on --policy "$POLICY" --on-exit restore --on-exit-timeout 40

actual_mib() { echo $(($(e2e_dommemstat "$1" actual) / 1024)); }
squeezed() { local n; for n in "${GUESTS[@]}"; do (($(actual_mib "$n") < 350)) || return 1; done; }
for ((i = 0; i < 120; i++)); do squeezed && break; sleep 0.5; done
squeezed || { bd_ctl list >&2; e2e_die "the guests were not squeezed under the deficit"; }
e2e_log "squeezed: $(for n in "${GUESTS[@]}"; do printf '%s=%s MiB ' "${n#"$E2E_PREFIX"}" "$(actual_mib "$n")"; done)"

# Room again: a 1 GiB reserve on a host with gigabytes free.
bd_write_reserve_policy "$POLICY" 1024
kill -HUP "$BD_PID"
sleep 4
squeezed || e2e_die "the running daemon handed the memory straight back (regrow delay)"
[[ $(bd_json 'j["plan"]["surplus_kib"] > 0' status) == True ]] || e2e_die "the host has no room after the reload"

started=$SECONDS
bd_stop # SIGTERM; fails unless ballastd exits 0
took=$((SECONDS - started))
for n in "${GUESTS[@]}"; do
    (($(actual_mib "$n") >= 500)) || e2e_die "$n is at $(actual_mib "$n") MiB after the restore, not back to 512"
    e2e_guest_running "$n" || e2e_die "$n is not running"
done
((took < 40)) || e2e_die "the restore took $took s, not ended by itself"
grep -q "on-exit: restore done" "$BD_LOG" || e2e_die "the log does not say the restore is done"
grep -qE ": balloon [0-9.]+ MiB -> 512.0 MiB \(grow by" "$BD_LOG" || e2e_die "no growth to the maximum in the log"
e2e_log "PASS: on SIGTERM the guests got their memory back ($(for n in "${GUESTS[@]}"; do printf '%s=%s MiB ' "${n#"$E2E_PREFIX"}" "$(actual_mib "$n")"; done)) in $took s"
