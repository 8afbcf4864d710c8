#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The control socket under load (bench/RESULTS.md, "Control socket under
# load"): one dry-run ballastd on libvirt's test driver (test:///default,
# 0.2 s cycles, --record for the cycle times) and the clients of
# tests/integration/control-load.py, one phase after the other:
#
#   bench/control-socket.sh BALLASTD [OUT-DIR] [-- BALLASTD-ARGS...]
#
# burst (50 clients x 20 status requests, one connection each), flood
# (nobody keeping 1500 connection attempts going for 6 s while root asks
# status every 0.2 s), the daemon's descriptors before, during and after,
# its cycles during the flood and after it, a client trickling one byte a
# second (SLOW seconds, default 15) and a silent one (IDLE seconds,
# default 10). Any ballastd binary will do (to measure an older one, pass
# its path); BALLASTCTL (default: beside BALLASTD's build) reads the
# metrics at the end. Needs root (to become nobody) and python3; prints
# one line per phase and leaves the daemon's log and trace in OUT-DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
load="${here}/../tests/integration/control-load.py"
[ $# -ge 1 ] || { sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
ballastd="$(realpath "$1")"; shift
out=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then out="$1"; shift; fi
[ -n "${out}" ] || out="$(mktemp -d /tmp/ballast-control-socket-XXXXXX)"
[ "${1:-}" = "--" ] && shift
ballastctl="${BALLASTCTL:-$(dirname "${ballastd}")/../tools/ballastctl}"
[ "$(id -u)" = 0 ] || { echo "control-socket.sh: needs root, to become nobody for the flood" >&2; exit 2; }
mkdir -p "${out}"
chmod 0755 "${out}"
socket="${out}/ballastd.sock"
rm -f "${out}/trace"

"${ballastd}" --connect test:///default --dry-run -s "${socket}" --interval 0.2 \
    --record "${out}/trace" "$@" > "${out}/ballastd.log" 2>&1 &
pid=$!
trap 'kill "${pid}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -S "${socket}" ] && break; sleep 0.1; done
sleep 1
now_usec() { date +%s%6N; }
phase() { echo "$1 $(python3 "${load}" "${@:2}")"; }

echo "date $(date -u '+%Y-%m-%d %H:%M UTC') load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "limits $(grep 'open files' "/proc/${pid}/limits" | tr -s ' ')"
phase burst-warm-up burst --socket "${socket}" --clients 1 --requests 1 > /dev/null
phase fds-at-start fds --pid "${pid}"
phase burst burst --socket "${socket}" --clients 50 --requests 20
t0="$(now_usec)"
phase flood flood --socket "${socket}" --uid 65534 --attempts 1500 --seconds 6 --pid "${pid}"
t1="$(now_usec)"
phase fds-after-flood fds --pid "${pid}"
sleep 2
phase cycles-during-flood cycles --trace "${out}/trace" --since "${t0}" --until "${t1}"
phase cycles-after-flood cycles --trace "${out}/trace" --since "$((t1 + 1000000))" --until "$(now_usec)"
phase slow slow --socket "${socket}" --seconds "${SLOW:-15}"
phase idle idle --socket "${socket}" --seconds "${IDLE:-10}"
phase fds-at-end fds --pid "${pid}"
"${ballastctl}" -s "${socket}" metrics | grep '^ballast_control' || true
