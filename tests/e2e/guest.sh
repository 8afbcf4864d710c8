#!/bin/bash
# Command line front end of tests/e2e/lib.sh: manage e2e test guests by hand.
#
#   guest.sh setup                       start libvirtd if needed, build the image
#   guest.sh xml NAME [OPTIONS]          print the domain XML
#   guest.sh create NAME [OPTIONS]       define + start
#   guest.sh define NAME [OPTIONS]
#   guest.sh start|destroy|undefine|remove NAME
#   guest.sh cleanup                     remove every ${E2E_PREFIX}* guest
#   guest.sh list                        name, state, QEMU RSS, balloon of each guest
#   guest.sh state NAME                  virsh domstate --reason
#   guest.sh log NAME                    path of the serial log
#   guest.sh wait-log NAME REGEX SECS    wait for a serial log line
#   guest.sh setmem NAME MiB             balloon target (virsh setmem --live)
#   guest.sh memstat NAME [KEY]          virsh dommemstat
#   guest.sh budget                      show the guests' cgroup budget
#   guest.sh budget set MiB              set it (the old value is saved once)
#   guest.sh budget restore              put the saved value back
#
# OPTIONS (see e2e_guest_xml in lib.sh): --memory MiB --current MiB
#   --vcpus N --schedule T:MiB,... --rate MiB/s --retouch S --period S
#   --epoch UNIX_TIME --report S --stats-period N --autodeflate on|off
#   --free-page-reporting on|off --tb-cache MiB --cmdline-extra STR
#   --virtio-mem SIZE:REQUESTED (MiB; --memory is then the boot memory)
# Names must start with $E2E_PREFIX (default ballast-e2e-).
#
# Example:
#   tests/e2e/guest.sh create ballast-e2e-1 --memory 512 --schedule 0:100,30:300 --stats-period 2
#   tail -f "$(tests/e2e/guest.sh log ballast-e2e-1)"
#   tests/e2e/guest.sh remove ballast-e2e-1
set -euo pipefail
E2E_TEST_NAME=guest.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
(($#)) || usage
cmd=$1; shift
[[ $(id -u) -eq 0 ]] || e2e_die "run as root"
mkdir -p "$E2E_RUN_DIR"

case $cmd in
    setup) e2e_ensure_libvirtd; e2e_ensure_image ;;
    xml) (($#)) || usage; e2e_guest_xml "$@" ;;
    define) (($#)) || usage; e2e_guest_define "$@" ;;
    create) (($#)) || usage; e2e_guest_create "$@"; e2e_log "started $1, serial log $(e2e_guest_log "$1")" ;;
    start) (($# == 1)) || usage; e2e_guest_start "$1" ;;
    destroy) (($# == 1)) || usage; e2e_guest_destroy "$1" ;;
    undefine) (($# == 1)) || usage; e2e_guest_undefine "$1" ;;
    remove) (($# == 1)) || usage; e2e_guest_remove "$1" ;;
    cleanup) e2e_guests_cleanup ;;
    list)
        printf '%-20s %-22s %8s %10s\n' NAME STATE RSS_MiB BALLOON_MiB
        for n in $(e2e_guests_list); do
            act=$(e2e_dommemstat "$n" actual); act=${act:+$((act / 1024))}
            printf '%-20s %-22s %8s %10s\n' "$n" "$(e2e_guest_state "$n")" "$(e2e_qemu_rss_mib "$n")" "${act:--}"
        done ;;
    state) (($# == 1)) || usage; e2e_guest_state "$1" ;;
    log) (($# == 1)) || usage; e2e_guest_log "$1" ;;
    wait-log) (($# == 3)) || usage; e2e_guest_wait_log "$@" ;;
    setmem) (($# == 2)) || usage; e2e_guest_setmem "$@" ;;
    memstat) (($#)) || usage; e2e_dommemstat "$@" ;;
    budget)
        case ${1:-show} in
            show) echo "$(e2e_cgroup_kind) $(_e2e_cg_file limit): limit $(e2e_budget_mib) MiB, usage $(e2e_budget_usage_mib) MiB, peak $(e2e_budget_peak_mib) MiB, failcnt $(e2e_cgroup_failcnt), oom_kill $(e2e_cgroup_oom_kills)" ;;
            set) (($# == 2)) || usage
                 f=$(_e2e_cg_file limit)
                 [[ -e $E2E_RUN_DIR/budget.saved ]] || echo "$f $(<"$f")" > "$E2E_RUN_DIR/budget.saved"
                 echo $(($2 * 1048576)) > "$f" ;;
            restore) e2e_budget_restore_stale ;;
            *) usage ;;
        esac ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
