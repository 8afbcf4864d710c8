#!/usr/bin/env bash
# The operator's other views: `ballastctl top` (plain frames for scripts,
# full screen on a terminal, q to quit), `ballastctl metrics` and the
# node-exporter textfile ballastd writes after each cycle.
source "$(dirname "$0")/lib.sh"
PROM_VALIDATE="${BUILD_DIR}/tests/integration/prom-validate"

fake_host 16777216 8388608
start_ballastd --connect test:///default --dry-run --interval 0.2 \
    --metrics-textfile "${WORK}/ballast.prom"
connected() { test "$(json_get "$(ctl --json status)" 'j["connection"]["state"]')" = connected; }
check "connected" wait_for 10 connected

# ------------------------------------------------------------------ top --
start=${SECONDS}
set +e; out="$(ctl top --iterations 2 --delay 1)"; status=$?; set -e
check "top --iterations 2: exit 0" test "${status}" -eq 0
check "top: two frames" test "$(grep -c '^ballastctl top - ' <<<"${out}")" -eq 2
check "top: host totals in each" test "$(grep -Ec '^Budget: 16.0 GiB \(meminfo\) +Available: 8.0 GiB +Reserve: 1.6 GiB +Slack: ' <<<"${out}")" -eq 2
check "top: overcommit and mode" grep -Eq '^Overcommit: [0-9]+\.[0-9]{2} \(mode auto' <<<"${out}"
check "top: the connection" grep -q 'dry-run - test:///default (connected)' <<<"${out}"
check "top: the guest table" test "$(grep -Ec '^ test +running +8.0 GiB' <<<"${out}")" -eq 2
check "top: no escape sequences when not on a terminal" test "$(grep -c $'\e' <<<"${out}")" -eq 0
check "top: waits the delay between frames" test $((SECONDS - start)) -ge 1
set +e; out="$(ctl --json top --iterations 2 --delay 0.2)"; status=$?; set -e
check "top --json: one object a frame" test "$(wc -l <<<"${out}")" -eq 2
check "top --json: status and list" test "$(json_get "$(head -n 1 <<<"${out}")" 'j["list"]["domains"][0]["name"] + " " + j["status"]["mode"]')" = "test dry-run"
for bad in "--delay 0" "--delay soon" "--iterations 0" "--iterations x" "--bogus"; do
    set +e; ctl top ${bad} >/dev/null 2>&1; status=$?; set -e
    check "top ${bad}: usage error (2)" test "${status}" -eq 2
done
set +e; "${BALLASTCTL}" -s "${WORK}/nowhere.sock" top --iterations 1 >/dev/null 2>&1; status=$?; set -e
check "top without ballastd: exit 3" test "${status}" -eq 3

# On a terminal: full screen, redrawn in place, q quits and restores it.
if command -v tmux >/dev/null; then
    tm() { tmux -S "${WORK}/tmux.sock" "$@"; }
    trap 'tm kill-server 2>/dev/null || true; cleanup' EXIT
    tm new-session -d -x 150 -y 30 -s top \
        "'${BALLASTCTL}' -s '${SOCKET}' top --delay 0.3; echo TOP-EXITED \$?; stty -a; sleep 120"
    screen() { tm capture-pane -p -t top; }
    frame_shown() { screen | grep -q '^ballastctl top - '; }
    check "top on a terminal: a frame" wait_for 10 frame_shown
    first="$(screen | head -n 1)"
    sleep 1.2
    check "top on a terminal: drawn in place, not scrolled" test "$(screen | grep -c '^ballastctl top - ')" -eq 1
    check "top on a terminal: refreshed" test "$(screen | head -n 1)" != "${first}" -o "${first}" = ""
    tm send-keys -t top q
    exited() { screen | grep -q '^TOP-EXITED 0$'; }
    check "top on a terminal: q quits" wait_for 5 exited
    check "top on a terminal: echo and line mode restored" bash -c 'grep -Eq "(^| )icanon( |$)" <<<"$1" && grep -Eq "(^| )echo( |$)" <<<"$1"' _ "$(screen)"
else
    echo "# tmux is not installed: top on a terminal not tested"
fi

# -------------------------------------------------------------- metrics --
set +e; metrics="$(ctl metrics)"; status=$?; set -e
check "metrics: exit 0" test "${status}" -eq 0
check "metrics: valid Prometheus text" "${PROM_VALIDATE}" <<<"${metrics}"
check "metrics: per-guest gauges in bytes" grep -qx 'ballast_guest_max_bytes{domain="test"} 8589934592' <<<"${metrics}"
check "metrics: host budget in bytes" grep -qx 'ballast_host_budget_total_bytes 17179869184' <<<"${metrics}"
check "metrics: the daemon's counters" grep -Eqx 'ballast_control_requests_total [1-9][0-9]*' <<<"${metrics}"
check "metrics --json: the text in a field" test "$(json_get "$(ctl --json metrics)" 'j["text"].startswith("# HELP ballast_")')" = True
check "the validator does reject bad text" bash -c '! printf "ballast_x 1\n" | "$1" 2>/dev/null' _ "${PROM_VALIDATE}"

# The textfile: there, whole, valid, rewritten each cycle, no temporary left.
check "textfile written" wait_for 5 test -s "${WORK}/ballast.prom"
check "textfile valid" "${PROM_VALIDATE}" < "${WORK}/ballast.prom"
cycles_in_file() { sed -n 's/^ballast_cycles_total //p' "${1:-${WORK}/ballast.prom}"; }
# A second name for the file as it is now: rewritten in place, it would
# change too; replaced by a rename (what a reader must see), it keeps the
# old text. Its count is read through that name: read before the link, a
# cycle in between could have renamed a newer file into place.
ln "${WORK}/ballast.prom" "${WORK}/old.prom"
before="$(cycles_in_file "${WORK}/old.prom")"
advanced() { test "$(cycles_in_file)" -gt "${before}"; }
check "textfile rewritten by later cycles" wait_for 5 advanced
check "textfile replaced by a rename, never rewritten in place" \
    grep -qx "ballast_cycles_total ${before}" "${WORK}/old.prom"
check "no temporary file left" test ! -e "${WORK}/ballast.prom.tmp"

# A textfile that cannot be written is a warning, not a reason to stop.
kill -TERM "${DAEMON_PID}"; wait "${DAEMON_PID}" || true; DAEMON_PID=""
start_ballastd --connect test:///default --dry-run --interval 0.2 \
    --metrics-textfile "${WORK}/no-such-dir/ballast.prom"
check "unwritable textfile: still running" wait_for 10 connected
sleep 0.5
check "unwritable textfile: said once" test "$(grep -c 'cannot write' "${WORK}/ballastd.log")" -eq 1
check "unwritable textfile: daemon alive" kill -0 "${DAEMON_PID}"
finish
