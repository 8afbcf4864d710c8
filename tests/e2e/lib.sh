# shellcheck shell=bash
# ballast e2e test library: real libvirtd + real QEMU (TCG) guests under a
# real cgroup memory budget. Source it from a bash script that runs with
# `set -euo pipefail`:
#
#     . "$(dirname "$0")/lib.sh"
#     e2e_init                      # root/tools check (exit 77), libvirtd, image, traps
#     e2e_budget_set 2560           # guests' cgroup budget in MiB, restored at exit
#     e2e_guest_create ballast-e2e-1 --memory 1024 --schedule 0:300,10:50 --stats-period 2
#     e2e_guest_wait_log ballast-e2e-1 'ballast-workload: start' 60
#     ...                           # guests and budget are cleaned up at exit
#
# tests/e2e/guest.sh is the same as a command line tool. Every function is
# documented where it is defined; the README lists them.
#
# Settings (environment, with defaults):
#   E2E_URI          qemu:///system
#   E2E_PREFIX       ballast-e2e-           every test guest's name starts so
#   E2E_IMAGE_DIR    /var/cache/ballast-e2e/image   vmlinuz + initrd.gz
#   E2E_RUN_DIR      /var/lib/ballast-e2e/run       serial logs, XML, state
#   E2E_WORKLOAD     (unset)  static ballast-workload to put in the image
#                             (unset: build-guest-image.sh compiles it)
#   E2E_TB_CACHE_MIB 32       QEMU TCG translation cache per guest
#   E2E_MACHINE      pc       QEMU machine type
# Both directories must be traversable by libvirt-qemu (QEMU runs as that
# user and libvirt chowns kernel, initrd and log files to it).

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_URI=${E2E_URI:-qemu:///system}
E2E_PREFIX=${E2E_PREFIX:-ballast-e2e-}
E2E_IMAGE_DIR=${E2E_IMAGE_DIR:-/var/cache/ballast-e2e/image}
E2E_RUN_DIR=${E2E_RUN_DIR:-/var/lib/ballast-e2e/run}
E2E_TB_CACHE_MIB=${E2E_TB_CACHE_MIB:-32}
E2E_MACHINE=${E2E_MACHINE:-pc}
E2E_EMULATOR=${E2E_EMULATOR:-}
E2E_TEST_NAME=${E2E_TEST_NAME:-$(basename "$0" .sh)}

# ------------------------------------------------------------------ output --
e2e_ts() { date +%H:%M:%S; }
# e2e_log MSG...: progress line on stderr, prefixed with time and test name.
e2e_log() { printf '%s %s: %s\n' "$(e2e_ts)" "$E2E_TEST_NAME" "$*" >&2; }
# e2e_die MSG...: FAIL (exit 1).
e2e_die() { printf '%s %s: FAIL: %s\n' "$(e2e_ts)" "$E2E_TEST_NAME" "$*" >&2; exit 1; }
# e2e_skip MSG...: SKIP (exit 77, meson/automake's skip code).
e2e_skip() { printf '%s %s: SKIP: %s\n' "$(e2e_ts)" "$E2E_TEST_NAME" "$*" >&2; exit 77; }
# e2e_virsh ARGS...: virsh on $E2E_URI, quiet.
e2e_virsh() { virsh -q -c "$E2E_URI" "$@"; }

# ---------------------------------------------------------- cleanup at exit --
E2E_EXIT_HOOKS=()
E2E_CREATED_GUESTS=()
# e2e_at_exit CMD: run CMD (a string, eval'ed) at exit, last registered first.
e2e_at_exit() { E2E_EXIT_HOOKS+=("$1"); }
_e2e_on_exit() {
    local rc=$? i
    trap - EXIT INT TERM HUP
    set +e
    E2E_EXIT_STATUS=$rc # for hooks that only act on a failure
    for ((i = ${#E2E_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
        eval "${E2E_EXIT_HOOKS[i]}"
    done
    exit "$rc"
}
# A command that fails under `set -e` says where, instead of a silent exit.
_e2e_on_err() {
    [[ $BASHPID == "$$" ]] || return 0
    printf '%s %s: FAIL: command failed (status %s) at %s:%s: %s\n' "$(e2e_ts)" \
        "$E2E_TEST_NAME" "$1" "${BASH_SOURCE[1]##*/}" "${BASH_LINENO[0]}" "$2" >&2
}
# e2e_install_traps: EXIT/INT/TERM/HUP run the exit hooks, ERR reports the
# failing command (e2e_init does it).
e2e_install_traps() {
    set -E
    trap '_e2e_on_err $? "$BASH_COMMAND"' ERR
    trap _e2e_on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

# ----------------------------------------------------------- requirements --
# e2e_require_host: exit 77 unless root with virsh, libvirtd, QEMU.
e2e_require_host() {
    [[ $(id -u) -eq 0 ]] || e2e_skip "needs root (real libvirtd, cgroups)"
    local t
    for t in virsh qemu-system-x86_64; do
        command -v "$t" >/dev/null || e2e_skip "$t not installed (run tests/e2e/setup-host.sh)"
    done
    [[ -x /usr/sbin/libvirtd ]] || command -v libvirtd >/dev/null ||
        e2e_skip "libvirtd not installed (run tests/e2e/setup-host.sh)"
    [[ -n $(e2e_cgroup_kind) ]] || e2e_skip "no cgroup memory controller found"
}

# e2e_ensure_libvirtd: start virtlogd/libvirtd when needed (setup-host.sh,
# without installing anything) and wait until they answer.
e2e_ensure_libvirtd() {
    if ! virsh -c "$E2E_URI" version >/dev/null 2>&1; then
        BALLAST_E2E_NO_INSTALL=1 bash "$E2E_LIB_DIR/setup-host.sh" ||
            e2e_die "libvirtd could not be started (tests/e2e/setup-host.sh)"
    fi
}

# e2e_ensure_image: build (or reuse) $E2E_IMAGE_DIR/{vmlinuz,initrd.gz}.
e2e_ensure_image() {
    bash "$E2E_LIB_DIR/build-guest-image.sh" "$E2E_IMAGE_DIR" ${E2E_WORKLOAD:+"$E2E_WORKLOAD"} ||
        e2e_die "guest image build failed"
    [[ -r $E2E_IMAGE_DIR/vmlinuz && -r $E2E_IMAGE_DIR/initrd.gz ]] || e2e_die "no guest image in $E2E_IMAGE_DIR"
}

# e2e_init: the usual start of a test: host check (skip), traps, libvirtd,
# image, run dir, and removal of guests left over by an earlier run.
e2e_init() {
    e2e_require_host
    e2e_install_traps
    mkdir -p "$E2E_RUN_DIR"
    chmod 755 "$E2E_RUN_DIR" "$(dirname "$E2E_RUN_DIR")" 2>/dev/null || true
    e2e_ensure_libvirtd
    e2e_ensure_image
    e2e_guests_cleanup
    e2e_budget_restore_stale
    e2e_at_exit 'e2e_guests_cleanup_created'
}

# ---------------------------------------------------------- domain XML --
_e2e_xml_escape() { local s=$1; s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\'/&apos;}; printf '%s' "$s"; }

# e2e_guest_log NAME: path of NAME's serial console log.
e2e_guest_log() { printf '%s/%s.serial.log\n' "$E2E_RUN_DIR" "$1"; }
# e2e_guest_clock_port NAME: the unix socket behind NAME's second serial
# port (ttyS1 in the guest), where e2e_guests_start_clock writes the epoch.
e2e_guest_clock_port() { printf '%s/%s.clock\n' "$E2E_RUN_DIR" "$1"; }

# e2e_guest_xml NAME [OPTIONS]: print the domain XML.
#   --memory MiB          max memory, <memory> (default 1024)
#   --current MiB         <currentMemory> = balloon target at boot (default = memory)
#   --vcpus N             (default 1)
#   --schedule T:MiB,...  workload schedule (ballast.schedule; default 0:0)
#   --rate MiB/s          workload ramp rate (ballast.rate)
#   --retouch S           workload re-touch period (ballast.retouch)
#   --period S            repeat the schedule every S s (ballast.period)
#   --epoch UNIX_TIME|wait  shared timeline start (ballast.epoch); wait:
#                         hold nothing until e2e_guests_start_clock sends it
#   --report S            workload status line every S s (ballast.report)
#   --fill index|pattern  what the workload writes to its pages (ballast.fill;
#                         pattern: identical pages across guests, for KSM)
#   --nosharepages yes    <memoryBacking><nosharepages/>: QEMU keeps the
#                         guest's memory away from KSM
#   --hugepages yes       <memoryBacking><hugepages/>: guest memory from the
#                         host's reserved hugepages (e2e_hugepages_reserve)
#   --stats-period N      <memballoon><stats period='N'/> (default: none)
#   --autodeflate on|off  <memballoon autodeflate=...>
#   --free-page-reporting on|off  <memballoon freePageReporting=...>
#   --tb-cache MiB        TCG translation cache (default $E2E_TB_CACHE_MIB; 0 = QEMU default)
#   --cmdline-extra STR   appended to the kernel command line
e2e_guest_xml() {
    local name=$1; shift
    local memory=1024 current='' vcpus=1 schedule=0:0 stats='' autodeflate='' fpr=''
    local tb=$E2E_TB_CACHE_MIB extra='' wl=() backing='' vmem=''
    while (($#)); do
        case $1 in
            --memory) memory=$2 ;;
            --current) current=$2 ;;
            --vcpus) vcpus=$2 ;;
            --schedule) schedule=$2 ;;
            --rate | --retouch | --period | --epoch | --report | --fill) wl+=("ballast.${1#--}=$2") ;;
            --nosharepages) [[ $2 == yes ]] && backing='<memoryBacking><nosharepages/></memoryBacking>' ;;
            --hugepages) [[ $2 == yes ]] && backing='<memoryBacking><hugepages/></memoryBacking>' ;;
            --stats-period) stats=$2 ;;
            --autodeflate) autodeflate=$2 ;;
            --free-page-reporting) fpr=$2 ;;
            --tb-cache) tb=$2 ;;
            --cmdline-extra) extra=$2 ;;
            --virtio-mem) vmem=$2 ;;
            *) e2e_die "e2e_guest_xml: unknown option $1" ;;
        esac
        shift 2 || e2e_die "e2e_guest_xml: option $1 needs a value"
    done
    current=${current:-$memory}
    local log emulator cmdline balloon_attrs='' features tcg=''
    log=$(e2e_guest_log "$name")
    emulator=${E2E_EMULATOR:-$(command -v qemu-system-x86_64)}
    # No 'quiet': the guest kernel's OOM reports must reach the console.
    # clocksource=acpi_pm: the workloads' schedules run on the guest's
    # clock, and under TCG on a loaded host the kernel's TSC calibration is
    # unreliable ("tsc: Unable to calibrate against PIT"); a CI run saw a
    # guest's busy turn start some 16 s early on the host's timeline and
    # overlap another's. QEMU derives the PM timer from the host's clock.
    cmdline="console=ttyS0 loglevel=6 clocksource=acpi_pm panic=0 ballast.schedule=$schedule ${wl[*]} $extra"
    [[ -n $autodeflate ]] && balloon_attrs+=" autodeflate='$autodeflate'"
    [[ -n $fpr ]] && balloon_attrs+=" freePageReporting='$fpr'"
    # --virtio-mem SIZE:REQUESTED (MiB): a virtio-mem device beside the
    # --memory of boot memory, which then is NUMA cell 0 (virtio-mem needs
    # a node), with hotplug slots; the guest onlines what is plugged as
    # movable, so that it can be unplugged again.
    local max_memory='' numa='' vmem_device=''
    if [[ -n $vmem ]]; then
        local vmem_size=${vmem%%:*} vmem_requested=${vmem#*:}
        [[ $vmem == *:* && $vmem_size =~ ^[0-9]+$ && $vmem_requested =~ ^[0-9]+$ ]] ||
            e2e_die "e2e_guest_xml: --virtio-mem SIZE:REQUESTED in MiB, not '$vmem'"
        max_memory="<maxMemory slots='2' unit='MiB'>$((memory + vmem_size))</maxMemory>"
        numa="<cpu><numa><cell id='0' cpus='0-$((vcpus - 1))' memory='$memory' unit='MiB'/></numa></cpu>"
        vmem_device="<memory model='virtio-mem'><target><size unit='MiB'>$vmem_size</size><node>0</node>"
        vmem_device+="<block unit='KiB'>2048</block><requested unit='MiB'>$vmem_requested</requested></target></memory>"
        cmdline+=" memhp_default_state=online_movable"
    fi
    ((tb > 0)) && tcg="<tcg><tb-cache unit='MiB'>$tb</tb-cache></tcg>"
    features="<acpi/>$tcg"
    cat <<EOF
<domain type='qemu'>
  <name>$(_e2e_xml_escape "$name")</name>
  <description>ballast e2e test guest ($E2E_TEST_NAME)</description>
  <memory unit='MiB'>$memory</memory>
  <currentMemory unit='MiB'>$current</currentMemory>$( [[ -n $max_memory ]] && printf "\n  %s" "$max_memory")
  <vcpu placement='static'>$vcpus</vcpu>$( [[ -n $backing ]] && printf "\n  %s" "$backing")$( [[ -n $numa ]] && printf "\n  %s" "$numa")
  <os>
    <type arch='x86_64' machine='$E2E_MACHINE'>hvm</type>
    <kernel>$E2E_IMAGE_DIR/vmlinuz</kernel>
    <initrd>$E2E_IMAGE_DIR/initrd.gz</initrd>
    <cmdline>$(_e2e_xml_escape "${cmdline% }")</cmdline>
  </os>
  <features>$features</features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$emulator</emulator>
    <controller type='usb' model='none'/>
    <serial type='file'>
      <source path='$log' append='off'/>
      <target port='0'/>
    </serial>
    <console type='file'>
      <source path='$log' append='off'/>
      <target type='serial' port='0'/>
    </console>
    <serial type='unix'>
      <source mode='bind' path='$(e2e_guest_clock_port "$name")'/>
      <target port='1'/>
    </serial>
    $vmem_device
    <memballoon model='virtio'$balloon_attrs>$( [[ -n $stats ]] && printf "\n      <stats period='%s'/>\n    " "$stats")</memballoon>
  </devices>
</domain>
EOF
}

# ------------------------------------------------------------- lifecycle --
_e2e_check_name() {
    [[ $1 == "$E2E_PREFIX"* ]] || e2e_die "guest name '$1' must start with '$E2E_PREFIX'"
}

# e2e_guest_define NAME [OPTIONS]: define a persistent domain (options as
# e2e_guest_xml). Persistent, so its state and reason stay readable after
# QEMU dies. The XML is kept in $E2E_RUN_DIR/NAME.xml.
e2e_guest_define() {
    local name=$1 xml
    _e2e_check_name "$name"
    xml=$E2E_RUN_DIR/$name.xml
    e2e_guest_xml "$@" > "$xml"
    e2e_virsh define "$xml" >/dev/null || e2e_die "virsh define $name failed ($xml)"
    E2E_CREATED_GUESTS+=("$name")
}

# e2e_guest_start NAME: start a defined guest (serial log truncated).
e2e_guest_start() {
    e2e_virsh start "$1" >/dev/null || e2e_die "virsh start $1 failed (see /var/log/libvirt/qemu/$1.log)"
    date +%s.%N > "$E2E_RUN_DIR/$1.started"
}

# e2e_guest_create NAME [OPTIONS]: define + start.
e2e_guest_create() { e2e_guest_define "$@"; e2e_guest_start "$1"; }

# e2e_guest_destroy NAME: hard stop if running (no error if not).
e2e_guest_destroy() {
    if e2e_virsh domstate "$1" 2>/dev/null | grep -qE 'running|paused|blocked|pmsuspended|in shutdown'; then
        e2e_virsh destroy "$1" >/dev/null 2>&1 || true
    fi
}

# e2e_guest_undefine NAME: remove the definition (no error if unknown).
e2e_guest_undefine() { e2e_virsh undefine "$1" >/dev/null 2>&1 || true; }

# e2e_guest_remove NAME: destroy + undefine.
e2e_guest_remove() { e2e_guest_destroy "$1"; e2e_guest_undefine "$1"; }

# e2e_guests_list: names of all guests (running or not) with $E2E_PREFIX.
e2e_guests_list() {
    e2e_virsh list --all --name 2>/dev/null | grep -E "^${E2E_PREFIX}" || true
}

# e2e_guests_cleanup: remove every guest whose name starts with $E2E_PREFIX.
e2e_guests_cleanup() {
    local n
    for n in $(e2e_guests_list); do e2e_guest_remove "$n"; done
}
# e2e_guests_cleanup_created: remove the guests this shell defined.
e2e_guests_cleanup_created() {
    local n
    for n in "${E2E_CREATED_GUESTS[@]}"; do e2e_guest_remove "$n"; done
}

# e2e_guest_state NAME: virsh domstate --reason, e.g. "running (booted)",
# "shut off (crashed)" (QEMU died, e.g. OOM-killed), "shut off (destroyed)";
# "unknown" when there is no such domain.
e2e_guest_state() { e2e_virsh domstate --reason "$1" 2>/dev/null || echo unknown; }

# e2e_guest_running NAME: true while the domain runs.
e2e_guest_running() { [[ $(e2e_virsh domstate "$1" 2>/dev/null) == running ]]; }

# e2e_qemu_pid NAME: pid of NAME's QEMU (empty if not running).
e2e_qemu_pid() {
    local f=/run/libvirt/qemu/$1.pid pid
    [[ -r $f ]] || return 0
    pid=$(<"$f")
    [[ -n $pid && -d /proc/$pid ]] && echo "$pid"
    return 0
}

# e2e_qemu_rss_mib NAME: resident memory of NAME's QEMU in MiB (0 if gone).
e2e_qemu_rss_mib() {
    local pid
    pid=$(e2e_qemu_pid "$1")
    [[ -n $pid ]] || { echo 0; return 0; }
    awk '/^VmRSS:/ {printf "%d\n", $2 / 1024; f=1} END {if (!f) print 0}' "/proc/$pid/status" 2>/dev/null || echo 0
}

# e2e_qemu_ram_rss_mib NAME: resident part of the guest RAM mapping (the
# anonymous mapping whose size is the domain's <memory>), in MiB. RSS minus
# this is QEMU's own overhead (TCG translation cache, heap, binary, ...).
e2e_qemu_ram_rss_mib() {
    local pid mem range rss lo hi
    pid=$(e2e_qemu_pid "$1")
    [[ -n $pid ]] || { echo 0; return 0; }
    mem=$({ e2e_virsh dominfo "$1" 2>/dev/null || true; } | awk '/^Max memory:/ {print $3 * 1024}')
    [[ -n $mem ]] || { echo 0; return 0; }
    while read -r range rss; do
        lo=$((16#${range%-*})); hi=$((16#${range#*-}))
        if ((hi - lo == mem)); then echo $((rss / 1024)); return 0; fi
    done < <(awk '/^[0-9a-f]+-[0-9a-f]+ / {r = $1} /^Rss:/ {print r, $2}' "/proc/$pid/smaps" 2>/dev/null)
    echo 0
}

# e2e_guest_cgroup_dir NAME: NAME's memory cgroup directory (empty if not running).
e2e_guest_cgroup_dir() {
    local pid rel root
    pid=$(e2e_qemu_pid "$1")
    [[ -n $pid ]] || return 0
    if [[ $(e2e_cgroup_kind) == v1 ]]; then
        rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$pid/cgroup")
        root=$(_e2e_v1_memory_root)
    else
        rel=$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")
        root=/sys/fs/cgroup
        rel=${rel%/emulator}
    fi
    echo "$root$rel"
}

# e2e_dommemstat NAME [KEY]: all balloon stats "key value" (KiB), or one value
# (empty when the guest does not report KEY).
# Never fails: a guest can die between any two calls.
e2e_dommemstat() {
    if (($# > 1)); then
        { e2e_virsh dommemstat "$1" 2>/dev/null || true; } | awk -v k="$2" '$1 == k {print $2}'
    else
        e2e_virsh dommemstat "$1" 2>/dev/null || true
    fi
}

# e2e_guest_setmem NAME MiB: set the balloon target (virsh setmem --live).
e2e_guest_setmem() { e2e_virsh setmem "$1" "$(($2 * 1024))" --live >/dev/null; }

# e2e_wait_for SECONDS COMMAND...: until COMMAND succeeds, polling every
# 0.5 s; fails (status 1) after SECONDS.
e2e_wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || return 1; sleep 0.5; done
}

# e2e_guest_below NAME MiB: NAME's balloon (QEMU's actual) is under MiB.
e2e_guest_below() { (($(e2e_dommemstat "$1" actual) < $2 * 1024)); }

# e2e_guest_set_stats_period NAME SECONDS: virsh dommemstat --period --live.
e2e_guest_set_stats_period() { e2e_virsh dommemstat "$1" --period "$2" --live >/dev/null; }

# ---------------------------------------------------------- serial console --
# e2e_guest_wait_log NAME REGEX TIMEOUT_S: wait until the serial log matches
# (grep -E); fails (returns 1) on timeout or when the guest stops running.
e2e_guest_wait_log() {
    local log deadline
    log=$(e2e_guest_log "$1")
    deadline=$((SECONDS + $3))
    while ((SECONDS < deadline)); do
        grep -qE -- "$2" "$log" 2>/dev/null && return 0
        e2e_guest_running "$1" || { grep -qE -- "$2" "$log" 2>/dev/null; return; }
        sleep 0.5
    done
    return 1
}

# e2e_guests_wait_clock_port TIMEOUT_S NAME...: wait until every guest
# created with --epoch wait has booted to its workload, which then waits
# for the epoch on its clock port; fails naming the guest that did not.
e2e_guests_wait_clock_port() {
    local timeout=$1 n
    shift
    for n in "$@"; do
        e2e_guest_wait_log "$n" '^ballast-workload: waiting for the epoch' "$timeout" ||
            e2e_die "$n did not boot to its workload (see $(e2e_guest_log "$n"))"
    done
}

# e2e_guests_start_clock EPOCH NAME...: start the timeline of guests created
# with --epoch wait: clock-port.py writes "epoch=EPOCH" to each one's clock
# port until its workload acknowledges it on the console. Fails after 30 s.
e2e_guests_start_clock() {
    local epoch=$1 n ports=()
    shift
    for n in "$@"; do ports+=("$(e2e_guest_clock_port "$n")=$(e2e_guest_log "$n")"); done
    python3 "$E2E_LIB_DIR/clock-port.py" "$epoch" 30 "${ports[@]}" ||
        e2e_die "the clock port was not acknowledged by every guest within 30 s (see their serial logs)"
    e2e_log "clock started for $*: t=0 at $(date -d "@$epoch" +%H:%M:%S)"
}

# e2e_guest_oom_kills NAME: number of guest-kernel OOM kills in the serial log.
e2e_guest_oom_kills() {
    local n
    n=$(grep -cE 'Out of memory: Killed process|Memory cgroup out of memory: Killed process' \
        "$(e2e_guest_log "$1")" 2>/dev/null) || true
    echo "${n:-0}"
}

# e2e_guest_workload_lines NAME: the workload's and init's lines from the log.
e2e_guest_workload_lines() { { grep -aE '^ballast-(workload|init):' "$(e2e_guest_log "$1")" 2>/dev/null || true; } | tr -d '\r'; }

# ---------------------------------------------------------- cgroup budget --
# The guests' budget is the memory limit of libvirt's machine partition:
# cgroup v1: <memory mount>/machine/memory.limit_in_bytes (libvirt without
# systemd puts guests in machine/qemu-ID-NAME.libvirt-qemu), v2:
# /sys/fs/cgroup/machine.slice/memory.max with systemd, else
# /sys/fs/cgroup/machine/memory.max.

_e2e_v1_memory_root() {
    awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ {print $2; exit}' /proc/mounts
}
# e2e_cgroup_kind: v1 or v2 (memory controller), empty if neither.
e2e_cgroup_kind() {
    if [[ -n $(_e2e_v1_memory_root) ]]; then echo v1
    elif [[ -r /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then echo v2
    fi
}
# e2e_cgroup_machine_dir: the machine partition's directory (created if
# missing, so a budget can be set before the first guest starts).
e2e_cgroup_machine_dir() {
    local d
    case $(e2e_cgroup_kind) in
        v1) d=$(_e2e_v1_memory_root)/machine ;;
        v2) if [[ -d /sys/fs/cgroup/machine.slice ]] || [[ -d /run/systemd/system ]]; then
                d=/sys/fs/cgroup/machine.slice
            else
                d=/sys/fs/cgroup/machine
                grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
                    echo +memory > /sys/fs/cgroup/cgroup.subtree_control
            fi ;;
        *) e2e_die "no cgroup memory controller" ;;
    esac
    [[ -d $d ]] || mkdir -p "$d"
    echo "$d"
}
_e2e_cg_file() { # limit|usage|failcnt|max_usage
    local d
    d=$(e2e_cgroup_machine_dir)
    case $(e2e_cgroup_kind):$1 in
        v1:limit) echo "$d/memory.limit_in_bytes" ;;
        v1:usage) echo "$d/memory.usage_in_bytes" ;;
        v1:peak) echo "$d/memory.max_usage_in_bytes" ;;
        v2:limit) echo "$d/memory.max" ;;
        v2:usage) echo "$d/memory.current" ;;
        v2:peak) echo "$d/memory.peak" ;;
    esac
}

E2E_BUDGET_SAVED=
# e2e_budget_set MiB: limit the guests' cgroup budget; the previous value is
# saved (in memory and in $E2E_RUN_DIR/budget.saved) and restored at exit.
# Set it before the guests grow: a limit below current usage fails (EBUSY).
e2e_budget_set() {
    local f
    f=$(_e2e_cg_file limit)
    if [[ -z $E2E_BUDGET_SAVED ]]; then
        E2E_BUDGET_SAVED=$(<"$f")
        [[ -e $E2E_RUN_DIR/budget.saved ]] || echo "$f $E2E_BUDGET_SAVED" > "$E2E_RUN_DIR/budget.saved"
        e2e_at_exit 'e2e_budget_restore'
    fi
    echo $(($1 * 1024 * 1024)) > "$f" 2>/dev/null ||
        e2e_die "cannot set $f to $1 MiB (usage now $(e2e_budget_usage_mib) MiB)"
    e2e_log "guest budget: $f = $1 MiB (was $E2E_BUDGET_SAVED)"
}

# e2e_budget_restore: put the saved limit back.
e2e_budget_restore() {
    local f
    [[ -n $E2E_BUDGET_SAVED ]] || return 0
    f=$(_e2e_cg_file limit)
    if echo "$E2E_BUDGET_SAVED" > "$f" 2>/dev/null; then
        e2e_log "guest budget restored: $f = $E2E_BUDGET_SAVED"
        rm -f "$E2E_RUN_DIR/budget.saved"
        E2E_BUDGET_SAVED=
    else
        e2e_log "WARNING: could not restore $f to $E2E_BUDGET_SAVED"
    fi
}

# e2e_budget_restore_stale: restore a limit saved by a run that was killed
# before it could restore it itself.
e2e_budget_restore_stale() {
    local f v
    [[ -r $E2E_RUN_DIR/budget.saved ]] || return 0
    read -r f v < "$E2E_RUN_DIR/budget.saved"
    if [[ -w $f ]] && echo "$v" > "$f" 2>/dev/null; then
        e2e_log "restored stale guest budget $f = $v"
    fi
    rm -f "$E2E_RUN_DIR/budget.saved"
}

# e2e_budget_mib: current limit in MiB ("max" when unlimited).
e2e_budget_mib() {
    local v
    v=$(<"$(_e2e_cg_file limit)")
    if [[ $v == max ]] || ((v >= 1 << 62)); then echo max; else echo $((v / 1048576)); fi
}
# e2e_budget_usage_mib / e2e_budget_peak_mib: charged memory of all guests.
e2e_budget_usage_mib() { echo $(($(<"$(_e2e_cg_file usage)") / 1048576)); }
e2e_budget_peak_mib() {
    local f
    f=$(_e2e_cg_file peak)
    if [[ -r $f ]]; then echo $(($(<"$f") / 1048576)); else echo "?"; fi
}
# e2e_budget_reset_peak: v1 only: reset max_usage_in_bytes and failcnt.
e2e_budget_reset_peak() {
    [[ $(e2e_cgroup_kind) == v1 ]] || return 0
    local d
    d=$(e2e_cgroup_machine_dir)
    echo 0 > "$d/memory.max_usage_in_bytes" 2>/dev/null || true
    echo 0 > "$d/memory.failcnt" 2>/dev/null || true
}
# e2e_cgroup_oom_kills: OOM kills charged to the machine partition so far
# (v1 memory.oom_control oom_kill, v2 memory.events oom_kill).
e2e_cgroup_oom_kills() {
    local d
    d=$(e2e_cgroup_machine_dir)
    case $(e2e_cgroup_kind) in
        v1) awk '$1 == "oom_kill" {print $2}' "$d/memory.oom_control" ;;
        v2) awk '$1 == "oom_kill" {print $2}' "$d/memory.events" ;;
    esac
}
# e2e_cgroup_failcnt: v1 memory.failcnt (v2: memory.events max).
e2e_cgroup_failcnt() {
    local d
    d=$(e2e_cgroup_machine_dir)
    case $(e2e_cgroup_kind) in
        v1) cat "$d/memory.failcnt" ;;
        v2) awk '$1 == "max" {print $2}' "$d/memory.events" ;;
    esac
}

# e2e_cgroup_prepare_pressure: make a budget overrun end in a prompt cgroup
# OOM kill instead of minutes of thrashing. Page cache is charged to the
# cgroup that first reads a page; if QEMU's own binary, libraries and
# firmware are charged to the machine partition, reclaim at its limit evicts
# QEMU's code, QEMU faults it back in, reclaim "makes progress" and the OOM
# killer never runs (seen here: 40+ s at the limit, failcnt in the millions,
# every guest frozen). So, while no guest runs: drop the page cache charged
# to the partition (v1 memory.force_empty, v2 memory.reclaim), then read
# those files from this process's cgroup so they are charged here.
e2e_cgroup_prepare_pressure() {
    local d qemu f files=()
    d=$(e2e_cgroup_machine_dir)
    if [[ -z $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null) ]]; then
        case $(e2e_cgroup_kind) in
            v1) echo 0 > "$d/memory.force_empty" 2>/dev/null || true ;;
            v2) [[ -w $d/memory.reclaim ]] && echo 1G > "$d/memory.reclaim" 2>/dev/null || true ;;
        esac
    fi
    qemu=${E2E_EMULATOR:-$(command -v qemu-system-x86_64)}
    files+=("$qemu" "$E2E_IMAGE_DIR/vmlinuz" "$E2E_IMAGE_DIR/initrd.gz")
    while read -r f; do [[ -r $f ]] && files+=("$f"); done < <(ldd "$qemu" 2>/dev/null | awk '/=>/ {print $3}')
    for f in /usr/lib/x86_64-linux-gnu/qemu /usr/share/qemu /usr/share/seabios; do
        [[ -d $f ]] && files+=("$f")
    done
    find -L "${files[@]}" -type f -exec cat {} + > /dev/null 2>&1 || true
}

# e2e_host_swap_mib: host swap total in MiB (0 here: nothing can be swapped,
# so a budget overrun is an OOM kill, not slowness).
e2e_host_swap_mib() { awk '/^SwapTotal:/ {print int($2 / 1024)}' /proc/meminfo; }

# ------------------------------------------------------------- host dmesg --
# e2e_dmesg_mark: remember the kernel log position (seconds since boot).
e2e_dmesg_mark() { E2E_DMESG_MARK=$(awk '{print $1}' /proc/uptime); }
# e2e_dmesg_since_mark: kernel log lines after the mark.
e2e_dmesg_since_mark() {
    dmesg 2>/dev/null | awk -v m="${E2E_DMESG_MARK:-0}" '
        { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t); if (t + 0 >= m) print }'
}
# e2e_dmesg_memcg_oom_kills: host "Memory cgroup out of memory: Killed process
# PID (qemu-system-x86)" lines since the mark.
e2e_dmesg_memcg_oom_kills() {
    e2e_dmesg_since_mark | grep -E 'Memory cgroup out of memory: Killed process' || true
}

# ---------------------------------------------------------------- hugepages --
# e2e_hugepages_reserve MiB: reserve that much in the host's default-size
# hugepages for a <hugepages/> guest; put back as it was when the test
# exits. Skips where hugetlbfs is not mounted for libvirt (setup-host.sh
# mounts it before libvirtd starts).
e2e_hugepages_reserve() {
    grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts ||
        e2e_skip "no hugetlbfs on /dev/hugepages (tests/e2e/setup-host.sh mounts it before libvirtd starts)"
    local page_kib want
    page_kib=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
    want=$((($1 * 1024 + page_kib - 1) / page_kib))
    E2E_HUGEPAGES_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
    e2e_at_exit 'echo "$E2E_HUGEPAGES_BEFORE" > /proc/sys/vm/nr_hugepages'
    echo $((E2E_HUGEPAGES_BEFORE + want)) > /proc/sys/vm/nr_hugepages
    (($(cat /proc/sys/vm/nr_hugepages) >= E2E_HUGEPAGES_BEFORE + want)) ||
        e2e_die "could reserve only $(cat /proc/sys/vm/nr_hugepages) hugepages of $((E2E_HUGEPAGES_BEFORE + want))"
    e2e_log "reserved $want hugepages of $page_kib KiB"
}

# e2e_hugepages_free_mib: the host's free hugepages, in MiB.
e2e_hugepages_free_mib() {
    awk '/^HugePages_Free:/ {n = $2} /^Hugepagesize:/ {kib = $2} END {print int(n * kib / 1024)}' /proc/meminfo
}
