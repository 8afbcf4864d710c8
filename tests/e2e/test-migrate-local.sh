#!/bin/bash
# A live migration between two libvirtds on this machine (the system one and
# a second, isolated one: second-libvirtd.sh), each with its own ballastd,
# started first. While the migration runs:
#  - the source's ballastd shows the guest in-job ("outgoing migration") and
#    never resizes it, even when a policy reload makes the host short and it
#    squeezes the other guest, of the same kind, at once;
#  - the destination's ballastd shows it in-job ("incoming migration") and
#    counts the memory still to come (plan arriving_kib > 0).
# After it, the destination's ballastd manages the guest with the tuning it
# had on the source (domtune --min, in its metadata), and says the job is
# over. Then the guest goes back, and the second libvirtd's ballastd is
# restarted during that copy with a policy that makes the host short: it
# learns of the migration from no event and no state (a live migration's
# source runs as before), so only the job query before its first change
# stops it: the change is not made, and it says so.
# The guest is idle during the copies: live migrations of busy TCG guests
# here sometimes arrive corrupted (second-libvirtd.sh, "TCG").
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"
. "$HERE/second-libvirtd.sh"

MIG=${E2E_PREFIX}mig DONOR=${E2E_PREFIX}donor
DEST_SOCKET=$E2E_RUN_DIR/ballastd-dest.sock
DEST_LOG=$E2E_RUN_DIR/ballastd-dest.log
POLICY=$E2E_RUN_DIR/policy.xml
DEST_PID=

dest_ctl() { "$BALLASTCTL" -s "$DEST_SOCKET" "$@"; }
dest_start() {
    rm -f "$DEST_SOCKET"
    "$BALLASTD" --connect "$(sl_uri)" --socket "$DEST_SOCKET" --interval 1 --overcommit=on \
        --policy "$1" >>"$DEST_LOG" 2>&1 &
    DEST_PID=$!
    for ((i = 0; i < 100; i++)); do [[ -S $DEST_SOCKET ]] && return 0; sleep 0.1; done
    e2e_die "the destination's ballastd did not start: $(tail -n 5 "$DEST_LOG")"
}
dest_json() {
    local expr=$1; shift
    dest_ctl --json "$@" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$expr"
}
dest_stop() {
    [[ -n $DEST_PID ]] || return 0
    kill -TERM "$DEST_PID" 2>/dev/null || true
    wait "$DEST_PID" 2>/dev/null || true
    DEST_PID=
}
dest_log_on_failure() {
    ((E2E_EXIT_STATUS == 0 || E2E_EXIT_STATUS == 77)) && return 0
    [[ -s $DEST_LOG ]] && { printf -- '--- last 30 lines of %s ---\n' "$DEST_LOG" >&2; tail -n 30 "$DEST_LOG" >&2; }
    return 0
}
e2e_at_exit 'dest_log_on_failure'
e2e_at_exit 'sl_stop'
e2e_at_exit 'dest_stop'

sl_start

# Room for both guests at first: a 256 MiB reserve.
bd_write_reserve_policy "$POLICY" 256
bd_start --interval 1 --overcommit=on --policy "$POLICY"
ROOMY_POLICY=$E2E_RUN_DIR/policy-roomy.xml
cp "$POLICY" "$ROOMY_POLICY"
: > "$DEST_LOG"
dest_start "$ROOMY_POLICY"

e2e_guest_create "$MIG" --memory 512 --stats-period 1
e2e_guest_create "$DONOR" --memory 512 --stats-period 1
bd_wait_managed 120 "$MIG" "$DONOR"
"$BALLASTCTL" -c "$E2E_URI" domtune "$MIG" --min 300M --live
deadline=$((SECONDS + 20))
until [[ $(bd_info "$MIG" min_kib) == 307200 ]]; do
    ((SECONDS < deadline)) || e2e_die "the source's ballastd did not take $MIG's min: $(bd_ctl dominfo "$MIG")"
    sleep 0.5
done

# 8 MiB/s: the copy of an idle 512 MiB guest (~100 MiB sent) takes ~12 s.
migrate_log=$E2E_RUN_DIR/migrate.log
sl_migrate_to "$MIG" --bandwidth 8 >"$migrate_log" 2>&1 &
migrate_pid=$!

deadline=$((SECONDS + 30))
until bd_is_status "$MIG" in-job; do
    kill -0 "$migrate_pid" 2>/dev/null || e2e_die "the migration ended before the source's ballastd saw it: $(cat "$migrate_log")"
    ((SECONDS < deadline)) || e2e_die "the source's ballastd never showed $MIG in-job: $(bd_ctl dominfo "$MIG")"
    sleep 0.3
done
in_job_line=$(wc -l < "$BD_LOG")
[[ $(bd_info "$MIG" job) == "outgoing migration" ]] || e2e_die "source: $MIG's job is '$(bd_info "$MIG" job)'"
bd_ctl dominfo "$MIG" | grep -q "Status: *in-job: outgoing migration for [0-9]* s: not resized until it ends" \
    || e2e_die "source: dominfo does not say why: $(bd_ctl dominfo "$MIG")"
donor_changes=$(bd_changes "$DONOR")
# Now the host is short: the source's ballastd must squeeze the donor and
# leave the migrating guest alone.
total_mib=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
bd_write_reserve_policy "$POLICY" "$((total_mib - 200))"
kill -HUP "$BD_PID"

saw_arriving=0 saw_incoming=0
while kill -0 "$migrate_pid" 2>/dev/null; do
    if ((!saw_incoming)) && [[ $(dest_json "j['job']" dominfo "$MIG" 2>/dev/null) == "incoming migration" ]]; then
        [[ $(dest_json "j['status']" dominfo "$MIG") == in-job ]] || e2e_die "destination: $MIG has a job but is $(dest_ctl dominfo "$MIG")"
        saw_incoming=1
    fi
    arriving=$(dest_json "(j.get('plan') or {}).get('arriving_kib')" status 2>/dev/null || echo None)
    [[ $arriving =~ ^[0-9]+$ ]] && ((arriving > 0)) && saw_arriving=$arriving
    sleep 0.3
done
wait "$migrate_pid" || e2e_die "the migration failed: $(cat "$migrate_log")"
e2e_log "migrated: $(tr '\n' ' ' < "$migrate_log")"
[[ $(sl_virsh domstate "$MIG") == running ]] || e2e_die "$MIG does not run on the destination"

((saw_incoming)) || e2e_die "the destination's ballastd never showed $MIG as an incoming migration"
((saw_arriving > 0)) || e2e_die "the destination's ballastd never counted memory still to arrive"
e2e_log "destination: in-job incoming migration, up to $((saw_arriving / 1024)) MiB still to arrive"

# Source: said once, never resized during its job, the donor squeezed meanwhile.
grep -q "$MIG: in-job: outgoing migration for 0 s" "$BD_LOG" || e2e_die "source: no in-job line for $MIG"
tail -n +"$in_job_line" "$BD_LOG" | grep -E ": $MIG: (balloon|would set balloon) " \
    && e2e_die "source: $MIG was resized during its migration"
(($(bd_changes "$DONOR") > donor_changes)) || e2e_die "source: the host was short but $DONOR was not squeezed: the test proved nothing"
grep -q "$MIG: outgoing migration over: not running here any more" "$BD_LOG" \
    || e2e_die "source: no word that $MIG left"
[[ $(bd_info "$MIG" status) == unmanaged ]] || e2e_die "source: $MIG is $(bd_info "$MIG" status) after leaving"

# Destination: managed after it, with the tuning it had.
deadline=$((SECONDS + 30))
until [[ $(dest_json "j['status']" dominfo "$MIG" 2>/dev/null) == managed ]]; do
    ((SECONDS < deadline)) || e2e_die "destination: $MIG not managed after its migration: $(dest_ctl dominfo "$MIG")"
    sleep 0.5
done
grep -q "$MIG: incoming migration over after [0-9]* s: managed again" "$DEST_LOG" \
    || e2e_die "destination: no word that the migration ended"
[[ $(dest_json "j['min_kib']" dominfo "$MIG") == 307200 ]] \
    || e2e_die "destination: $MIG lost its min: $(dest_ctl dominfo "$MIG")"
[[ $(dest_json "j['tuning_source']" dominfo "$MIG") == *metadata* ]] \
    || e2e_die "destination: $MIG's tuning is not from its metadata: $(dest_json "j['tuning_source']" dominfo "$MIG")"
grep -qE "Kernel panic|general protection|Oops:|BUG: " "$(e2e_guest_log "$MIG")" && e2e_die "$MIG's kernel broke in the migration"

squeezed=$(( $(bd_changes "$DONOR") - donor_changes ))

# Back, with the second libvirtd's ballastd restarted during the copy and
# the host short: its first decision shrinks the guest, which is not made.
dest_stop
sl_migrate_back "$MIG" --bandwidth 8 >"$migrate_log" 2>&1 &
migrate_pid=$!
deadline=$((SECONDS + 30))
until sl_virsh domjobinfo "$MIG" 2>/dev/null | grep -q "Outgoing migration"; do
    kill -0 "$migrate_pid" 2>/dev/null || e2e_die "the migration back ended too soon: $(cat "$migrate_log")"
    ((SECONDS < deadline)) || e2e_die "no outgoing migration job on the second libvirtd"
    sleep 0.2
done
restart_line=$(($(wc -l < "$DEST_LOG") + 1))
dest_start "$POLICY"
wait "$migrate_pid" || e2e_die "the migration back failed: $(cat "$migrate_log")"
[[ $(e2e_guest_state "$MIG") == running* ]] || e2e_die "$MIG is not running back home: $(e2e_guest_state "$MIG")"
tail -n +"$restart_line" "$DEST_LOG" | grep -q "$MIG: not changed: outgoing migration running (libvirt said so before the change)" \
    || e2e_die "the restarted ballastd did not stop at the job: $(tail -n +"$restart_line" "$DEST_LOG")"
tail -n +"$restart_line" "$DEST_LOG" | grep -E ": $MIG: balloon " \
    && e2e_die "the restarted ballastd resized $MIG during its migration"
grep -qE "Kernel panic|general protection|Oops:|BUG: " "$(e2e_guest_log "$MIG")" && e2e_die "$MIG's kernel broke in the migration back"

dest_stop
bd_stop
e2e_log "PASS: $MIG left alone in its migration (donor squeezed $squeezed times meanwhile), counted arriving, managed at the destination with its min; a ballastd started during the way back stopped at the job"
