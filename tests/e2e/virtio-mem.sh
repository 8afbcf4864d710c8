# The virtio-mem device of the guest named $VMEM, as ballastd shows it and
# as libvirt's live XML has it, in MiB (sourced after ballastd.sh by the
# e2e-virtio-mem tests).
plugged_mib() { echo $(($(bd_info "$VMEM" virtio_mem_plugged_kib) / 1024)); }
requested_mib() { echo $(($(bd_info "$VMEM" virtio_mem_requested_kib) / 1024)); }
plugged_is() { (($(plugged_mib) == $1)); }
plugged_below() { (($(plugged_mib) < $1)); }
live_requested_mib() {
    e2e_virsh dumpxml "$VMEM" | awk '/model=.virtio-mem/ {m=1} m && /<requested/ {gsub(/[^0-9]/, ""); print int($0 / 1024); exit}'
}
