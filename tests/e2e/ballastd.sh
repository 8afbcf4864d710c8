# shellcheck shell=bash
# Running ballastd and ballastctl on the test bed. Source after lib.sh and
# e2e_init. BUILD_DIR (set by meson) holds the binaries.
#
#   bd_start ARGS...   start ballastd on qemu:///system with a control socket
#                      in E2E_RUN_DIR, log in E2E_RUN_DIR/ballastd.log; it is
#                      stopped when the test exits
#   bd_stop            SIGTERM and wait (fails the test if it crashed)
#   bd_ctl ARGS...     ballastctl on that socket
#   bd_json EXPR ARGS  evaluate a Python expression on `ballastctl --json ARGS` as j
#   bd_alive           ballastd's process is still there
#   bd_wait_managed TIMEOUT_S NAME...  wait until ballastd manages every NAME
#   bd_info NAME FIELD one field of `ballastctl --json dominfo NAME`
#   bd_is_status NAME STATUS  NAME's status in ballastd is STATUS

BALLASTD=${BALLASTD:-${BUILD_DIR:?BUILD_DIR must point at the build tree}/daemon/ballastd}
BALLASTCTL=${BALLASTCTL:-$BUILD_DIR/tools/ballastctl}
BD_SOCKET=$E2E_RUN_DIR/ballastd.sock
BD_LOG=$E2E_RUN_DIR/ballastd.log
BD_PID=
: > "$BD_LOG" # one test, one log (a test may start ballastd more than once)

# A failed test shows the end of ballastd's log: in CI the run directory is
# overwritten by the next test, and the log is what says why.
bd_log_on_failure() {
    ((E2E_EXIT_STATUS == 0 || E2E_EXIT_STATUS == 77)) && return 0
    [[ -s $BD_LOG ]] || return 0
    printf -- '--- last 40 lines of %s ---\n' "$BD_LOG" >&2
    tail -n 40 "$BD_LOG" >&2
}
e2e_at_exit 'bd_log_on_failure'

# bd_write_reserve_policy FILE MIB: a policy file that keeps MIB free for
# the host (a reserve above what is available makes a lasting deficit).
bd_write_reserve_policy() {
    cat > "$1" <<XML
<policy xmlns="urn:ballast:policy:1">
  <host><reserve unit="MiB">$2</reserve></host>
</policy>
XML
}

bd_start() {
    [[ -x $BALLASTD ]] || e2e_die "no ballastd at $BALLASTD (build first)"
    rm -f "$BD_SOCKET"
    "$BALLASTD" --connect "$E2E_URI" --socket "$BD_SOCKET" "$@" >>"$BD_LOG" 2>&1 &
    BD_PID=$!
    e2e_at_exit 'bd_kill'
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -S $BD_SOCKET ]] && return 0
        kill -0 "$BD_PID" 2>/dev/null || e2e_die "ballastd exited at start: $(tail -n 5 "$BD_LOG")"
        sleep 0.1
    done
    e2e_die "ballastd did not open its socket: $(tail -n 5 "$BD_LOG")"
}

bd_kill() { [[ -n $BD_PID ]] && kill "$BD_PID" 2>/dev/null; BD_PID=; return 0; }

bd_alive() { [[ -n $BD_PID ]] && kill -0 "$BD_PID" 2>/dev/null; }

bd_stop() {
    [[ -n $BD_PID ]] || return 0
    bd_alive || e2e_die "ballastd died during the test: $(tail -n 20 "$BD_LOG")"
    kill -TERM "$BD_PID"
    local status=0
    wait "$BD_PID" || status=$?
    BD_PID=
    ((status == 0)) || e2e_die "ballastd exited with status $status on SIGTERM"
}

bd_ctl() { "$BALLASTCTL" -s "$BD_SOCKET" "$@"; }

bd_json() {
    local expr=$1; shift
    bd_ctl --json "$@" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$expr"
}

# bd_guest_field NAME FIELD: one field of a guest in `list`.
bd_guest_field() {
    bd_json "next((d['$2'] for d in j['domains'] if d['name'] == '$1'), None)" list --all
}

# bd_info NAME FIELD: one field of NAME's `dominfo` (Python's None when null).
bd_info() { bd_json "j[\"$2\"]" dominfo "$1" 2>/dev/null; }

# bd_is_status NAME STATUS: ballastd regards NAME as STATUS now.
bd_is_status() { [[ $(bd_info "$1" status) == "$2" ]]; }

# bd_changes NAME: how many balloon changes ballastd applied to NAME.
bd_changes() { grep -cE "^ballastd-Message: [0-9:.]*: $1: balloon [0-9.]+ [KMGT]iB -> " "$BD_LOG" || true; }

# bd_wait_managed TIMEOUT_S NAME...: wait until `ballastctl list` shows every
# NAME managed (its balloon stats flow and ballastd may move it). Tests start
# a workload's clock only then, as an operator's guests start under a
# ballastd that runs all the time. Fails on timeout with each one's status.
bd_wait_managed() {
    local timeout=$1 deadline statuses
    shift
    deadline=$((SECONDS + timeout))
    while :; do
        bd_alive || e2e_die "ballastd died: $(tail -n 20 "$BD_LOG")"
        statuses=$(bd_ctl --json list --all 2>/dev/null | python3 -c 'import json, sys
want = sys.argv[1:]
got = {d["name"]: (d["status"], d.get("status_reason")) for d in json.load(sys.stdin)["domains"]}
print(" ".join("%s=%s%s" % (n, got.get(n, ("absent", None))[0],
                            "(%s)" % got[n][1] if n in got and got[n][1] else "") for n in want))
sys.exit(0 if all(got.get(n, ("",))[0] == "managed" for n in want) else 1)' "$@") && break
        ((SECONDS < deadline)) || e2e_die "ballastd does not manage every guest after ${timeout}s: ${statuses:-no answer}"
        sleep 0.5
    done
    e2e_log "ballastd manages $*"
}
