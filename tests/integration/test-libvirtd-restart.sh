#!/usr/bin/env bash
# libvirtd going away and coming back: ballastd says so, keeps answering,
# reconnects with backoff and rebuilds its view from libvirt.
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

# Stopped (SIGSTOP): calls hang; the control socket must keep answering and
# cycles must not pile up.
kill -STOP "${LIBVIRTD_PID}"
sleep 3
check "control socket answers while libvirtd is stopped" timeout 5 "${BALLASTCTL}" -s "${SOCKET}" status
skipped_before="$(json_get "$(timeout 5 "${BALLASTCTL}" -s "${SOCKET}" --json status)" 'j["cycles"]["skipped"]')"
check "cycles skipped, not piled up" test "${skipped_before}" -ge 1
kill -CONT "${LIBVIRTD_PID}"
check "recovers after SIGCONT" wait_for 40 connected

kill -TERM "${DAEMON_PID}"; wait "${DAEMON_PID}" || true; DAEMON_PID=""
finish
