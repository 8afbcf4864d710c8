#!/bin/bash
# (Re)build the fixture-derived seeds of tests/fuzz/corpus/ from
# tests/fixtures/ (real captures), the simulator's scenarios and the shipped
# example files. Seeds written by hand (hand-*) are left alone; seeds
# copied from files are named from-PATH (slashes as '_'). Files over 16 KiB
# are not taken: a seed corpus of small inputs fuzzes faster.
#   tests/fuzz/make-corpus.sh        (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/../.."
fix=tests/fixtures
corpus=tests/fuzz/corpus
max_bytes=16384

seed() {   # seed TARGET FILE...
    local target=$1; shift
    mkdir -p "$corpus/$target"
    local file
    for file in "$@"; do
        [[ -f $file ]] || continue
        (( $(stat -c %s "$file") <= max_bytes )) || continue
        cp "$file" "$corpus/$target/from-${file//\//_}"
    done
}

pair() {   # pair TARGET CAPS [DOMCAPS]: capabilities, NUL, domain capabilities
    local target=$1 caps=$2 domcaps=${3:-}
    mkdir -p "$corpus/$target"
    local name="from-$(basename "$caps" .xml)"
    if [[ -n $domcaps ]]; then
        name+="+$(basename "$domcaps" .xml)"
        { cat "$caps"; printf '\0'; cat "$domcaps"; } > "$corpus/$target/$name"
    else
        cp "$caps" "$corpus/$target/$name"
    fi
}

rm -f "$corpus"/*/from-*

seed domain-xml $fix/domains/*.xml $fix/libvirt/running-domain-g1.xml $fix/libvirt/running-domain-virtio-mem.xml
seed policy-file $fix/policy/valid/*.xml $fix/policy/invalid/*.xml data/policy.xml data/examples/*.xml
seed meminfo $fix/host/meminfo.txt
seed psi $fix/host/pressure-memory.txt $fix/trees/cgroup-v2/proc/pressure/memory
seed cgroup $fix/host/cgroup-v1-machine-memory.stat \
    $fix/trees/cgroup-v2/sys/fs/cgroup/machine.slice/memory.{stat,max,current} \
    $fix/trees/cgroup-v1/sys/fs/cgroup/memory/machine/memory.{limit_in_bytes,usage_in_bytes}
seed cpuinfo $fix/host/cpuinfo-flags-amd-epyc-nested-no-svm.txt $fix/trees/hap-*/proc/cpuinfo \
    $fix/trees/hap-intel-flags/sys/module/kvm_intel/parameters/ept \
    $fix/trees/hap-amd-npt-0/sys/module/kvm_amd/parameters/npt \
    $fix/trees/hap-amd-npt-y/sys/module/kvm_amd/parameters/npt
for caps in $fix/libvirt/capabilities-*.xml; do
    pair libvirt-caps "$caps"
    for domcaps in $fix/libvirt/domcapabilities-*.xml; do
        pair libvirt-caps "$caps" "$domcaps"
    done
done
seed daemon-config data/ballastd.conf
seed ksm $fix/host/ksm-sysfs.txt $fix/trees/ksm-6.1/sys/kernel/mm/ksm/*
seed ksm-process $fix/host/proc-pid-ksm_stat.txt $fix/trees/ksm-6.1/proc/4242/ksm_stat \
    $fix/trees/ksm-6.1/proc/4242/ksm_merging_pages
seed proc-stat $fix/host/proc-ksmd-stat.txt $fix/trees/ksm-*/proc/*/stat
seed sim-scenario tests/sim/scenarios/*.json
seed sim-csv tests/sim/scenarios/*.csv
# tuning: the <ballast:tuning> elements of the domain fixtures.
mkdir -p "$corpus/tuning"
for domain in $fix/domains/*.xml; do
    grep -o '<ballast:tuning.*</ballast:tuning>' "$domain" > "$corpus/tuning/from-${domain//\//_}" \
        || rm -f "$corpus/tuning/from-${domain//\//_}"
done
echo "make-corpus: $(find "$corpus" -type f -name 'from-*' | wc -l) seeds from files," \
     "$(find "$corpus" -type f -name 'hand-*' | wc -l) by hand" >&2
