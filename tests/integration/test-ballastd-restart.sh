#!/usr/bin/env bash
# ballastd itself killed (-9) and restarted, and stopped cleanly with
# on-exit=keep and on-exit=restore, on a private libvirtd's test driver:
#  - after a SIGKILL, the socket file is left behind and a guest is pushed
#    below its minimum behind ballast's back; the new ballastd starts on the
#    stale socket, rebuilds everything from libvirt (it keeps no state of its
#    own), raises the guest to its minimum and goes on where libvirt is;
#  - a guest's loan clock (how long its use has been above its fair share),
#    which ballastd keeps in the domain's live metadata, goes on across a
#    SIGKILL instead of starting afresh;
#  - on-exit=restore (from the config file and from the command line) gives
#    the guests their memory back on SIGTERM and exits by itself; with
#    libvirtd hung it gives up after on-exit-timeout, and a second SIGTERM
#    exits at once.
source "$(dirname "$0")/lib.sh"

# test:///default is one instance for every connection to the private
# libvirtd (a test:///FILE would be one per connection): what virsh changes
# there, ballastd sees. Its own "test" domain is stopped; web and db are
# ours.
start_private_libvirtd
URI="test+unix:///default?socket=${WORK}/libvirtd/libvirt-sock"
# The instance lives while a connection to it is open: this one holds it
# across ballastd's deaths.
virsh -q -c "${URI}" event --all --loop >/dev/null 2>&1 &
KEEPER_PID=$!
trap 'kill "${KEEPER_PID}" 2>/dev/null || true; cleanup' EXIT
wait_for 10 virsh -q -c "${URI}" domstate test
virsh -q -c "${URI}" destroy test >/dev/null
for name in web db; do
    cat > "${WORK}/${name}.xml" <<XML
<domain type='test'><name>${name}</name><memory>4194304</memory><currentMemory>4194304</currentMemory>
  <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>
XML
    virsh -q -c "${URI}" create "${WORK}/${name}.xml" >/dev/null
done
# 1 GiB available against a 2 GiB reserve: short, so the balloons inflate.
fake_host 16777216 1048576
# The test driver's last-update never moves: a long stats period keeps its
# guests from counting as stale during the test.
ARGS=(--connect "${URI}" --interval 0.2 --overcommit on --reserve 2G --stats-period 3600)

virsh_mem() { virsh -q -c "${URI}" dommemstat "$1" | awk '$1 == "actual" {print $2}'; }
field() { json_get "$(ctl --json dominfo "$1")" "j[\"$2\"]"; }
status_field() { json_get "$(ctl --json status)" "$1"; }
both_managed() { test "$(status_field 'j["guests"]["managed"]')" = 2; }
exited() { ! kill -0 "${DAEMON_PID}" 2>/dev/null; }
log_has() { grep -q -- "$1" "${WORK}/ballastd.log"; }

start_ballastd "${ARGS[@]}"
check "managed at start" wait_for 10 both_managed
below_start() { test "$(virsh_mem web)" -lt 4194304 && test "$(virsh_mem db)" -lt 4194304; }
check "balloons inflated under the deficit" wait_for 10 below_start

# ---- SIGKILL ----
kill -KILL "${DAEMON_PID}"; wait "${DAEMON_PID}" 2>/dev/null || true; DAEMON_PID=""
check "killed: the socket file is left behind" test -S "${SOCKET}"
web_at_kill="$(virsh_mem web)"
# Behind ballast's back: db pushed under the 256 MiB minimum.
virsh -q -c "${URI}" setmem db 131072 --live
check "db is below its minimum now" test "$(virsh_mem db)" -eq 131072
# The host has exactly its reserve now: balanced, but for what db is owed.
printf 'MemTotal: 16777216 kB\nMemFree: 2097152 kB\nMemAvailable: 2097152 kB\n' > "${WORK}/host/proc/meminfo"
: > "${WORK}/ballastd.log"
start_ballastd "${ARGS[@]}"
check "restarted on the stale socket" wait_for 10 both_managed
check "log: started clean (no complaint about the socket)" bash -c "! grep -q 'already listening' '${WORK}/ballastd.log'"
at_min() { test "$(virsh_mem db)" -ge 262144; }
check "db raised to its minimum by the new daemon" wait_for 10 at_min
check "the reason given is the minimum" log_has "db: balloon 128.0 MiB -> 256.0 MiB (grow by 128.0 MiB: below its guaranteed minimum"
# The host funds the minimum from the guest above its floor: 128 MiB of
# memory the host holds. The test driver reports a QEMU RSS of 1 GiB
# whatever the balloon, so the rest of web's balloon counts as never
# touched: it goes too, and counts for nothing.
sleep 1
web_now="$(virsh_mem web)"
check "web funded db's minimum ($(( (web_at_kill - web_now) / 1024 )) MiB)" \
    test $((web_at_kill - web_now)) -ge $((112 * 1024))
check "the reason names the 128 MiB owed and the untouched memory" \
    log_has "web: balloon .* (shrink by .* of it never touched): host short of 128.0 MiB"
# Rebuilt from libvirt: what it shows is what libvirt has.
check "web's size taken from libvirt" test "$(field web current_kib)" -eq "${web_now}"
check "db's size taken from libvirt" test "$(field db current_kib)" -eq "$(virsh_mem db)"
check "nothing pending or stuck" test "$(status_field 'j["guests"]["unresponsive"]')" -eq 0

# ---- SIGTERM, on-exit=keep (the default) ----
web_before="$(virsh_mem web)"
kill -TERM "${DAEMON_PID}"
check "keep: exits at once" wait_for 3 exited
status=0; wait "${DAEMON_PID}" || status=$?; DAEMON_PID=""
check "keep: exit status 0" test "${status}" -eq 0
check "keep: balloons left as they were" test "$(virsh_mem web)" -eq "${web_before}"
check "keep: the socket file is removed" test ! -e "${SOCKET}"

# ---- SIGTERM, on-exit=restore from the config file ----
cat > "${WORK}/ballastd.conf" <<CONF
[ballastd]
on-exit = restore
on-exit-timeout = 20
CONF
printf 'MemTotal: 16777216 kB\nMemFree: 1048576 kB\nMemAvailable: 1048576 kB\n' > "${WORK}/host/proc/meminfo"
: > "${WORK}/ballastd.log"
start_ballastd --config "${WORK}/ballastd.conf" "${ARGS[@]}"
check "restore: managed" wait_for 10 both_managed
shrunk_now() { log_has "web: balloon .* (shrink by"; }
check "restore: shrunk first" wait_for 10 shrunk_now
# Then 16 GiB spare: all of it could go back, but within the regrow delay
# the running daemon gives back no more than the guests need.
printf 'MemTotal: 33554432 kB\nMemFree: 18874368 kB\nMemAvailable: 18874368 kB\n' > "${WORK}/host/proc/meminfo"
sleep 1
check "restore: the regrow delay holds them below their maximum" test "$(virsh_mem web)" -lt 4194304
stop_started=${SECONDS}
kill -TERM "${DAEMON_PID}"
check "restore: exits by itself" wait_for 15 exited
status=0; wait "${DAEMON_PID}" || status=$?; DAEMON_PID=""
check "restore: exit status 0" test "${status}" -eq 0
check "restore: well within its timeout ($((SECONDS - stop_started)) s)" test $((SECONDS - stop_started)) -lt 10
check "restore: web back to its maximum" test "$(virsh_mem web)" -eq 4194304
check "restore: db back to its maximum" test "$(virsh_mem db)" -eq 4194304
check "restore: logged with its reason" log_has "web: balloon .* -> 4.0 GiB (grow by"
check "restore: says it is done" log_has "on-exit: restore done"

# ---- on-exit=restore with libvirtd hung: bounded, and a second signal ----
virsh -q -c "${URI}" setmem web 2097152 --live
virsh -q -c "${URI}" setmem db 2097152 --live
printf 'MemTotal: 16777216 kB\nMemFree: 1048576 kB\nMemAvailable: 1048576 kB\n' > "${WORK}/host/proc/meminfo"
: > "${WORK}/ballastd.log"
start_ballastd "${ARGS[@]}" --on-exit restore --on-exit-timeout 3
check "hung: managed" wait_for 10 both_managed
kill -STOP "${LIBVIRTD_PID}"
sleep 1
stop_started=${SECONDS}
kill -TERM "${DAEMON_PID}"
# Three seconds of trying, at most two to let go of libvirtd, and slack.
check "hung: gives up after on-exit-timeout" wait_for 9 exited
status=0; wait "${DAEMON_PID}" || status=$?; DAEMON_PID=""
took=$((SECONDS - stop_started))
check "hung: not before the timeout (${took} s)" test "${took}" -ge 3
check "hung: exit status 0" test "${status}" -eq 0
check "hung: says why" log_has "restore stopped after 3 s (on-exit-timeout)"

: > "${WORK}/ballastd.log"
kill -CONT "${LIBVIRTD_PID}"
start_ballastd "${ARGS[@]}" --on-exit restore --on-exit-timeout 60
check "twice: managed" wait_for 10 both_managed
kill -STOP "${LIBVIRTD_PID}"
sleep 1
kill -TERM "${DAEMON_PID}"
sleep 0.5
check "twice: still restoring after the first signal" kill -0 "${DAEMON_PID}"
stop_started=${SECONDS}
kill -TERM "${DAEMON_PID}"
check "twice: the second signal exits at once" wait_for 4 exited
status=0; wait "${DAEMON_PID}" || status=$?; DAEMON_PID=""
check "twice: exit status 0" test "${status}" -eq 0
kill -CONT "${LIBVIRTD_PID}"

# ---- The loan clock across a SIGKILL ----
# A 4 GiB host less the 2 GiB reserve: a fair share of 1 GiB each, and web
# uses 2 GiB (the test driver: half its balloon). Exactly the reserve
# available: nothing moves.
virsh -q -c "${URI}" setmem web 4194304 --live
virsh -q -c "${URI}" setmem db 4194304 --live
printf 'MemTotal: 4194304 kB\nMemFree: 2097152 kB\nMemAvailable: 2097152 kB\n' > "${WORK}/host/proc/meminfo"
: > "${WORK}/ballastd.log"
start_ballastd "${ARGS[@]}"
check "loan: managed" wait_for 10 both_managed
loan_metadata() { virsh -q -c "${URI}" metadata web urn:ballast:state:1 --live 2>/dev/null; }
written() { loan_metadata | grep -q '<over-fair-share-since>'; }
check "loan: the clock's start is in web's live metadata" wait_for 10 written
over_at_least() { test "$(field web over_fair_share_sec)" -ge "$1"; }
check "loan: web has been above its share for 3 s" wait_for 10 over_at_least 3
kill -KILL "${DAEMON_PID}"; wait "${DAEMON_PID}" 2>/dev/null || true; DAEMON_PID=""
sleep 2
: > "${WORK}/ballastd.log"
start_ballastd "${ARGS[@]}"
check "loan: managed again" wait_for 10 both_managed
decided() { test "$(field web over_fair_share_sec)" != "None"; }
wait_for 10 decided || true
check "loan: the new ballastd goes on with the clock ($(field web over_fair_share_sec) s)" over_at_least 5
check "loan: says where it took it from" log_has "web: used more than its fair share for [0-9]* s before this start of ballastd (from its run state metadata)"
# Within its share again (a 16 GiB host): the metadata goes.
printf 'MemTotal: 16777216 kB\nMemFree: 2097152 kB\nMemAvailable: 2097152 kB\n' > "${WORK}/host/proc/meminfo"
removed() { ! written; }
check "loan: removed when web is within its share" wait_for 10 removed
check "loan: and the clock stopped" test "$(field web over_fair_share_sec)" -eq 0
kill -TERM "${DAEMON_PID}"; wait "${DAEMON_PID}" 2>/dev/null || true; DAEMON_PID=""

# ---- Bad values are refused at start, naming the key ----
set +e
msg="$("${BALLASTD}" --once --connect test:///default --on-exit maybe 2>&1)"; status=$?
set -e
check "bad --on-exit: exit 2" test "${status}" -eq 2
check "bad --on-exit: says why" grep -q "on-exit: 'maybe' is not one of keep, restore" <<<"${msg}"
printf '[ballastd]\non-exit-timeout = 0\n' > "${WORK}/bad.conf"
set +e
msg="$("${BALLASTD}" --once --config "${WORK}/bad.conf" 2>&1)"; status=$?
set -e
check "bad on-exit-timeout in the file: exit 2" test "${status}" -eq 2
check "bad on-exit-timeout: names file and key" grep -q "bad.conf: \[ballastd\] on-exit-timeout" <<<"${msg}"
finish
