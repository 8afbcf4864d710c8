#!/bin/bash
# A guest's loan clock (how long its use has been above its fair share) on
# real guests: ballastd writes its start into the guest's live metadata
# through the QEMU driver, a ballastd killed (-9) and started again goes on
# with it, and a new run of the guest starts with none.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

HOG=${E2E_PREFIX}hog IDLE=${E2E_PREFIX}idle

# What the guests may share: 400 MiB (the host's memory less the reserve),
# so a fair share of 200 MiB each, which the hog's use passes. Overcommit
# stays "auto" (off on this host): ballastd watches and moves no balloon,
# and the clock runs all the same.
total_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
ARGS=(--interval 1 --reserve "$((total_kib / 1024 - 400))M")
loan_metadata() { e2e_virsh metadata "$1" urn:ballast:state:1 --live 2>/dev/null || true; }
over_sec() { bd_json "j.get('over_fair_share_sec')" dominfo "$1" 2>/dev/null || echo None; }
# wait_decided NAME WHY: until ballastd has decided for NAME (30 s, else fail with WHY).
wait_decided() {
    local deadline=$((SECONDS + 30))
    until [[ $(over_sec "$1") =~ ^[0-9]+$ ]]; do
        ((SECONDS < deadline)) || e2e_die "$2"
        sleep 0.5
    done
}

bd_start "${ARGS[@]}"
# The hog holds 250 MiB from 5 s after its boot on; the idle guest nothing.
e2e_guest_create "$HOG" --memory 384 --schedule 5:250 --stats-period 1
e2e_guest_create "$IDLE" --memory 384 --stats-period 1
deadline=$((SECONDS + 90))
until [[ $(over_sec "$HOG") =~ ^[0-9]+$ ]] && (($(over_sec "$HOG") >= 8)); do
    ((SECONDS < deadline)) || e2e_die "$HOG never went 8 s above its fair share: $(bd_ctl dominfo "$HOG")"
    sleep 1
done
bd_ctl dominfo "$HOG" >&2
[[ $(loan_metadata "$HOG") == *"<over-fair-share-since>"* ]] \
    || e2e_die "no loan state in $HOG's live metadata: '$(loan_metadata "$HOG")'"
[[ $(loan_metadata "$IDLE") != *"<over-fair-share-since>"* ]] \
    || e2e_die "$IDLE is within its share but has a loan clock: $(loan_metadata "$IDLE")"
e2e_log "written: $(loan_metadata "$HOG" | tr -d '\n ')"
[[ -z $(e2e_virsh dumpxml --inactive "$HOG" | grep 'urn:ballast:state:1') ]] \
    || e2e_die "the loan state went into $HOG's persistent definition"
before=$(over_sec "$HOG")

kill -KILL "$BD_PID"; wait "$BD_PID" 2>/dev/null || true; BD_PID=
sleep 3
bd_start "${ARGS[@]}"
wait_decided "$HOG" "the new ballastd did not decide for $HOG"
after=$(over_sec "$HOG")
((after >= before + 3)) || e2e_die "the new ballastd started the clock afresh: ${after} s after ${before} s and a 3 s pause"
grep -q "$HOG: used more than its fair share for [0-9]* s before this start of ballastd" "$BD_LOG" \
    || e2e_die "the new ballastd did not say where its clock came from"

# A new run of the guest: its live metadata, and the clock, start empty.
e2e_guest_destroy "$HOG"
e2e_guest_start "$HOG"
[[ -z $(loan_metadata "$HOG") ]] || e2e_die "a new run of $HOG kept the old loan state"
wait_decided "$HOG" "no decision for $HOG after its restart"
fresh=$(over_sec "$HOG")
((fresh < after)) || e2e_die "the restarted guest kept its clock: ${fresh} s"
bd_stop
e2e_log "PASS: the clock went on across a ballastd SIGKILL (${before} s, then ${after} s after a 3 s pause); a new run of the guest started at ${fresh} s"
