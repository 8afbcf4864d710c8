# shellcheck shell=bash
# A second, isolated, privileged libvirtd on this machine: a live-migration
# target for the system one (qemu:///system). Source it (after lib.sh, or on
# its own) from a bash script that runs as root:
#
#     . "$HERE/lib.sh"; e2e_init
#     . "$HERE/second-libvirtd.sh"
#     sl_start                           # its own virtlogd + libvirtd
#     e2e_at_exit 'sl_stop'              # (or a trap) stop + clean up at exit
#     e2e_guest_create ballast-e2e-mig-a --memory 512 --stats-period 1
#     sl_migrate_to ballast-e2e-mig-a    # system -> second, live
#     sl_virsh domstats --balloon ballast-e2e-mig-a
#     sl_migrate_back ballast-e2e-mig-a  # second -> system, live
#
# How it is isolated. libvirtd's privileged paths (/run/libvirt,
# /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt, /etc/libvirt) are
# compiled in, so the second daemon runs in a new mount + UTS namespace
# (unshare --mount --uts --propagation private) where each of them is a bind
# mount of a directory under $SL_DIR/root (visible from outside too, e.g. its
# QEMU logs in $SL_DIR/root/log/qemu). Its sockets are in $SL_DIR/sock, a
# path both namespaces see, and its pid files in $SL_DIR (the default
# /run/libvirtd.pid would be the system daemon's). Its libvirtd.conf gives
# it its own host UUID: with the system's, libvirt refuses "Attempt to
# migrate guest to the same host UUID". Its qemu.conf: the same user as the
# system's QEMUs, no security driver, no per-QEMU mount namespace, its own
# incoming migration ports, and its own virtlogd started in the namespace
# (SL_STDIO_HANDLER=file: no virtlogd, QEMU writes its log file directly).
# The QEMUs it starts live in its namespace; sl_stop destroys them, stops the
# daemons, kills what is left there, and the namespace's mounts go with its
# last process.
#
# Cgroups. Both daemons name a guest's cgroup machine/qemu-ID-NAME, with IDs
# counted separately, so they would meet. With SL_CGROUP_PARTITION (default
# /machine/lv2) the second daemon's guests go into
# machine/lv2.partition/qemu-ID-NAME.libvirt-qemu instead: inside the
# machine partition, so they still count in the guests' budget (lib.sh's
# e2e_budget_*). sl_start creates that partition in every hierarchy that has
# a machine directory (libvirt does not create a partition's parents when
# there is no systemd; cpuset gets machine's cpus and mems), sl_stop
# removes it, and sl_migrate_to/back rewrite <resource><partition> in the
# domain XML they send (the system side gets /machine back). With
# SL_CGROUP_PARTITION= (empty) the second daemon uses no cgroup at all
# (cgroup_controllers = [ ]): its QEMUs stay in the caller's cgroups, out of
# the budget.
#
# Serial logs. The destination's libvirt opens a <serial type='file'> with
# O_TRUNC unless append='on', so a migration with lib.sh's XML (append='off')
# would empty the guest's serial log. sl_migrate_to/back send append='on'.
#
# TCG. A live migration of a busy TCG guest (QEMU 7.2 here, its workload
# rewriting 100 MiB every 5 s) sometimes leaves it corrupted on arrival:
# seen 4 times in about 30 live migrations of such guests (a kernel Oops in
# the hrtimer interrupt, a panic, or a silent hang; its balloon stats stop).
# Idle guests, a guest suspended during the copy (SL_SUSPEND=1) and
# save/restore never did (SL_SUSPEND=1: 6 + 10 such migrations). With it
# the guest is paused for the whole copy (about 2 s for 512 MiB), and the
# events add Suspended Paused on the source and Resumed Unpaused on the
# destination.
#
# Functions:
#   sl_start            start virtlogd + libvirtd in a new namespace, wait until it answers
#   sl_stop             destroy its guests, stop its daemons, remove its
#                       mounts' namespace, cgroup partition and $SL_DIR (idempotent)
#   sl_running          true while the second libvirtd answers
#   sl_uri              its connection URI
#   sl_virsh ARGS...    virsh -q on it
#   sl_libvirtd_pid     pid of the second libvirtd (empty when none)
#   sl_qemu_pid NAME    pid of NAME's QEMU under the second libvirtd (empty when none)
#   sl_migrate_to NAME [VIRSH-MIGRATE-OPTIONS...]    live, system -> second
#   sl_migrate_back NAME [VIRSH-MIGRATE-OPTIONS...]  live, second -> system
#   sl_migrate FROM_URI TO_URI PARTITION NAME [OPTIONS...]  the general case
#   sl_migration_xml URI NAME PARTITION   the XML sl_migrate sends
#
# Settings (environment, with defaults; read when the file is sourced):
#   SL_DIR              /run/ballast-e2e-lv2  everything of the second instance
#   SL_SRC_URI          ${E2E_URI:-qemu:///system}
#   SL_SRC_PARTITION    /machine              the system side's partition
#   SL_CGROUP_PARTITION /machine/lv2          see "Cgroups" ('' = no cgroups)
#   SL_HOSTNAME         ballast-lv2           its hostname (UTS namespace; not needed)
#   SL_HOST_UUID        ba11a570-0e2e-4b1a-8d0e-5ec0ad11b7d2
#   SL_PORT_MIN/MAX     49400/49499           its incoming migration ports
#   SL_STDIO_HANDLER    logd                  logd (its own virtlogd) or file
#   SL_QEMU_USER/GROUP  libvirt-qemu/libvirt-qemu (Debian's defaults)
#   SL_TIMEOUT          120                   seconds to wait for it to answer
#   SL_QEMU_HOOKS       (empty)  files installed as its QEMU hook scripts
#                       (its /etc/libvirt/hooks/qemu.d; libvirtd reads them
#                       when it starts)
#   SL_SUSPEND          (empty)  1: sl_migrate suspends the guest on the
#                       source first and resumes it on the destination
#                       (see "TCG" above)

SL_DIR=${SL_DIR:-/run/ballast-e2e-lv2}
SL_SRC_URI=${SL_SRC_URI:-${E2E_URI:-qemu:///system}}
SL_SRC_PARTITION=${SL_SRC_PARTITION:-/machine}
SL_CGROUP_PARTITION=${SL_CGROUP_PARTITION-/machine/lv2}
SL_HOSTNAME=${SL_HOSTNAME:-ballast-lv2}
SL_HOST_UUID=${SL_HOST_UUID:-ba11a570-0e2e-4b1a-8d0e-5ec0ad11b7d2}
SL_PORT_MIN=${SL_PORT_MIN:-49400}
SL_PORT_MAX=${SL_PORT_MAX:-49499}
SL_STDIO_HANDLER=${SL_STDIO_HANDLER:-logd}
SL_QEMU_USER=${SL_QEMU_USER:-libvirt-qemu}
SL_QEMU_GROUP=${SL_QEMU_GROUP:-libvirt-qemu}
SL_TIMEOUT=${SL_TIMEOUT:-120}
SL_SUSPEND=${SL_SUSPEND:-}
SL_QEMU_HOOKS=${SL_QEMU_HOOKS:-}

_sl_log() { printf '%s second-libvirtd: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# sl_uri: the second libvirtd's URI (its socket is outside its namespace).
sl_uri() { printf 'qemu+unix:///system?socket=%s/sock/libvirt-sock\n' "$SL_DIR"; }
# sl_virsh ARGS...: virsh -q on the second libvirtd.
sl_virsh() { virsh -q -c "$(sl_uri)" "$@"; }
# sl_running: true while the second libvirtd answers.
sl_running() { [[ -S $SL_DIR/sock/libvirt-sock ]] && virsh -q -c "$(sl_uri)" version >/dev/null 2>&1; }

# _sl_pid_of PIDFILE COMM: the pid in PIDFILE if it is a live (not zombie) COMM.
_sl_pid_of() {
    local pid st
    [[ -r $1 ]] || return 0
    pid=$(<"$1")
    [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$2" ]] 2>/dev/null || return 0
    st=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    [[ -n $st && $st != Z && $st != X ]] && echo "$pid"
    return 0
}
# sl_libvirtd_pid: pid of the second libvirtd (empty when it is not running).
sl_libvirtd_pid() { _sl_pid_of "$SL_DIR/libvirtd.pid" libvirtd; }
_sl_virtlogd_pid() { _sl_pid_of "$SL_DIR/virtlogd.pid" virtlogd; }
# sl_qemu_pid NAME: pid of NAME's QEMU under the second libvirtd (empty if
# none): its pid file is in the namespace's /run/libvirt, $SL_DIR/root/run.
sl_qemu_pid() { _sl_pid_of "$SL_DIR/root/run/qemu/$1.pid" qemu-system-x86; }

# _sl_ns_pids: every live process in the second libvirtd's mount namespace.
_sl_ns_pids() {
    local ns d
    ns=$(cat "$SL_DIR/mntns" 2>/dev/null) || return 0
    [[ -n $ns ]] || return 0
    for d in /proc/[0-9]*; do
        [[ $(readlink "$d/ns/mnt" 2>/dev/null) == "$ns" ]] && echo "${d#/proc/}"
    done
    return 0
}

# _sl_partition_dirs: the partition's directory in every cgroup hierarchy
# that has libvirt's machine partition (cgroup v1 or hybrid: one per
# controller and the unified one; v2: one). libvirt names a partition
# /a/b as a/b.partition, except a top-level "machine".
_sl_partition_dirs() {
    [[ -n $SL_CGROUP_PARTITION ]] || return 0
    local rel=${SL_CGROUP_PARTITION#/} base=${SL_SRC_PARTITION#/} m
    rel=${rel#"$base"/}
    for m in $(awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/mounts); do
        [[ -d $m/$base ]] && printf '%s/%s/%s.partition\n' "$m" "$base" "${rel//\//.partition/}"
    done
    return 0
}
_sl_partition_create() {
    local d parent c
    for d in $(_sl_partition_dirs); do
        [[ -d $d ]] || mkdir -p "$d" || return 1
        parent=${d%/*}
        # v1 cpuset: a new cgroup has no cpus and no mems (then QEMU's
        # tasks cannot join: ENOSPC).
        for c in cpuset.cpus cpuset.mems; do
            [[ -w $d/$c && -z $(<"$d/$c") ]] && cat "$parent/$c" > "$d/$c"
        done
        # v2: pass on the controllers the machine partition delegates.
        if [[ -r $parent/cgroup.subtree_control && -w $d/cgroup.subtree_control ]]; then
            for c in $(<"$parent/cgroup.subtree_control"); do
                echo "+$c" > "$d/cgroup.subtree_control" 2>/dev/null || true
            done
        fi
    done
    return 0
}
# _sl_partition_remove: rmdir the partition, deepest first (a QEMU killed
# behind libvirt's back leaves its qemu-ID-NAME cgroups there).
_sl_partition_remove() {
    local d
    for d in $(_sl_partition_dirs); do
        [[ -d $d ]] || continue
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
        [[ -d $d ]] && _sl_log "WARNING: could not remove cgroup $d"
    done
    return 0
}

_sl_write_config() {
    local r=$SL_DIR/root cgroups=
    [[ -n $SL_CGROUP_PARTITION ]] && cgroups='#'
    mkdir -p "$SL_DIR/sock" "$r"/{run,lib/qemu,cache,log/qemu,etc/qemu}
    chmod 755 "$SL_DIR" "$r" "$r"/{run,lib,cache,log,log/qemu,etc,etc/qemu}
    chmod 700 "$SL_DIR/sock"
    # As Debian's package has /var/lib/libvirt/qemu.
    chown "$SL_QEMU_USER:$SL_QEMU_GROUP" "$r/lib/qemu" 2>/dev/null || true
    chmod 750 "$r/lib/qemu"
    cat > "$SL_DIR/libvirtd.conf" <<EOF
# The second libvirtd (ballast tests/e2e/second-libvirtd.sh).
unix_sock_dir = "$SL_DIR/sock"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
# Not the system daemon's: libvirt refuses a migration between equal host UUIDs.
host_uuid = "$SL_HOST_UUID"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    cat > "$r/etc/qemu.conf" <<EOF
# The second libvirtd's qemu.conf (ballast tests/e2e/second-libvirtd.sh),
# /etc/libvirt/qemu.conf in its namespace.
user = "$SL_QEMU_USER"
group = "$SL_QEMU_GROUP"
security_driver = "none"
namespaces = [ ]
${cgroups}cgroup_controllers = [ ]
stdio_handler = "$SL_STDIO_HANDLER"
migration_port_min = $SL_PORT_MIN
migration_port_max = $SL_PORT_MAX
EOF
    : > "$r/etc/virtlogd.conf"
    local hook
    for hook in $SL_QEMU_HOOKS; do
        mkdir -p "$r/etc/hooks/qemu.d"
        install -m 0755 "$hook" "$r/etc/hooks/qemu.d/"
    done
    cat > "$SL_DIR/ns-init.sh" <<EOF
#!/bin/bash
# Runs in the second libvirtd's new mount + UTS namespace.
set -eu
hostname '$SL_HOSTNAME'
mount --bind '$r/run'   /run/libvirt
mount --bind '$r/lib'   /var/lib/libvirt
mount --bind '$r/cache' /var/cache/libvirt
mount --bind '$r/log'   /var/log/libvirt
mount --bind '$r/etc'   /etc/libvirt
readlink /proc/self/ns/mnt > '$SL_DIR/mntns'
if [[ '$SL_STDIO_HANDLER' == logd ]]; then
    /usr/sbin/virtlogd -d -p '$SL_DIR/virtlogd.pid'
fi
exec /usr/sbin/libvirtd -d -f '$SL_DIR/libvirtd.conf' -p '$SL_DIR/libvirtd.pid'
EOF
}

# sl_start: start the second virtlogd + libvirtd and wait until it answers
# (about 4 s). Fails (status 1) with a message when it does not.
sl_start() {
    [[ $(id -u) -eq 0 ]] || { _sl_log "ERROR: sl_start needs root"; return 1; }
    if sl_running; then _sl_log "already running ($(sl_uri))"; return 0; fi
    sl_stop
    _sl_write_config
    _sl_partition_create || { _sl_log "ERROR: cannot create the cgroup partition $SL_CGROUP_PARTITION"; return 1; }
    local t0=$SECONDS
    if ! unshare --mount --uts --propagation private -- /bin/bash "$SL_DIR/ns-init.sh" \
        > "$SL_DIR/start.log" 2>&1; then
        _sl_log "ERROR: start failed: $(cat "$SL_DIR/start.log")"
        return 1
    fi
    until sl_running; do
        if ((SECONDS - t0 > SL_TIMEOUT)) || [[ -z $(sl_libvirtd_pid) ]]; then
            _sl_log "ERROR: no answer on $(sl_uri) (see $SL_DIR/root/log/libvirtd.log)"
            return 1
        fi
        sleep 0.5
    done
    _sl_log "running: libvirtd $(sl_libvirtd_pid), $(sl_uri) (up in $((SECONDS - t0)) s)"
}

# sl_stop: destroy and undefine the second libvirtd's guests, stop it and
# its virtlogd, kill whatever is left in its namespace (so that the
# namespace and its mounts go away), remove its cgroup partition and
# $SL_DIR. Idempotent; a guest still on the second libvirtd is lost (its
# definition on the system libvirtd stays, shut off).
sl_stop() {
    local n pid i
    if sl_running; then
        for n in $(sl_virsh list --name 2>/dev/null); do
            sl_virsh destroy "$n" >/dev/null 2>&1 || true
        done
        for n in $(sl_virsh list --all --name 2>/dev/null); do
            sl_virsh undefine "$n" >/dev/null 2>&1 || true
        done
    fi
    for pid in $(sl_libvirtd_pid) $(_sl_virtlogd_pid); do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 40; i++)); do
        [[ -z $(sl_libvirtd_pid)$(_sl_virtlogd_pid) ]] && break
        sleep 0.25
    done
    for pid in $(_sl_ns_pids); do kill -KILL "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 40; i++)); do
        [[ -z $(_sl_ns_pids) ]] && break
        sleep 0.25
    done
    [[ -z $(_sl_ns_pids) ]] || _sl_log "WARNING: processes left in its namespace: $(_sl_ns_pids)"
    _sl_partition_remove
    rm -rf "$SL_DIR"
    return 0
}

# sl_migration_xml URI NAME PARTITION: NAME's migratable live XML from URI,
# with its cgroup partition set to PARTITION (left alone when empty) and
# its file serial/console sources in append mode.
sl_migration_xml() {
    virsh -q -c "$1" dumpxml --migratable "$2" |
        sed -e "${3:+s#<partition>[^<]*</partition>#<partition>$3</partition>#}" \
            -e "s#\(<source path='[^']*'\) append='off'#\1 append='on'#"
}

# sl_migrate FROM_URI TO_URI PARTITION NAME [OPTIONS...]: live-migrate NAME
# (virsh talks to both daemons; not peer to peer), the migration stream
# over tcp://127.0.0.1 on a port the destination picks. OPTIONS go to
# virsh migrate (e.g. --bandwidth 1 (MiB/s), --persistent, --verbose).
sl_migrate() {
    local from=$1 to=$2 part=$3 name=$4 xml rc=0 paused=
    shift 4
    xml=$(mktemp /tmp/sl-migrate.XXXXXX.xml)
    sl_migration_xml "$from" "$name" "$part" > "$xml" || { rm -f "$xml"; return 1; }
    if [[ -n $SL_SUSPEND && $(virsh -q -c "$from" domstate "$name") == running ]]; then
        virsh -q -c "$from" suspend "$name" >/dev/null || { rm -f "$xml"; return 1; }
        paused=1
    fi
    virsh -q -c "$from" migrate --live "$@" --xml "$xml" "$name" "$to" \
        --migrateuri tcp://127.0.0.1 || rc=$?
    rm -f "$xml"
    if [[ -n $paused ]]; then
        if ((rc == 0)); then virsh -q -c "$to" resume "$name" >/dev/null || rc=$?
        else virsh -q -c "$from" resume "$name" >/dev/null || true; fi
    fi
    return "$rc"
}
# sl_migrate_to NAME [OPTIONS...]: system -> second.
sl_migrate_to() {
    local n=$1; shift
    sl_migrate "$SL_SRC_URI" "$(sl_uri)" "$SL_CGROUP_PARTITION" "$n" "$@"
}
# sl_migrate_back NAME [OPTIONS...]: second -> system.
sl_migrate_back() {
    local n=$1 part=
    shift
    [[ -n $SL_CGROUP_PARTITION ]] && part=$SL_SRC_PARTITION
    sl_migrate "$(sl_uri)" "$SL_SRC_URI" "$part" "$n" "$@"
}
