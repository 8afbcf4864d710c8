#!/bin/bash
# The squeeze with ballastd (test-squeeze-ballastd.sh), with the guests
# started SQ_START_DELAY s apart (default 20): as on a host where libvirt
# takes long to start each guest (a re-probe of QEMU costs ~30 s per define
# where /dev/kvm is root:root 0600). The workloads' clock starts only once
# ballastd manages every guest, so the verdict must be the same: no QEMU and
# no guest process killed.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
export SQ_START_DELAY=${SQ_START_DELAY:-20}
export E2E_TEST_NAME=${E2E_TEST_NAME:-test-squeeze-slow-starts}
exec bash "$(dirname "${BASH_SOURCE[0]}")/test-squeeze-ballastd.sh"
