#!/usr/bin/env bash
# ballastd and ballastctl as a user runs them: options, tables, JSON,
# errors and exit statuses, against libvirt's in-process test driver.
source "$(dirname "$0")/lib.sh"

# --once --dry-run prints the host summary and each domain's decision.
out="$("${BALLASTD}" --connect test:///default --dry-run --once 2>/dev/null)"
check "--once prints the status block" grep -q '^Budget:' <<<"${out}"
check "--once prints the table header" grep -q 'Name .*Current .*Target .*Reason' <<<"${out}"
check "--once prints the test domain with a reason" grep -Eq '^ test +running .*(grow|hold|shrink)' <<<"${out}"
check "--once says dry-run" grep -q '^Daemon: *dry-run' <<<"${out}"

# Bad options: a clear message and exit status 2, never a crash.
for bad in "--interval=abc" "--reserve=lots" "--overcommit=maybe" "--stats-period=0" \
           "--budget=swap" "--nonsense" "extra-argument"; do
    set +e; msg="$("${BALLASTD}" --once ${bad} 2>&1)"; status=$?; set -e
    check "ballastd ${bad}: exit 2" test "${status}" -eq 2
    check "ballastd ${bad}: one-line reason" test "$(wc -l <<<"${msg}")" -le 2
done
printf '[ballastd]\nreserve = 1G\nintervall = 5\n' > "${WORK}/bad.conf"
set +e; msg="$("${BALLASTD}" --once -f "${WORK}/bad.conf" 2>&1)"; status=$?; set -e
check "bad config file: exit 2" test "${status}" -eq 2
check "bad config file: names file and key" grep -q "bad.conf.*intervall" <<<"${msg}"

# An unreachable URI with --once: a clear message, exit 1.
set +e; msg="$("${BALLASTD}" --once --connect 'test+unix:///x.xml?socket=/nonexistent' 2>&1)"; status=$?; set -e
check "unreachable URI: exit 1" test "${status}" -eq 1
check "unreachable URI: says so" grep -q "cannot connect" <<<"${msg}"

# ballastctl without a daemon: exit 3, one line.
set +e; msg="$(ctl status 2>&1)"; status=$?; set -e
check "no daemon: exit 3" test "${status}" -eq 3
check "no daemon: one line" test "$(wc -l <<<"${msg}")" -eq 1

# A running daemon: a short deficit on a fake host, overcommit forced on.
fake_host 16777216 1048576
start_ballastd --connect test:///default --interval 0.2 --overcommit=on --reserve 2G
wait_for 10 bash -c "'${BALLASTCTL}' -s '${SOCKET}' domhistory test | grep -q shrink"

status_json="$(ctl --json status)"
check "status: connected" test "$(json_get "${status_json}" 'j["connection"]["state"]')" = connected
check "status: reserve 2 GiB" test "$(json_get "${status_json}" 'j["host"]["reserve_kib"]')" = 2097152
check "status: budget from the fake host" test "$(json_get "${status_json}" 'j["host"]["budget_total_kib"]')" = 16777216
check "status: gate forced on" test "$(json_get "${status_json}" 'j["overcommit"]["shrink_allowed"]')" = True
check "status text: slack line" bash -c "'${BALLASTCTL}' -s '${SOCKET}' status | grep -q '^Slack: .*short'"

list_json="$(ctl --json list)"
check "list: one running domain" test "$(json_get "${list_json}" 'len(j["domains"])')" = 1
check "list: managed" test "$(json_get "${list_json}" 'j["domains"][0]["status"]')" = managed
check "list: exact KiB sizes" test "$(json_get "${list_json}" 'j["domains"][0]["max_kib"]')" = 8388608
check "list: usable reported" test "$(json_get "${list_json}" 'j["domains"][0]["usable_kib"] > 0')" = True
check "list text: human sizes" bash -c "'${BALLASTCTL}' -s '${SOCKET}' list | grep -q '8.0 GiB'"
check "dominfo: by name" bash -c "'${BALLASTCTL}' -s '${SOCKET}' dominfo test | grep -q '^Status: *managed'"
check "domhistory: shrink journaled" bash -c "'${BALLASTCTL}' -s '${SOCKET}' domhistory test --limit 2 | grep -q 'shrink by'"

# admit: would a start keep the host within policy? 16 GiB budget less the
# 2 GiB reserve; "test" (8 GiB) runs.
guest_xml() { # NAME MAX_GIB [METADATA]
    printf "<domain type='test'><name>%s</name>%s<memory unit='GiB'>%s</memory><os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n" "$1" "${3:-}" "$2"
}
guest_xml small 4 > "${WORK}/small.xml"
set +e; msg="$(ctl admit "${WORK}/small.xml" 2>&1)"; status=$?; set -e
check "admit: a small guest fits (exit 0)" test "${status}" -eq 0
check "admit: says why" grep -q "^admitted: small's min 256.0 MiB" <<<"${msg}"
guest_xml pinned 14 "<metadata><ballast:tuning xmlns:ballast='urn:ballast:tuning:1'><ballast:min percent='100'/></ballast:tuning></metadata>" > "${WORK}/pinned.xml"
set +e; msg="$(ctl admit - < "${WORK}/pinned.xml" 2>&1)"; status=$?; set -e
check "admit: a min the host cannot hold is refused (exit 7)" test "${status}" -eq 7
check "admit: the refusal names the min and the room" grep -q "^ballast: refused: pinned needs its min 14.0 GiB .* more than the 14.0 GiB" <<<"${msg}"
check "admit --json: admit false" test "$(json_get "$(ctl --json admit "${WORK}/pinned.xml" 2>/dev/null)" 'j["admit"]')" = False
printf '<domain><name>broken' > "${WORK}/broken.xml"
set +e; msg="$(ctl admit "${WORK}/broken.xml" 2>&1)"; status=$?; set -e
check "admit: bad XML is an error (exit 1)" test "${status}" -eq 1
check "admit: bad XML says where" grep -q "the domain XML: domain XML line" <<<"${msg}"
set +e; msg="$(ctl admit "${WORK}/none.xml" 2>&1)"; status=$?; set -e
check "admit: a missing file (exit 1)" test "${status}" -eq 1
check "admit: names the file" grep -q "none.xml" <<<"${msg}"

set +e; msg="$(ctl dominfo no-such-domain 2>&1)"; status=$?; set -e
check "unknown domain: exit 5" test "${status}" -eq 5
check "unknown domain: message" grep -q "failed to get domain 'no-such-domain'" <<<"${msg}"
set +e; ctl list --bogus >/dev/null 2>&1; status=$?; set -e
check "bad command option: exit 2" test "${status}" -eq 2
set +e; ctl frobnicate >/dev/null 2>&1; status=$?; set -e
check "unknown command: exit 2" test "${status}" -eq 2

check "pause" bash -c "'${BALLASTCTL}' -s '${SOCKET}' pause | grep -q paused"
check "status shows paused" test "$(json_get "$(ctl --json status)" 'j["mode"]')" = paused
check "resume" bash -c "'${BALLASTCTL}' -s '${SOCKET}' resume | grep -q active"

# A second daemon on the same socket refuses to start.
set +e; msg="$("${BALLASTD}" -s "${SOCKET}" --connect test:///default 2>&1)"; status=$?; set -e
check "second daemon refused" test "${status}" -eq 1
check "second daemon says why" grep -q "already listening" <<<"${msg}"

kill -TERM "${DAEMON_PID}"; wait "${DAEMON_PID}" || true; DAEMON_PID=""
check "socket removed on exit" test ! -e "${SOCKET}"
finish
