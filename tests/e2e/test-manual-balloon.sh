#!/bin/bash
# Feasibility: the same squeeze as test-baseline-squeeze.sh, but with a
# simple balloon "oracle" written in bash: every cycle it reads the balloon
# stats of all guests (`virsh domstats --balloon`, stats period 1 s) and
#   - grows a guest whose usable memory is under SQ_LOW MiB, or falls fast
#     enough to be within SQ_LOOKAHEAD s, by SQ_GROW MiB (up to its max)
#     while the cgroup has room (usage < budget - reserve), even while a
#     shrink of it is still in flight,
#   - shrinks every other guest to used + SQ_HEADROOM MiB (at least
#     SQ_FLOOR), when that frees at least SQ_HYST MiB, SQ_SHRINK_STEP MiB
#     at a time,
# all with `virsh setmem --live` (used = balloon current - usable).
# PASS when no QEMU and no guest process is OOM-killed, every guest's
# workload reached its busy size, and the whole schedule ran. So the
# scenario is winnable by ballooning alone; ballastd has to do at least this.
#
# On the way it measures and prints: guest boot time, when balloon stats
# appear, QEMU RSS overhead per guest, balloon inflate/deflate speed under
# TCG, and whether inflating gives memory back to the host (QEMU RSS and
# cgroup usage drop).
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/squeeze.sh"

SQ_LOW=${SQ_LOW:-224}           # usable below this: guest is pressured, grow it
SQ_HEADROOM=${SQ_HEADROOM:-320} # idle guests keep used + this
SQ_FLOOR=${SQ_FLOOR:-256}       # never shrink below
SQ_HYST=${SQ_HYST:-64}          # ignore smaller shrinks
SQ_GROW=${SQ_GROW:-1024}        # grow a pressured guest by this much (to its max here)
SQ_LOOKAHEAD=${SQ_LOOKAHEAD:-2} # seconds: usable falling under SQ_LOW within them is pressure
SQ_SHRINK_STEP=${SQ_SHRINK_STEP:-128} # shrink by at most this much at a time
SQ_RESERVE=${SQ_RESERVE:-64}    # grow only while cgroup usage < budget - this
STATS_PERIOD=1

declare -A START_T=() BOOT_S=() STATS_S=() FRESH_S=() FIRST_UPDATE=() CUR=() MAX=() USABLE=()
RETURNED=() SHRINKS=0 GROWS=0

now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }

sq_start --stats-period "$STATS_PERIOD"
for n in $(sq_names); do START_T[$n]=$(<"$E2E_RUN_DIR/$n.started"); done

# ------------------------------------------- boot time, stats appearance --
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)); do
    pending=0
    for n in $(sq_names); do
        t=$(now)
        if [[ -z ${BOOT_S[$n]:-} ]]; then
            if grep -q '^ballast-workload: start' "$(e2e_guest_log "$n")" 2>/dev/null; then
                BOOT_S[$n]=$(fsub "$t" "${START_T[$n]}")
            else pending=1; fi
        fi
        if [[ -z ${FRESH_S[$n]:-} ]]; then
            lu=$(e2e_dommemstat "$n" last_update)
            [[ $lu == 0 ]] && lu= # QEMU reports last_update 0 until the guest driver sent stats
            if [[ -n $lu && -z ${STATS_S[$n]:-} ]]; then
                STATS_S[$n]=$(fsub "$t" "${START_T[$n]}")
                FIRST_UPDATE[$n]=$lu
            fi
            if [[ -n $lu && $lu != "${FIRST_UPDATE[$n]:-}" ]]; then
                FRESH_S[$n]=$(fsub "$t" "${START_T[$n]}")
            else pending=1; fi
        fi
    done
    ((pending)) || break
    sleep 0.2
done
for n in $(sq_names); do
    [[ -n ${BOOT_S[$n]:-} ]] || e2e_die "$n did not boot to the workload (see $(e2e_guest_log "$n"))"
    [[ -n ${FRESH_S[$n]:-} ]] || e2e_die "$n: no periodic balloon stats within 90 s"
    kup=$(grep -ao 'ballast-init: kernel .* up [0-9.]*s' "$(e2e_guest_log "$n")" | sed 's/.* up //') || kup='?'
    e2e_log "measure: $n boot (virsh start -> workload start) ${BOOT_S[$n]} s (guest kernel reached /init at uptime $kup);" \
        "balloon stats present ${STATS_S[$n]} s, first periodic update ${FRESH_S[$n]} s after start"
done

# ------------------------------------------- QEMU overhead while idle --
# Before the clock starts, every workload holds nothing.
for n in $(sq_names); do
    rss=$(e2e_qemu_rss_mib "$n"); ram=$(e2e_qemu_ram_rss_mib "$n")
    act=$(e2e_dommemstat "$n" actual); unused=$(e2e_dommemstat "$n" unused)
    used=$(((act - unused) / 1024))
    e2e_log "measure: $n idle: QEMU RSS $rss MiB = guest RAM resident $ram + QEMU own $((rss - ram)) MiB;" \
        "guest-used (actual-unused) $used MiB, RSS - guest-used = $((rss - used)) MiB"
done

# ----------------------------------------------------------- the oracle --
declare -A PEND_T0=() PEND_FROM=() PEND_TO=() PEND_RSS=() PEND_CG=() TARGET=() DONE_AT=() LASTUP=()
declare -A SEEN_USED=() SEEN_LU=() FALL=()

# track_fall: FALL[NAME], MiB/s the guest's used memory (current - usable)
# grew between its last two reports: how fast its usable memory is running
# out (a balloon inflating lowers usable too, but not used). A busy
# guest's ramp empties its usable memory in a few seconds, about as long as
# one reaction takes here: waiting for it to cross SQ_LOW loses the race.
track_fall() {
    local n dt used
    for n in "${!USABLE[@]}"; do
        [[ -n ${LASTUP[$n]:-} && ${LASTUP[$n]} != "${SEEN_LU[$n]:-}" ]] || continue
        used=$((CUR[$n] - USABLE[$n]))
        FALL[$n]=0
        if [[ -n ${SEEN_LU[$n]:-} ]]; then
            dt=$((LASTUP[$n] - SEEN_LU[$n]))
            ((dt > 0 && used > SEEN_USED[$n])) && FALL[$n]=$(((used - SEEN_USED[$n]) / dt))
        fi
        SEEN_USED[$n]=$used SEEN_LU[$n]=${LASTUP[$n]}
    done
}

# read_stats: fill CUR/MAX/USABLE (MiB) and LASTUP (s) of the running guests
# from one `virsh domstats --balloon` call.
read_stats() {
    local key val n=
    CUR=() MAX=() USABLE=() LASTUP=()
    while IFS='=' read -r key val; do
        case $key in
            "Domain: "*) n=${key#Domain: }; n=${n//\'/} ;;
            balloon.current) CUR[$n]=$((val / 1024)) ;;
            balloon.maximum) MAX[$n]=$((val / 1024)) ;;
            balloon.usable) USABLE[$n]=$((val / 1024)) ;;
            balloon.last-update) LASTUP[$n]=$val ;;
        esac
    done < <(e2e_virsh domstats --balloon --list-running 2>/dev/null | sed 's/^ *//')
}

# set_balloon NAME FROM TO: virsh setmem --live; completion is tracked.
set_balloon() {
    local n=$1
    PEND_RSS[$n]=$(e2e_qemu_rss_mib "$n") PEND_CG[$n]=$(e2e_budget_usage_mib)
    PEND_T0[$n]=$(now) PEND_FROM[$n]=$2 PEND_TO[$n]=$3
    e2e_guest_setmem "$n" "$3" || e2e_log "oracle: setmem $n $3 MiB failed"
}

# check_pending: record balloon changes that have completed. Uses the live
# value (virsh dommemstat actual): balloon.current of domstats follows
# QEMU's BALLOON_CHANGE events, which QEMU throttles to one a second.
check_pending() {
    local n dt from to act
    for n in "${!PEND_TO[@]}"; do
        act=$(e2e_dommemstat "$n" actual)
        [[ -n $act ]] && ((act / 1024 == PEND_TO[$n])) || continue
        from=${PEND_FROM[$n]} to=${PEND_TO[$n]}
        dt=$(fsub "$(now)" "${PEND_T0[$n]}")
        if ((to < from)); then
            SHRINKS=$((SHRINKS + 1))
            if ((from - to >= 200)); then
                RETURNED+=("$n balloon $from->$to MiB: QEMU RSS ${PEND_RSS[$n]}->$(e2e_qemu_rss_mib "$n") MiB, cgroup ${PEND_CG[$n]}->$(e2e_budget_usage_mib) MiB")
            fi
        else
            GROWS=$((GROWS + 1))
        fi
        e2e_log "oracle: $n balloon $from -> $to MiB done within ${dt}s"
        TARGET[$n]=$to DONE_AT[$n]=$(date +%s)
        unset "PEND_T0[$n]" "PEND_FROM[$n]" "PEND_TO[$n]"
    done
}

# ready NAME: the guest can be decided on: it has stats, no change in
# flight, and its stats were refreshed after its last change completed.
# (Right after a setmem, balloon.usable is still the old value and
# balloon.current lags: QEMU throttles BALLOON_CHANGE events to 1/s.
# Deciding on such data makes the balloon oscillate.)
ready() {
    local n=$1
    [[ $n == "$E2E_PREFIX"sq* && -n ${USABLE[$n]:-} && -z ${PEND_TO[$n]:-} ]] || return 1
    [[ -z ${DONE_AT[$n]:-} ]] || ((${LASTUP[$n]:-0} > DONE_AT[$n]))
}

# growable NAME: ready, or with only a shrink in flight: a pressured guest
# overrides a shrink that has not landed. (A guest whose burst starts while
# its balloon inflates would otherwise wait for an inflation that cannot
# finish: the balloon cannot take memory the workload holds.)
growable() {
    local n=$1
    if [[ -n ${PEND_TO[$n]:-} ]]; then
        [[ -n ${USABLE[$n]:-} ]] && ((PEND_TO[$n] < PEND_FROM[$n]))
        return
    fi
    ready "$n"
}

# oracle_cycle: one decision round over all running guests.
oracle_cycle() {
    local n c u m used floor slack
    read_stats
    track_fall
    check_pending
    slack=$((SQ_BUDGET - SQ_RESERVE - $(e2e_budget_usage_mib)))
    # Grow pressured guests first (urgent), then shrink idle ones.
    for n in "${!USABLE[@]}"; do
        growable "$n" || continue
        c=${TARGET[$n]:-${CUR[$n]}} u=${USABLE[$n]} m=${MAX[$n]}
        [[ -n ${PEND_TO[$n]:-} ]] && c=${CUR[$n]} # where the shrink got to
        if ((u - ${FALL[$n]:-0} * SQ_LOOKAHEAD < SQ_LOW && c < m)); then
            if ((slack <= 0)); then
                e2e_log "oracle: $n pressured (usable $u MiB) but the host has no slack ($slack MiB)"
                continue
            fi
            e2e_log "oracle: $n pressured (usable $u MiB, use growing ${FALL[$n]:-0} MiB/s): grow"
            set_balloon "$n" "$c" $((c + SQ_GROW > m ? m : c + SQ_GROW))
        fi
    done
    for n in "${!USABLE[@]}"; do
        ready "$n" || continue
        c=${TARGET[$n]:-${CUR[$n]}} u=${USABLE[$n]} m=${MAX[$n]}
        ((u - ${FALL[$n]:-0} * SQ_LOOKAHEAD >= SQ_LOW)) || continue
        used=$((c - u))
        floor=$((used + SQ_HEADROOM))
        ((floor < SQ_FLOOR)) && floor=$SQ_FLOOR
        ((floor > m)) && floor=$m
        if ((c - floor >= SQ_HYST)); then
            # In steps: a shrink of touched memory runs at some 25 MiB/s
            # under TCG, and a guest whose turn starts meanwhile must not
            # wait for a long one to land.
            ((c - floor > SQ_SHRINK_STEP)) && floor=$((c - SQ_SHRINK_STEP))
            set_balloon "$n" "$c" "$floor"
        fi
    done
}

# Like ballastd in the other tests, the oracle manages the guests before
# their clock starts: its first decisions (idle guests shrunk) land first.
# Inflating is slow under TCG (some 25 MiB/s here): a shrink still in
# flight at t=0 would race the first burst.
settle_deadline=$((SECONDS + 120))
oracle_cycle
while ((${#PEND_TO[@]} > 0 && SECONDS < settle_deadline)); do
    sleep 0.25
    oracle_cycle
done
((${#PEND_TO[@]} == 0)) || e2e_die "the oracle's first balloon changes did not land within 120 s"
e2e_log "oracle: first decisions landed; balloons $(for n in $(sq_names); do printf '%s=%s ' "${n#"$E2E_PREFIX"}" "${TARGET[$n]:-${CUR[$n]}}"; done)MiB"
sq_start_clock

end=$(sq_end)
last_sample=0
while (($(sq_now) < end)); do
    oracle_cycle
    if ((SECONDS - last_sample >= 3)); then sq_sample; last_sample=$SECONDS; fi
    [[ -z $(sq_killed_guests) ]] || { e2e_log "a QEMU is gone: $(sq_killed_guests | tr '\n' ' ')"; sleep 2; break; }
    sleep 0.25
done
sq_sample
e2e_log "oracle: $SHRINKS shrinks, $GROWS grows completed"

# ------------------------------------------------------------ measurements --
# timed_setmem NAME MiB: set the balloon and time it with 20 ms polls of the
# live value; prints seconds, MiB/s, QEMU RSS and cgroup usage before/after.
timed_setmem() {
    local n=$1 to=$2 from t0 dt act rss0 cg0
    act=$(e2e_dommemstat "$n" actual)
    [[ -n $act ]] || { e2e_log "measure: $n has no balloon value (gone?)"; return 0; }
    from=$((act / 1024))
    rss0=$(e2e_qemu_rss_mib "$n") cg0=$(e2e_budget_usage_mib)
    t0=$(now)
    e2e_guest_setmem "$n" "$to" || { e2e_log "measure: setmem $n $to failed"; return 0; }
    for ((k = 0; k < 500; k++)); do
        act=$(e2e_dommemstat "$n" actual)
        [[ -n $act ]] && ((act / 1024 == to)) && break
        sleep 0.02
    done
    dt=$(fsub "$(now)" "$t0")
    sleep 0.3
    e2e_log "measure: $n balloon $from -> $to MiB in ${dt}s" \
        "(~$(awk -v d="$((from > to ? from - to : to - from))" -v t="$dt" 'BEGIN {printf "%d", d / t}') MiB/s incl. virsh polling);" \
        "QEMU RSS $rss0 -> $(e2e_qemu_rss_mib "$n") MiB, cgroup $cg0 -> $(e2e_budget_usage_mib) MiB"
}
# The last busy guest has just freed its SQ_BUSY MiB (resident on the host):
# inflating its balloon shows speed on touched memory and what comes back.
probe=${E2E_PREFIX}sq$SQ_GUESTS
if e2e_guest_running "$probe" && e2e_guest_wait_log "$probe" 'reached step 4/4' 15; then
    [[ -z ${PEND_TO[$probe]:-} ]] || sleep 1.5
    timed_setmem "$probe" "$SQ_FLOOR" # inflate over memory the guest touched and freed
    timed_setmem "$probe" 1024        # deflate
    timed_setmem "$probe" "$SQ_FLOOR" # inflate over memory the guest did not touch since
fi
sq_report
for r in "${RETURNED[@]}"; do e2e_log "measure: memory returned: $r"; done

# ----------------------------------------------------------------- verdict --
fail=0
killed=$(sq_killed_guests)
[[ -z $killed ]] || { e2e_log "FAIL: QEMU killed: $killed"; fail=1; }
dm=$(e2e_dmesg_memcg_oom_kills | grep -c . || true)
((dm == 0)) || { e2e_log "FAIL: host memcg OOM kills: $dm"; fail=1; }
go=$(sq_guest_ooms_total)
((go == 0)) || { e2e_log "FAIL: guest OOM kills: $go"; fail=1; }
for n in $(sq_names); do
    grep -q "reached step 3/4 target=$SQ_BUSY " <<< "$(e2e_guest_workload_lines "$n")" ||
        { e2e_log "FAIL: $n never held its busy $SQ_BUSY MiB"; fail=1; }
    grep -q "reached step 4/4" <<< "$(e2e_guest_workload_lines "$n")" ||
        { e2e_log "FAIL: $n did not finish its schedule"; fail=1; }
done
((fail == 0)) || e2e_die "the squeeze was not survived with ballooning"
e2e_log "PASS: no QEMU and no guest process OOM-killed; budget $SQ_BUDGET MiB, peak $(e2e_budget_peak_mib) MiB"
