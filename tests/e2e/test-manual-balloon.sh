#!/bin/bash
# Feasibility: the same squeeze as test-baseline-squeeze.sh, but with a
# simple balloon "oracle" written in bash: every cycle it reads the balloon
# stats of all guests (`virsh domstats --balloon`, stats period 1 s) and
#   - grows a guest whose usable memory is under SQ_LOW MiB (to its max, as
#     far as the budget allows), with `virsh setmem --live`,
#   - shrinks every other guest to used + SQ_HEADROOM MiB (at least
#     SQ_FLOOR), when that frees more than SQ_HYST MiB.
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

SQ_LOW=${SQ_LOW:-192}           # usable below this: guest is pressured, grow it
SQ_HEADROOM=${SQ_HEADROOM:-192} # idle guests keep used + this
SQ_FLOOR=${SQ_FLOOR:-256}       # never shrink below
SQ_HYST=${SQ_HYST:-64}          # ignore smaller shrinks
SQ_OVERHEAD=${SQ_OVERHEAD:-100} # host memory per guest besides its RAM (measured below)
SQ_RESERVE=${SQ_RESERVE:-64}    # keep this much of the budget free
STATS_PERIOD=1

declare -A START_T=() BOOT_S=() STATS_S=() FRESH_S=() FIRST_UPDATE=()
INFLATE=() DEFLATE=() RETURNED=()

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
    kup=$(grep -ao 'ballast-init: kernel .* up [0-9.]*s' "$(e2e_guest_log "$n")" | sed 's/.* up //')
    e2e_log "measure: $n boot (virsh start -> workload start) ${BOOT_S[$n]} s (guest kernel reached /init at uptime $kup);" \
        "balloon stats present ${STATS_S[$n]} s, first periodic update ${FRESH_S[$n]} s after start"
done

# ------------------------------------------- QEMU overhead while idle --
if (($(sq_now) < -1)); then
    for n in $(sq_names); do
        rss=$(e2e_qemu_rss_mib "$n"); ram=$(e2e_qemu_ram_rss_mib "$n")
        act=$(e2e_dommemstat "$n" actual); unused=$(e2e_dommemstat "$n" unused)
        used=$(((act - unused) / 1024))
        e2e_log "measure: $n idle: QEMU RSS $rss MiB = guest RAM resident $ram + QEMU own $((rss - ram)) MiB;" \
            "guest-used (actual-unused) $used MiB, RSS - guest-used = $((rss - used)) MiB"
    done
else
    e2e_log "measure: (boot took too long to sample idle overhead before t=0)"
fi

# ----------------------------------------------------------- the oracle --
# set_balloon NAME FROM TO: setmem and wait (max 5 s) until the balloon got
# there; records the speed.
set_balloon() {
    local n=$1 from=$2 to=$3 t0 t1 a rss0 cg0 dt
    rss0=$(e2e_qemu_rss_mib "$n"); cg0=$(e2e_budget_usage_mib)
    t0=$(now)
    e2e_guest_setmem "$n" "$to" || { e2e_log "setmem $n $to failed"; return 0; }
    for ((k = 0; k < 100; k++)); do
        a=$(e2e_dommemstat "$n" actual)
        [[ -n $a ]] && ((a / 1024 == to)) && break
        sleep 0.05
    done
    t1=$(now)
    dt=$(fsub "$t1" "$t0")
    if [[ -n $a ]] && ((a / 1024 == to)); then
        local rate
        rate=$(awk -v d="$((from > to ? from - to : to - from))" -v t="$dt" 'BEGIN {printf "%d", d / (t > 0 ? t : 0.01)}')
        if ((to < from)); then
            INFLATE+=("$rate")
            sleep 0.3
            RETURNED+=("$n: $from->$to MiB: QEMU RSS $rss0->$(e2e_qemu_rss_mib "$n") MiB, cgroup $cg0->$(e2e_budget_usage_mib) MiB")
        else
            DEFLATE+=("$rate")
        fi
        e2e_log "oracle: $n balloon $from -> $to MiB in ${dt}s (~$rate MiB/s)"
    else
        e2e_log "oracle: $n balloon $from -> $to MiB: only at $((${a:-0} / 1024)) MiB after ${dt}s"
    fi
}

# oracle_cycle: one decision round over all running guests.
oracle_cycle() {
    local -A cur=() max=() usable=() want=()
    local n key val total=0 shrink=() grow=()
    while IFS='=' read -r key val; do
        case $key in
            "Domain: "*) n=${key#Domain: }; n=${n//\'/} ;;
            *balloon.current) cur[$n]=$((val / 1024)) ;;
            *balloon.maximum) max[$n]=$((val / 1024)) ;;
            *balloon.usable) usable[$n]=$((val / 1024)) ;;
        esac
    done < <(e2e_virsh domstats --balloon --list-running 2>/dev/null | sed 's/^ *//')
    for n in "${!cur[@]}"; do
        [[ $n == "$E2E_PREFIX"sq* && -n ${usable[$n]:-} ]] || continue
        local c=${cur[$n]} u=${usable[$n]} m=${max[$n]} w
        if ((u < SQ_LOW)); then
            w=$m
        else
            w=$((c - u + SQ_HEADROOM))
            ((w < SQ_FLOOR)) && w=$SQ_FLOOR
            ((w > m)) && w=$m
            ((c - w < SQ_HYST && w < c)) && w=$c
        fi
        want[$n]=$w
        if ((w < c)); then shrink+=("$n"); elif ((w > c)); then grow+=("$n"); fi
    done
    for n in "${!want[@]}"; do total=$((total + want[$n] + SQ_OVERHEAD)); done
    for n in "${shrink[@]}"; do set_balloon "$n" "${cur[$n]}" "${want[$n]}"; done
    for n in "${grow[@]}"; do
        local over=$((total - (SQ_BUDGET - SQ_RESERVE))) w=${want[$n]}
        if ((over > 0)); then
            w=$((w - over))
            ((w > cur[$n])) || { e2e_log "oracle: $n pressured (usable ${usable[$n]} MiB) but no budget left"; continue; }
            total=$((total - over))
        fi
        e2e_log "oracle: $n pressured/needs more (usable ${usable[$n]} MiB)"
        set_balloon "$n" "${cur[$n]}" "$w"
    done
}

end=$(($(sq_end) + 5))
last_sample=0
while (($(sq_now) < end)); do
    oracle_cycle
    if ((SECONDS - last_sample >= 3)); then sq_sample; last_sample=$SECONDS; fi
    [[ -z $(sq_killed_guests) ]] || { e2e_log "a QEMU is gone: $(sq_killed_guests | tr '\n' ' ')"; sleep 2; break; }
    sleep 0.5
done
sq_sample
sq_report

# ------------------------------------------------------------ measurements --
stats() { # min/avg/max of the arguments
    printf '%s\n' "$@" | awk 'NR == 1 {mn = mx = $1} {s += $1; if ($1 < mn) mn = $1; if ($1 > mx) mx = $1}
        END {if (NR) printf "min %d / avg %d / max %d MiB/s over %d changes", mn, s / NR, mx, NR; else print "none"}'
}
e2e_log "measure: balloon inflate (shrink guest) $(stats "${INFLATE[@]}") (incl. ~50 ms virsh polling)"
e2e_log "measure: balloon deflate (grow guest)   $(stats "${DEFLATE[@]}")"
for r in "${RETURNED[@]:0:4}"; do e2e_log "measure: memory returned: $r"; done

# ----------------------------------------------------------------- verdict --
fail=0
killed=$(sq_killed_guests)
[[ -z $killed ]] || { e2e_log "FAIL: QEMU killed: $killed"; fail=1; }
dm=$(e2e_dmesg_memcg_oom_kills | grep -c . || true)
((dm == 0)) || { e2e_log "FAIL: host memcg OOM kills: $dm"; fail=1; }
go=$(sq_guest_ooms_total)
((go == 0)) || { e2e_log "FAIL: guest OOM kills: $go"; fail=1; }
for n in $(sq_names); do
    e2e_guest_workload_lines "$n" | grep -q "reached step 3/4 target=$SQ_BUSY " ||
        { e2e_log "FAIL: $n never held its busy $SQ_BUSY MiB"; fail=1; }
    e2e_guest_workload_lines "$n" | grep -q "reached step 4/4" ||
        { e2e_log "FAIL: $n did not finish its schedule"; fail=1; }
done
((fail == 0)) || e2e_die "the squeeze was not survived with ballooning"
e2e_log "PASS: no QEMU and no guest process OOM-killed; budget $SQ_BUDGET MiB, peak $(e2e_budget_peak_mib) MiB"
