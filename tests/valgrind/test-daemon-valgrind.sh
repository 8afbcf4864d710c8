#!/usr/bin/env bash
# ballastd and ballastctl under valgrind's memcheck, against libvirt's
# in-process test driver: one --once cycle, then a daemon running cycles
# every 0.2 s on a host short of memory (so it shrinks balloons), answering
# ballastctl (itself under valgrind) for every read-only command, pause and
# resume, and an unknown domain; then SIGTERM, which must end it cleanly.
# Fails on any memcheck error and on any definite leak; what libvirt, GLib
# and the C library keep for the life of the process is in
# tests/valgrind/ballast.supp, each entry with its reason.
source "$(dirname "$0")/../integration/lib.sh"

command -v valgrind >/dev/null || skip "valgrind is not installed"

SUPPRESSIONS="$(dirname "$0")/ballast.supp"
# Memcheck errors exit 99, so they are told apart from ballast's own exit
# statuses (0-5). Only definite leaks are errors: "possibly lost" blocks
# are GLib's and libvirt's thread and type bookkeeping, reached through
# interior pointers.
VALGRIND=(valgrind --quiet --error-exitcode=99 --exit-on-first-error=no
          --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
          --num-callers=40 --suppressions="${SUPPRESSIONS}" --gen-suppressions=all
          --child-silent-after-fork=yes --trace-children=no)
# Every GLib allocation through malloc, so memcheck sees each one (GLib
# < 2.76 has a slice allocator); gc-friendly clears freed pointers.
export G_SLICE=always-malloc G_DEBUG=gc-friendly

run_vg() { # NAME COMMAND...: under valgrind, its log in WORK/vg-NAME.log
    local name="$1"; shift
    "${VALGRIND[@]}" --log-file="${WORK}/vg-${name}.log" "$@"
}

vg_clean() { # NAME: memcheck said nothing
    if [ -s "${WORK}/vg-$1.log" ]; then
        echo "# valgrind log of $1:"; sed 's/^/# /' "${WORK}/vg-$1.log"
        return 1
    fi
}

# One cycle and exit.
set +e
run_vg once "${BALLASTD}" --connect test:///default --dry-run --once > "${WORK}/once.out" 2>&1
status=$?
set -e
check "ballastd --once under valgrind: exit 0 (got ${status})" test "${status}" -eq 0
check "ballastd --once: printed its table" grep -q '^ test ' "${WORK}/once.out"
check "ballastd --once: no memcheck error, no definite leak" vg_clean once

# A daemon running cycles on a host 15 GiB short, overcommit forced on.
fake_host 16777216 1048576
"${VALGRIND[@]}" --log-file="${WORK}/vg-daemon.log" \
    "${BALLASTD}" -s "${SOCKET}" --connect test:///default --interval 0.2 --overcommit=on \
    --reserve 2G > "${WORK}/ballastd.log" 2>&1 &
DAEMON_PID=$!
check "daemon under valgrind: socket up" wait_for 60 test -S "${SOCKET}"
# Let it run cycles and shrink the test domain.
check "daemon under valgrind: shrank a balloon" \
    wait_for 60 bash -c "'${BALLASTCTL}' -s '${SOCKET}' domhistory test | grep -q shrink"

n=0
for command in "status" "list" "list --all --wide" "dominfo test" "domhistory test --limit 3" \
               "metrics" "--json status" "--json list --all" "pause" "resume" "caps"; do
    n=$((n + 1))
    set +e
    # shellcheck disable=SC2086
    run_vg "ctl-${n}" "${BALLASTCTL}" -s "${SOCKET}" ${command} > "${WORK}/ctl-${n}.out" 2>&1
    status=$?
    set -e
    check "ballastctl ${command}: exit 0 (got ${status})" test "${status}" -eq 0
    check "ballastctl ${command}: no memcheck error, no definite leak" vg_clean "ctl-${n}"
done
set +e
run_vg ctl-unknown "${BALLASTCTL}" -s "${SOCKET}" dominfo no-such-domain > /dev/null 2>&1
status=$?
set -e
check "ballastctl dominfo no-such-domain: exit 5 (got ${status})" test "${status}" -eq 5
check "ballastctl dominfo no-such-domain: no memcheck error" vg_clean ctl-unknown

# A few more cycles, then SIGTERM: a clean exit, status 0.
sleep 2
kill -TERM "${DAEMON_PID}"
set +e
wait "${DAEMON_PID}"
status=$?
set -e
DAEMON_PID=""
check "daemon: SIGTERM ends it with status 0 (got ${status}; 99: memcheck errors)" test "${status}" -eq 0
cycles=$(grep -c 'balloon' "${WORK}/ballastd.log" || true)
echo "# daemon log: ${cycles} balloon lines"
check "daemon: no memcheck error, no definite leak" vg_clean daemon
finish
