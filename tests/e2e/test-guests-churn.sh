#!/bin/bash
# Scenario 5: guests come and go while ballastd runs: started, destroyed,
# undefined, newly defined, transient. ballastd follows each through
# libvirt's events, gives new guests a stats period, forgets removed ones,
# and never crashes.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

A=${E2E_PREFIX}churn-a B=${E2E_PREFIX}churn-b C=${E2E_PREFIX}churn-c
# A long interval: what follows within 5 s came from events, not a cycle.
bd_start --interval 10 --stats-period 2 --dry-run

has() { bd_json "any(d['name'] == '$1' for d in j['domains'])" list --all; }
state_of() { bd_guest_field "$1" state; }
wait_until() { # SECONDS DESCRIPTION COMMAND...
    local secs=$1 what=$2; shift 2
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || e2e_die "$what: not within $secs s"
        sleep 0.3
    done
    e2e_log "$what"
}
is() { [[ $("${@:2}") == "$1" ]]; }

e2e_guest_define "$A" --memory 384 --schedule 0:32
wait_until 5 "defined guest listed" is True has "$A"
wait_until 5 "defined guest shut off" is "shut off" state_of "$A"
e2e_guest_start "$A"
wait_until 5 "started guest running" is running state_of "$A"
wait_until 5 "stats period given to the started guest" bash -c "virsh -c '$E2E_URI' dumpxml '$A' | grep -q \"<stats period='2'/>\""

e2e_guest_create "$B" --memory 384 --schedule 0:32
wait_until 5 "second guest running" is running state_of "$B"
e2e_guest_destroy "$A"
wait_until 5 "destroyed guest shut off" is "shut off" state_of "$A"
e2e_guest_undefine "$A"
wait_until 5 "undefined guest forgotten" is False has "$A"

# A transient guest: exists only while it runs.
e2e_guest_xml "$C" --memory 384 --schedule 0:32 > "$E2E_RUN_DIR/$C.xml"
e2e_virsh create "$E2E_RUN_DIR/$C.xml" >/dev/null
e2e_at_exit "e2e_guest_destroy $C"
wait_until 5 "transient guest running" is running state_of "$C"
wait_until 5 "stats period given to the transient guest" bash -c "virsh -c '$E2E_URI' dumpxml '$C' | grep -q \"<stats period='2'/>\""
wait_until 25 "transient guest managed" is managed bd_guest_field "$C" status
e2e_guest_destroy "$C"
wait_until 5 "stopped transient guest forgotten" is False has "$C"

bd_alive || e2e_die "ballastd died: $(tail -n 20 "$BD_LOG")"
! grep -q "CRITICAL" "$BD_LOG" || e2e_die "criticals in the log"
bd_stop
e2e_log "PASS: defined, started, destroyed, undefined and transient guests followed by events"
