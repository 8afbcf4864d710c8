#!/usr/bin/env bash
# The control socket under load (issue 16), on a dry-run ballastd on
# libvirt's test driver, with the clients of tests/integration/control-load.py:
#  - 50 clients at once, 20 status requests each, one connection per
#    request as ballastctl makes them: every one answered;
#  - a non-root user (nobody) keeping 1500 connection attempts going:
#    root's status answered within 1 s every time, the flood turned away
#    at the per-uid limit and counted;
#  - a client sending one byte a second is dropped at
#    socket-request-timeout, with a line saying why; one that says nothing
#    at socket-idle-timeout; both counted by reason;
#  - ballastctl tries a connect refused by a full accept queue again, and
#    says the daemon is busy when it stays full;
#  - afterwards the daemon holds as many file descriptors as before, and
#    its cycle ran on time throughout.
# The figures are printed as TAP comments (bench/RESULTS.md quotes them).
source "$(dirname "$0")/lib.sh"
LOAD="$(cd "$(dirname "$0")" && pwd)/control-load.py"

[ "$(id -u)" = 0 ] || skip "needs root to become nobody (uid 65534) for the flood; CI runs as root"
command -v python3 >/dev/null || skip "python3 is not installed"
# nobody must reach the socket in our private directory.
chmod 0755 "${WORK}"

load() { python3 "${LOAD}" "$@" --socket "${SOCKET}"; }
fds() { ls "/proc/${DAEMON_PID}/fd" | wc -l; }
now_usec() { date +%s%6N; }
figure() { echo "# $*"; }
# fields JSON EXPR...: each expression's value on "j", on one line (one
# python start instead of one per value: they are slow on a loaded host).
fields() {
    local json="$1"; shift
    python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(" ".join(str(eval(e)) for e in sys.argv[2:]))' "${json}" "$@"
}

fake_host 16777216 8388608
INTERVAL_MS=200
start_ballastd --connect test:///default --dry-run --interval 0.2 --record "${WORK}/trace" \
    --socket-idle-timeout 3 --socket-request-timeout 4
check "daemon up" wait_for 10 ctl status
baseline_fds="$(fds)"
figure "file descriptors at start: ${baseline_fds}"

cycles_between() { # SINCE_USEC UNTIL_USEC: checks the cycle kept its pace
    local what="$1" result cycles max_gap expected
    result="$(python3 "${LOAD}" cycles --trace "${WORK}/trace" --since "$2" --until "$3")"
    read -r cycles max_gap expected < <(fields "${result}" 'j["cycles"]' 'j["max_gap_ms"]' \
        "int(j['window_s'] * 1000 / ${INTERVAL_MS})")
    figure "cycles during ${what}: ${cycles} of ${expected} due, largest gap ${max_gap} ms (interval ${INTERVAL_MS} ms)"
    # Bounds for a loaded CI machine: a cycle blocked by the socket would
    # miss many more, and leave a gap of seconds.
    check "${what}: the cycle kept its pace (${cycles} of ${expected})" test $((cycles * 10)) -ge $((expected * 6))
    check "${what}: no cycle waited a second (${max_gap} ms)" test "${max_gap%.*}" -lt 1000
}

# ---- A burst of well-behaved clients ----
t0="$(now_usec)"
burst="$(load burst --clients 50 --requests 20)"
t1="$(now_usec)"
figure "burst: ${burst}"
check "burst: 1000 of 1000 answered" test "$(json_get "${burst}" 'j["answered"]')" = 1000
cycles_between "the burst" "${t0}" "${t1}"

# ---- nobody keeps 1500 connection attempts going ----
t0="$(now_usec)"
flood="$(load flood --uid 65534 --attempts 1500 --seconds 6 --pid "${DAEMON_PID}")"
t1="$(now_usec)"
figure "flood: ${flood}"
read -r root_requests root_answered root_max_ms turned_away daemon_fds_max < <(fields "${flood}" \
    'j["root_requests"]' 'j["root_answered"]' 'j["root_max_ms"]' \
    'j["flood"]["error_lines"].get("too-many-connections", 0)' 'j["daemon_fds_max"]')
check "flood: root asked ${root_requests} times" test "${root_requests}" -ge 10
check "flood: root answered every time (${root_answered})" test "${root_answered}" = "${root_requests}"
check "flood: root answered within 1 s (${root_max_ms} ms at worst)" test "${root_max_ms%.*}" -lt 1000
check "flood: nobody was turned away with a reason (${turned_away} times)" test "${turned_away}" -gt 0
# 16 for nobody (socket-max-per-uid), 1 for root's request, and the
# one being turned away.
check "flood: the daemon held at most 18 descriptors more (${daemon_fds_max})" \
    test "${daemon_fds_max}" -le $((baseline_fds + 18))
cycles_between "the flood" "${t0}" "${t1}"
check "log: the flood said once" test "$(grep -c 'uid 65534 holds 16 connections' "${WORK}/ballastd.log")" = 1

# ---- Slow and silent clients ----
slow="$(load slow --seconds 12)"
figure "slow client (socket-request-timeout 4 s): ${slow}"
read -r slow_in_time slow_said < <(fields "${slow}" 'int(3.5 <= (j["closed_after_s"] or 0) <= 6)' 'j["said"]')
check "slow: dropped at the request timeout" test "${slow_in_time}" = 1
check "slow: told why" grep -q '"code":"request-timeout"' <<<"${slow_said}"
idle="$(load idle --seconds 8)"
figure "silent client (socket-idle-timeout 3 s): ${idle}"
check "idle: dropped at the idle timeout" \
    test "$(fields "${idle}" 'int(2.5 <= (j["closed_after_s"] or 0) <= 5)')" = 1

# ---- ballastctl and a full accept queue ----
kill -STOP "${DAEMON_PID}"
coproc FILL { load fill --uid 65534 --seconds 30; }
read -r -t 30 filled <&"${FILL[0]}" || filled=""
figure "accept queue ${filled} while ballastd is stopped"
check "the accept queue is full" grep -q '^filled [0-9]' <<<"${filled}"
start=${SECONDS}
busy_status=0
ctl status > "${WORK}/busy.out" 2> "${WORK}/busy.err" || busy_status=$?
figure "ballastctl against a full queue: exit ${busy_status} after $((SECONDS - start)) s: $(cat "${WORK}/busy.err")"
check "ballastctl: busy (exit 6) when the queue stays full" test "${busy_status}" = 6
check "ballastctl: says why" grep -q "is busy: its queue of new connections stayed full for 3 s (.*unavailable" "${WORK}/busy.err"
ctl status > "${WORK}/retried.out" 2>&1 &
ctl_pid=$!
sleep 1
kill -CONT "${DAEMON_PID}"
retried_status=0
wait "${ctl_pid}" || retried_status=$?
check "ballastctl: answered once the daemon drains its queue (exit ${retried_status})" test "${retried_status}" = 0
fill_pid="${FILL_PID}"
eval "exec ${FILL[1]}>&-"
wait "${fill_pid}" 2>/dev/null || true

# ---- Afterwards ----
fds_back() { test "$(fds)" = "${baseline_fds}"; }
check "file descriptors back to ${baseline_fds}" wait_for 10 fds_back
figure "file descriptors at the end: $(fds)"
metrics="$(ctl metrics)"
grep '^ballast_control_clients_dropped_total' <<<"${metrics}" | sed 's/^/# /'
dropped() { sed -n "s/^ballast_control_clients_dropped_total{reason=\"$1\"} //p" <<<"${metrics}"; }
check "metrics: uid-limit counted" test "$(dropped uid-limit)" -gt 0
check "metrics: partial counted" test "$(dropped partial)" -ge 1
check "metrics: idle counted" test "$(dropped idle)" -ge 1
check "daemon still running" kill -0 "${DAEMON_PID}"
finish
