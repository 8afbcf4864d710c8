#!/usr/bin/env bash
# `ballastd --record FILE`: one trace line per cycle with what the policy
# saw and decided, which ballast-sim replays (its "recorded" policy must
# reproduce the daemon's own decisions).
source "$(dirname "$0")/lib.sh"
BALLAST_SIM="${BUILD_DIR}/tools/ballast-sim"
TRACE="${WORK}/cycles.trace"

fake_host 16777216 1048576
start_ballastd --connect test:///default --interval 0.2 --overcommit=on --reserve 2G --record "${TRACE}"
check "shrinks journaled" wait_for 10 bash -c "'${BALLASTCTL}' -s '${SOCKET}' domhistory test | grep -q shrink"
cycles_now() { json_get "$(ctl --json status)" 'j["cycles"]["completed"]'; }
enough_cycles() { test "$(cycles_now)" -ge 5; }
check "five cycles" wait_for 10 enough_cycles
kill -TERM "${DAEMON_PID}"; wait "${DAEMON_PID}" || true; DAEMON_PID=""

lines=$(wc -l < "${TRACE}")
check "a line per cycle (${lines})" test "${lines}" -ge 5
check "every line is a version-1 record" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    record = json.loads(line)
    assert record["version"] == 1 and record["host"]["budget_total_kib"] == 16777216, record
    assert record["guests"][0]["name"] == "test" and "decision" in record["guests"][0], record
' "${TRACE}"
check "the first cycle shrank the guest" python3 -c '
import json, sys
first = json.loads(open(sys.argv[1]).readline())["guests"][0]
assert first["decision"]["reason"] == "shrink-deficit", first
assert first["decision"]["target_kib"] < first["current_kib"], first
' "${TRACE}"
replay="$("${BALLAST_SIM}" "${TRACE}" 2>&1)"
check "ballast-sim replays it" grep -q "replay of ${lines} recorded cycles" <<<"${replay}"
check "the recorded policy is listed" grep -qE '^ +recorded ' <<<"${replay}"

# A trace file that cannot be opened stops ballastd at start, clearly.
set +e; msg="$("${BALLASTD}" --once --connect test:///default --record /nonexistent/dir/t 2>&1)"; status=$?; set -e
check "unwritable trace: refused" test "${status}" -eq 1
check "unwritable trace: says why" grep -q "cannot open the trace file /nonexistent/dir/t" <<<"${msg}"
finish
