# shellcheck shell=bash
# The "squeeze" scenario, shared by test-baseline-squeeze.sh,
# test-manual-balloon.sh and later tests that run ballastd on it.
# Source after lib.sh and e2e_init.
#
# SQ_GUESTS guests of SQ_MEM MiB each run under a cgroup budget of SQ_BUDGET
# MiB (far less than SQ_GUESTS * SQ_MEM). All guests share one timeline
# (ballast.epoch), started by sq_start_clock once every guest is up (and,
# in a test with ballastd, managed): t = 0 is SQ_LEAD s later. So no test
# depends on how long libvirt takes to start a guest; SQ_START_DELAY=S
# waits S s between two starts to prove it.
#
#   every guest   t=0        burst to SQ_BURST MiB (touched), then
#                 t=SQ_IDLE_AT  drop to SQ_IDLE MiB (the guest frees it; the
#                            host keeps it resident: only a balloon gives
#                            it back)
#   guest i       t=T_i      busy: grow to SQ_BUSY MiB, hold it SQ_TURN s,
#   (1-based)                then back to SQ_IDLE.  T_i = SQ_FIRST + (i-1)*SQ_SPACING
#
# One guest is busy at a time. Without a balloon manager the host keeps
# every guest's high-water mark resident, the sum passes the budget and the
# cgroup OOM-kills a QEMU. With a manager that shrinks idle guests and grows
# the busy one, everything fits.
#
# Functions: sq_start [EXTRA e2e_guest_xml OPTIONS], sq_start_clock,
# sq_names, sq_now, sq_end, sq_sample, sq_killed_guests,
# sq_guest_ooms_total, sq_cgroup_oom_kills, sq_report.

SQ_GUESTS=${SQ_GUESTS:-4}
SQ_MEM=${SQ_MEM:-1024}
SQ_BUDGET=${SQ_BUDGET:-2560}
SQ_BURST=${SQ_BURST:-300}
SQ_IDLE=${SQ_IDLE:-40}
SQ_IDLE_AT=${SQ_IDLE_AT:-8}
SQ_BUSY=${SQ_BUSY:-750}
SQ_FIRST=${SQ_FIRST:-15}
SQ_TURN=${SQ_TURN:-15}
SQ_SPACING=${SQ_SPACING:-20}
SQ_RATE=${SQ_RATE:-100}
SQ_LEAD=${SQ_LEAD:-3}
SQ_START_DELAY=${SQ_START_DELAY:-0}
SQ_BOOT_TIMEOUT=${SQ_BOOT_TIMEOUT:-180}
SQ_EPOCH=

# sq_names: the guests' names.
sq_names() { local i; for ((i = 1; i <= SQ_GUESTS; i++)); do echo "${E2E_PREFIX}sq$i"; done; }
# sq_turn_start I: t of guest I's busy turn.
sq_turn_start() { echo $((SQ_FIRST + ($1 - 1) * SQ_SPACING)); }
# sq_schedule I: guest I's ballast.schedule.
sq_schedule() {
    local t
    t=$(sq_turn_start "$1")
    echo "0:$SQ_BURST,$SQ_IDLE_AT:$SQ_IDLE,$t:$SQ_BUSY,$((t + SQ_TURN)):$SQ_IDLE"
}
# sq_now: seconds on the shared timeline (negative before t=0).
sq_now() { echo $(($(date +%s) - SQ_EPOCH)); }
# sq_end: t at which the last busy turn is over.
sq_end() { echo $(($(sq_turn_start "$SQ_GUESTS") + SQ_TURN)); }

# sq_start [OPTIONS...]: set the budget, define and start the guests
# (OPTIONS go to e2e_guest_xml, e.g. --stats-period 1). Their workloads hold
# nothing until sq_start_clock.
sq_start() {
    local i n
    e2e_log "host swap: $(e2e_host_swap_mib) MiB; cgroup $(e2e_cgroup_kind) $(e2e_cgroup_machine_dir)"
    e2e_log "squeeze: $SQ_GUESTS guests x $SQ_MEM MiB under a $SQ_BUDGET MiB budget;" \
        "burst $SQ_BURST MiB, idle $SQ_IDLE MiB, busy $SQ_BUSY MiB for ${SQ_TURN}s each," \
        "turns every ${SQ_SPACING}s from t=$SQ_FIRST, ramp $SQ_RATE MiB/s"
    e2e_cgroup_prepare_pressure
    e2e_budget_set "$SQ_BUDGET"
    e2e_budget_reset_peak
    e2e_dmesg_mark
    SQ_OOM_KILLS_BEFORE=$(e2e_cgroup_oom_kills)
    for ((i = 1; i <= SQ_GUESTS; i++)); do
        n=${E2E_PREFIX}sq$i
        if ((i > 1 && SQ_START_DELAY > 0)); then
            e2e_log "waiting ${SQ_START_DELAY}s before the next start (SQ_START_DELAY)"
            sleep "$SQ_START_DELAY"
        fi
        e2e_guest_create "$n" --memory "$SQ_MEM" --schedule "$(sq_schedule "$i")" \
            --rate "$SQ_RATE" --epoch wait "$@"
        e2e_log "started $n: schedule $(sq_schedule "$i")"
    done
}

# sq_start_clock: wait until every guest's workload waits for its epoch
# (SQ_BOOT_TIMEOUT s), then start the shared timeline: t = 0 SQ_LEAD s from
# now. A test with ballastd calls bd_wait_managed first.
sq_start_clock() {
    # shellcheck disable=SC2046
    e2e_guests_wait_clock_port "$SQ_BOOT_TIMEOUT" $(sq_names)
    SQ_EPOCH=$(($(date +%s) + SQ_LEAD))
    # shellcheck disable=SC2046
    e2e_guests_start_clock "$SQ_EPOCH" $(sq_names)
}

# sq_sample: one line: t, cgroup usage, each guest's QEMU RSS / balloon.
sq_sample() {
    local n line act
    line="t=$(sq_now) cg=$(e2e_budget_usage_mib)/$SQ_BUDGET MiB failcnt=$(e2e_cgroup_failcnt)"
    for n in $(sq_names); do
        if e2e_guest_running "$n"; then
            act=$(e2e_dommemstat "$n" actual)
            line+=" | ${n#"$E2E_PREFIX"} rss=$(e2e_qemu_rss_mib "$n") bal=$((${act:-0} / 1024))"
        else
            line+=" | ${n#"$E2E_PREFIX"} $(e2e_guest_state "$n")"
        fi
    done
    e2e_log "$line"
}

# sq_killed_guests: names of guests whose QEMU is gone (not running).
sq_killed_guests() {
    local n
    for n in $(sq_names); do e2e_guest_running "$n" || echo "$n"; done
}

# sq_guest_ooms_total: guest-kernel OOM kills over all guests.
sq_guest_ooms_total() {
    local n sum=0
    for n in $(sq_names); do sum=$((sum + $(e2e_guest_oom_kills "$n"))); done
    echo "$sum"
}

# sq_cgroup_oom_kills: cgroup OOM kills since sq_start.
sq_cgroup_oom_kills() { echo $(($(e2e_cgroup_oom_kills) - ${SQ_OOM_KILLS_BEFORE:-0})); }

# sq_report: the numbers at the end.
sq_report() {
    local n
    e2e_log "---- squeeze report ----"
    e2e_log "budget $SQ_BUDGET MiB, peak cgroup usage $(e2e_budget_peak_mib) MiB, failcnt $(e2e_cgroup_failcnt), cgroup oom_kill +$(sq_cgroup_oom_kills)"
    for n in $(sq_names); do
        e2e_log "$n: $(e2e_guest_state "$n"), guest OOM kills $(e2e_guest_oom_kills "$n"), last: $(e2e_guest_workload_lines "$n" | tail -n1)"
    done
    e2e_dmesg_memcg_oom_kills | sed 's/^/    host dmesg: /' >&2
}
