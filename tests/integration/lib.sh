# Shared helpers for the shell integration tests (sourced, bash).
# They need the build tree: BUILD_DIR is set by meson (see meson.build).

set -euo pipefail

BALLASTD="${BUILD_DIR}/daemon/ballastd"
BALLASTCTL="${BUILD_DIR}/tools/ballastctl"
WORK="$(mktemp -d /tmp/ballast-it-XXXXXX)"
SOCKET="${WORK}/ballastd.sock"
DAEMON_PID=""
LIBVIRTD_PID=""
failures=0

cleanup() {
    [ -n "${DAEMON_PID}" ] && kill "${DAEMON_PID}" 2>/dev/null || true
    [ -n "${LIBVIRTD_PID}" ] && kill -CONT "${LIBVIRTD_PID}" 2>/dev/null || true
    [ -n "${LIBVIRTD_PID}" ] && kill "${LIBVIRTD_PID}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "${WORK}"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
    local description="$1"; shift
    if "$@"; then ok "${description}"; else not_ok "${description}"; fi
}
finish() {
    if [ "${failures}" -gt 0 ]; then
        echo "${failures} check(s) failed; daemon log:"; cat "${WORK}/ballastd.log" 2>/dev/null || true
        exit 1
    fi
    exit 0
}
skip() { echo "SKIP: $*"; exit 77; }

ctl() { "${BALLASTCTL}" -s "${SOCKET}" "$@"; }

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ "${SECONDS}" -ge "${deadline}" ] && return 1
        sleep 0.2
    done
}

# A private libvirtd with only the built-in drivers (test, remote), on its
# own socket: restarting it disturbs nothing else on the host.
start_private_libvirtd() {
    command -v libvirtd >/dev/null || skip "libvirtd is not installed"
    mkdir -p "${WORK}/libvirtd/drivers"
    cat > "${WORK}/libvirtd/libvirtd.conf" <<CONF
unix_sock_dir = "${WORK}/libvirtd"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:file:${WORK}/libvirtd/libvirtd.log"
CONF
    LIBVIRT_DRIVER_DIR="${WORK}/libvirtd/drivers" libvirtd \
        --config "${WORK}/libvirtd/libvirtd.conf" --pid-file "${WORK}/libvirtd/pid" &
    LIBVIRTD_PID=$!
    wait_for 20 test -S "${WORK}/libvirtd/libvirt-sock"
}

stop_private_libvirtd() { # SIGNAL
    kill "-${1:-TERM}" "${LIBVIRTD_PID}"
    wait "${LIBVIRTD_PID}" 2>/dev/null || true
    LIBVIRTD_PID=""
    rm -f "${WORK}/libvirtd/libvirt-sock"
}

private_uri() { # XMLFILE
    echo "test+unix://$1?socket=${WORK}/libvirtd/libvirt-sock"
}

# A host tree for the daemon's readers: a host short of memory or not.
fake_host() { # TOTAL_KIB AVAILABLE_KIB
    mkdir -p "${WORK}/host/proc/pressure" "${WORK}/host/sys/module"
    printf 'MemTotal: %s kB\nMemFree: %s kB\nMemAvailable: %s kB\n' "$1" "$2" "$2" \
        > "${WORK}/host/proc/meminfo"
    printf 'processor\t: 0\nflags\t\t: fpu pae\n\n' > "${WORK}/host/proc/cpuinfo"
    printf 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' > "${WORK}/host/proc/pressure/memory"
    export BALLAST_PROC_DIR="${WORK}/host/proc" BALLAST_SYS_DIR="${WORK}/host/sys"
}

start_ballastd() { # ARGS...
    "${BALLASTD}" -s "${SOCKET}" "$@" > "${WORK}/ballastd.log" 2>&1 &
    DAEMON_PID=$!
    wait_for 10 test -S "${SOCKET}"
}

# json_get JSON PYTHON-EXPRESSION: evaluate on the parsed JSON as "j".
json_get() {
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"
}
