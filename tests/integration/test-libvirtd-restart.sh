#!/usr/bin/env bash
# libvirtd going away and coming back: ballastd says so, keeps answering,
# reconnects with backoff and rebuilds its view from libvirt. libvirtd is
# killed (-9) idle and in the middle of a cycle, and stopped (SIGSTOP) for
# 20 s; ballastd is stopped while libvirtd hangs.
source "$(dirname "$0")/lib.sh"

cat > "${WORK}/domains.xml" <<'XML'
<node>
  <domain type='test'><name>web</name><memory>2097152</memory><currentMemory>2097152</currentMemory>
    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>
  <domain type='test'><name>db</name><memory>4194304</memory><currentMemory>4194304</currentMemory>
    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>
</node>
XML

start_private_libvirtd
fake_host 16777216 8388608
start_ballastd --connect "$(private_uri "${WORK}/domains.xml")" --interval 0.2

connected() { test "$(json_get "$(ctl --json status)" 'j["connection"]["state"]')" = connected; }
running_guests() { json_get "$(ctl --json status)" 'j["guests"]["running"]'; }

check "connected at start" wait_for 10 connected
check "both guests seen" test "$(running_guests)" = 2

# Killed outright: the close callback fires; status says so; no crash.
stop_private_libvirtd KILL
check "disconnect noticed" wait_for 15 bash -c "! '${BALLASTCTL}' -s '${SOCKET}' --json status | grep -q '\"state\":\"connected\"'"
check "daemon still alive" kill -0 "${DAEMON_PID}"
status_text="$(ctl status)"
check "status names the state" grep -Eq '^Connection: .*(disconnected|connecting)' <<<"${status_text}"
check "status says why" grep -Eq 'closed|error|connect' <<<"${status_text}"
check "list still answers" ctl list

# Back again: reconnect within the backoff, guests rebuilt from libvirt.
sleep 2
start_private_libvirtd
check "reconnected" wait_for 40 connected
check "reconnects counted" test "$(json_get "$(ctl --json status)" 'j["connection"]["reconnects"] >= 1')" = True
two_running() { test "$(running_guests)" = 2; }
check "guests rebuilt" wait_for 10 two_running
check "log says lost" grep -q "connection to .* lost" "${WORK}/ballastd.log"
check "log says connected again" grep -q "connected to .* again" "${WORK}/ballastd.log"

# Stopped (SIGSTOP) for 20 s, as a hung libvirtd: every call hangs. The
# control socket must keep answering, status must say libvirt is not
# answering, and cycles must be skipped and counted, never piled up: one
# call in flight at most (the in-flight guard), so no threads or calls
# accumulate. libvirt's keepalive (5 s x 3) may close the connection near
# the end; either way the daemon comes back after SIGCONT.
status_json() { timeout 5 "${BALLASTCTL}" -s "${SOCKET}" --json status; }
threads() { awk '/^Threads:/ {print $2}' "/proc/${DAEMON_PID}/status"; }
skipped_before="$(json_get "$(status_json)" 'j["cycles"]["skipped"]')"
threads_before="$(threads)"
threads_most="${threads_before}"
kill -STOP "${LIBVIRTD_PID}"
stopped_at=${SECONDS}
asked=0 answered=0 slowest_ms=0 stall_seen=0 stall_text=""
while [ $((SECONDS - stopped_at)) -lt 20 ]; do
    asked=$((asked + 1))
    t0=$(date +%s%N)
    if reply="$(status_json)"; then
        answered=$((answered + 1))
        took_ms=$((($(date +%s%N) - t0) / 1000000))
        [ "${took_ms}" -gt "${slowest_ms}" ] && slowest_ms=${took_ms}
        if [ "$(json_get "${reply}" 'j["connection"]["stalled"]')" = True ]; then
            stall_seen=1
            [ -n "${stall_text}" ] || stall_text="$(timeout 5 "${BALLASTCTL}" -s "${SOCKET}" status)"
        fi
    fi
    n="$(threads)"; [ "${n}" -gt "${threads_most}" ] && threads_most=${n}
    # From 2 s in, the cycle in flight hangs: nothing may be added to it.
    if [ "${asked}" -eq 2 ]; then
        completed_before="$(json_get "${reply}" 'j["cycles"]["completed"]')"
        calls_before="$(json_get "${reply}" 'j["cycles"]["libvirt_calls_total"]')"
    fi
    sleep 1
done
during="$(status_json)"
check "control socket answered all ${asked} times in the 20 s stop" test "${answered}" -eq "${asked}"
check "each answer within 2 s (slowest ${slowest_ms} ms)" test "${slowest_ms}" -lt 2000
check "status said the connection is stalled" test "${stall_seen}" -eq 1
check "status text says libvirt is not answering" grep -q "libvirt not answering" <<<"${stall_text}"
skipped_during=$(( $(json_get "${during}" 'j["cycles"]["skipped"]') - skipped_before ))
check "cycles skipped and counted (${skipped_during} in 20 s at 0.2 s)" test "${skipped_during}" -ge 40
calls_added=$(( $(json_get "${during}" 'j["cycles"]["libvirt_calls_total"]') - calls_before ))
check "no cycle completed but the hung one, if keepalive ended it" \
    test $(( $(json_get "${during}" 'j["cycles"]["completed"]') - completed_before )) -le 1
check "no libvirt calls piled up (${calls_added} added)" test "${calls_added}" -le 1
check "no threads piled up (${threads_before} -> at most ${threads_most})" \
    test "${threads_most}" -le $((threads_before + 2))
check "log says libvirt has not answered" grep -q "libvirt has not answered for" "${WORK}/ballastd.log"
kill -CONT "${LIBVIRTD_PID}"
check "recovers after SIGCONT" wait_for 40 connected
cycles_move() { test "$(json_get "$(status_json)" 'j["cycles"]["completed"]')" -gt "$(json_get "${during}" 'j["cycles"]["completed"]')"; }
check "cycles complete again" wait_for 20 cycles_move
not_stalled() { test "$(json_get "$(status_json)" 'j["connection"]["stalled"]')" = False; }
check "no longer stalled" wait_for 20 not_stalled
check "guests still there" wait_for 20 two_running

# Killed (-9) while a cycle is in flight: stopped first, so a call is
# surely waiting on it; the kill turns the wait into a failed call.
kill -STOP "${LIBVIRTD_PID}"
skipping() { test "$(json_get "$(status_json)" 'j["cycles"]["skipped"]')" -gt "$1"; }
skipped_now="$(json_get "$(status_json)" 'j["cycles"]["skipped"]')"
check "a cycle is in flight (the next ones are skipped)" wait_for 10 skipping "${skipped_now}"
lost_before="$(grep -c "connection to .* lost" "${WORK}/ballastd.log" || true)"
stop_private_libvirtd KILL
lost_more() { test "$(grep -c "connection to .* lost" "${WORK}/ballastd.log")" -gt "${lost_before}"; }
check "in-flight kill: connection loss noticed" wait_for 15 lost_more
check "in-flight kill: the hung cycle ended as skipped" grep -q "cycle skipped: cannot get domain stats" "${WORK}/ballastd.log"
check "in-flight kill: daemon alive" kill -0 "${DAEMON_PID}"
check "in-flight kill: still answering" timeout 5 "${BALLASTCTL}" -s "${SOCKET}" status
start_private_libvirtd
check "in-flight kill: reconnected" wait_for 40 connected
check "in-flight kill: guests rebuilt" wait_for 20 two_running

# Stopped with libvirtd hung: ballastd must still exit promptly (its
# goodbyes to libvirtd would hang as long as libvirtd does).
kill -STOP "${LIBVIRTD_PID}"
sleep 1
stop_started=${SECONDS}
kill -TERM "${DAEMON_PID}"
exited() { ! kill -0 "${DAEMON_PID}" 2>/dev/null; }
check "SIGTERM with libvirtd stopped: exits within 6 s" wait_for 6 exited
status=0; wait "${DAEMON_PID}" || status=$?; DAEMON_PID=""
check "SIGTERM with libvirtd stopped: exit status 0" test "${status}" -eq 0
check "SIGTERM with libvirtd stopped: says it did not wait" grep -q "libvirtd did not answer while disconnecting" "${WORK}/ballastd.log"
kill -CONT "${LIBVIRTD_PID}"
finish
