#!/bin/bash
# Prepare a Debian 12 host for ballast's end-to-end tests:
#   - install libvirt + QEMU + what the guest image build needs,
#   - create the libvirt-qemu user and kvm group where missing,
#   - write a qemu.conf for a test host, only if there is none,
#   - give /dev/kvm the group and mode udev gives it on every Debian host
#     (root:kvm 0660), where no udev runs to do it,
#   - start virtlogd and libvirtd directly (no systemd needed) and wait
#     until `virsh -c qemu:///system version` answers,
#   - time the define of a throwaway domain, and warn, saying why, when it
#     takes over 10 s.
#
# Idempotent: run it as often as you like; what is already there is left alone.
# Usage: sudo tests/e2e/setup-host.sh          (as root)
# Env:   BALLAST_E2E_NO_INSTALL=1  skip the apt step (fail if a tool is missing)
set -euo pipefail

log() { printf 'setup-host: %s\n' "$*" >&2; }
die() { printf 'setup-host: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root"

URI=qemu:///system

# Packages the e2e bed needs. gcc + libc6-dev build the static guest workload;
# gzip/dpkg-deb/apt-get build the guest image (busybox-static provides cpio).
PACKAGES=(
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system
    libvirt-clients qemu-system-x86 busybox-static
    gcc libc6-dev gzip ca-certificates
)

# ---------------------------------------------------------------- packages --
missing_packages() {
    local p st
    for p in "${PACKAGES[@]}"; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [[ $st == installed ]] || printf '%s\n' "$p"
    done
}

POLICY_RC_CREATED=
cleanup() {
    # Remove the temporary policy-rc.d only if this script created it.
    if [[ -n $POLICY_RC_CREATED ]]; then rm -f /usr/sbin/policy-rc.d; fi
}
trap cleanup EXIT

mapfile -t MISSING < <(missing_packages)
if ((${#MISSING[@]})); then
    [[ -z ${BALLAST_E2E_NO_INSTALL:-} ]] || die "missing packages: ${MISSING[*]}"
    log "installing: ${MISSING[*]}"
    # Keep package scripts from trying to start services (there is no
    # systemd/init to talk to on these hosts); we start the daemons below.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${MISSING[@]}"
else
    log "packages already installed"
fi

for tool in libvirtd virtlogd virsh qemu-system-x86_64 busybox gcc; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || die "$tool not found after install"
done

# ---------------------------------------------------------- users, groups --
# Same as Debian's libvirt-daemon-system / qemu-system-common maintainer
# scripts: system group kvm, system group libvirt, and system user
# libvirt-qemu (uid 64055 when free) in group kvm + its own group.
if ! getent group kvm >/dev/null; then
    log "creating group kvm"
    groupadd --system kvm
fi
if ! getent group libvirt >/dev/null; then
    log "creating group libvirt"
    groupadd --system libvirt
fi
if ! getent group libvirt-qemu >/dev/null; then
    log "creating group libvirt-qemu"
    if getent group 64055 >/dev/null; then groupadd --system libvirt-qemu
    else groupadd --system --gid 64055 libvirt-qemu; fi
fi
if ! getent passwd libvirt-qemu >/dev/null; then
    log "creating user libvirt-qemu"
    uidopt=(--uid 64055)
    getent passwd 64055 >/dev/null && uidopt=()
    useradd --system "${uidopt[@]}" --gid kvm --groups libvirt-qemu \
        --home-dir /var/lib/libvirt --no-create-home \
        --shell /usr/sbin/nologin --comment "Libvirt Qemu" libvirt-qemu
fi
id -nG libvirt-qemu | tr ' ' '\n' | grep -qx kvm || usermod -a -G kvm libvirt-qemu

# --------------------------------------------------------------- qemu.conf --
QEMU_CONF=/etc/libvirt/qemu.conf
if [[ ! -e $QEMU_CONF ]]; then
    log "writing $QEMU_CONF for a test host"
    mkdir -p /etc/libvirt
    cat > "$QEMU_CONF" <<'EOF'
# Written by ballast tests/e2e/setup-host.sh for a TEST host (no existing
# qemu.conf was found). Guests run unprivileged as libvirt-qemu:kvm; libvirt
# chowns kernel/initrd/log files to that user while a guest runs, so keep
# test artefacts in world-traversable directories.
user = "libvirt-qemu"
group = "kvm"
dynamic_ownership = 1
# No AppArmor/SELinux confinement on test hosts (often unavailable in VMs
# and containers); DAC separation stays on.
security_driver = "none"
# No private mount namespace per QEMU: it fails where / is not a mount
# point (chroots, some containers) and buys a test host nothing.
namespaces = []
# QEMU's stdout/stderr go through virtlogd (/var/log/libvirt/qemu/NAME.log).
stdio_handler = "logd"
EOF
else
    log "$QEMU_CONF exists, left alone"
fi

# ---------------------------------------------------------------- daemons --
mkdir -p /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt

# pid_alive PIDFILE NAME: the pid in PIDFILE is a live NAME process.
pid_alive() {
    local pid
    [[ -r $1 ]] || return 1
    pid=$(<"$1")
    [[ -n $pid && -r /proc/$pid/comm ]] || return 1
    [[ $(</proc/"$pid"/comm) == "$2" ]]
}
# proc_running NAME: some process NAME runs in our root (no procps needed;
# a daemon of a chroot or container sharing our pid namespace does not count).
proc_running() {
    local d
    for d in /proc/[0-9]*; do
        [[ -r $d/comm && $(<"$d/comm") == "$1" ]] 2>/dev/null || continue
        [[ $d/root -ef / ]] && return 0
    done
    return 1
}
daemon_running() { pid_alive "/run/$1.pid" "$1" || proc_running "$1"; }

# ------------------------------------------------------------------ /dev/kvm --
# The guests use TCG, but libvirt looks at /dev/kvm all the same: it probes
# QEMU's capabilities as root, where a root:root 0600 /dev/kvm is usable, and
# checks its cache as libvirt-qemu, where it is not. The cache then never
# matches ("KVM was enabled when probing '/usr/bin/qemu-system-x86_64', but
# it is not available now") and every define or start re-probes QEMU: about
# 30 s each. udev's rule on every Debian host (KERNEL=="kvm", GROUP="kvm",
# MODE="0660") avoids it; where no udev runs, apply the same here, before
# libvirtd starts.
KVM_DEVICE=${BALLAST_KVM_DEVICE:-/dev/kvm}
if [[ ! -c $KVM_DEVICE ]]; then
    log "$KVM_DEVICE: none (guests run under TCG; nothing for libvirt to re-probe)"
elif proc_running systemd-udevd || proc_running udevd; then
    log "$KVM_DEVICE: $(stat -c '%U:%G %a' "$KVM_DEVICE"), left to udev"
else
    was=$(stat -c '%U:%G %a' "$KVM_DEVICE")
    if [[ $was == 'root:kvm 660' ]]; then
        log "$KVM_DEVICE: root:kvm 660 already"
    else
        { chown root:kvm "$KVM_DEVICE" && chmod 0660 "$KVM_DEVICE"; } ||
            die "cannot give $KVM_DEVICE udev's root:kvm 0660 (it is $was)"
        log "$KVM_DEVICE: changed $was -> $(stat -c '%U:%G %a' "$KVM_DEVICE"), as udev's rule would (no udev runs here)"
    fi
fi

# --------------------------------------------------------------- hugetlbfs --
# Guests backed by hugepages (<memoryBacking><hugepages/>, e2e-hugepages)
# need hugetlbfs where libvirt looks for it when its QEMU driver starts:
# systemd's dev-hugepages.mount puts it on /dev/hugepages on every Debian
# host; where no systemd runs, do the same here, before libvirtd starts.
if grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
    log "/dev/hugepages: hugetlbfs mounted already"
elif grep -qw hugetlbfs /proc/filesystems; then
    mkdir -p /dev/hugepages
    mount -t hugetlbfs hugetlbfs /dev/hugepages || die "cannot mount hugetlbfs on /dev/hugepages"
    log "/dev/hugepages: hugetlbfs mounted, as systemd's dev-hugepages.mount would"
    daemon_running libvirtd &&
        log "WARNING: libvirtd already runs: it sees hugetlbfs only once restarted"
else
    log "no hugetlbfs in this kernel: hugepage-backed guests cannot run here"
fi

for d in virtlogd libvirtd; do
    if daemon_running "$d"; then
        log "$d already running"
    else
        log "starting $d -d"
        "/usr/sbin/$d" -d || die "$d -d failed (see /var/log/libvirt or run '$d -v' in a terminal)"
    fi
done

log "waiting for libvirtd to answer on $URI"
answered=
for ((i = 0; i < 60; i++)); do
    if virsh -c "$URI" version >/dev/null 2>&1; then answered=1; break; fi
    sleep 0.5
done
[[ -n $answered ]] || die "libvirtd did not answer 'virsh -c $URI version' within 30 s"
virsh -c "$URI" version | sed 's/^/setup-host:   /' >&2

# ------------------------------------------------------------ probe define --
# A define that takes half a minute makes every test and the demo crawl
# (see /dev/kvm above). The first define after libvirtd's start may probe
# QEMU once (a new cache); the second one must be quick.
PROBE=ballast-setup-probe
PROBE_LIMIT_S=${BALLAST_PROBE_LIMIT_S:-10}
PROBE_XML=$(mktemp)
trap 'cleanup; rm -f "$PROBE_XML"; virsh -q -c "$URI" undefine "$PROBE" >/dev/null 2>&1 || true' EXIT
cat > "$PROBE_XML" <<EOF
<domain type='qemu'>
  <name>$PROBE</name>
  <description>ballast setup-host: timing a define; removed at once</description>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><emulator>$(command -v qemu-system-x86_64)</emulator></devices>
</domain>
EOF
# probe_define: the seconds one define of the probe domain took.
probe_define() {
    local t0 t1
    virsh -q -c "$URI" undefine "$PROBE" >/dev/null 2>&1 || true
    t0=$(date +%s.%N)
    virsh -q -c "$URI" define "$PROBE_XML" >/dev/null || die "virsh define of a throwaway domain failed ($PROBE_XML)"
    t1=$(date +%s.%N)
    virsh -q -c "$URI" undefine "$PROBE" >/dev/null 2>&1 || true
    awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f", a - b}'
}
first=$(probe_define)
second=$(probe_define)
log "probe define: ${first} s, again ${second} s (limit ${PROBE_LIMIT_S} s)"
# Slow defines cost time, not results (tests and the demo start a guest's
# clock only once ballastd manages it), so this warns rather than fails.
if awk -v s="$second" -v l="$PROBE_LIMIT_S" 'BEGIN {exit !(s > l)}'; then
    log "WARNING: a define takes ${second} s: libvirtd re-probes QEMU on every call, so every" \
        "guest start will be as slow. Its debug log (log_filters=\"1:qemu\") says why" \
        "(virQEMUCapsIsValid); the usual cause is $KVM_DEVICE usable by root but not by" \
        "libvirt-qemu, or the reverse ($(stat -c '%U:%G %a' "$KVM_DEVICE" 2>/dev/null || echo absent))"
fi
log "ready"
