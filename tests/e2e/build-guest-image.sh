#!/bin/bash
# Build the e2e guest image: OUTDIR/vmlinuz + OUTDIR/initrd.gz.
#
# Usage: tests/e2e/build-guest-image.sh OUTDIR [WORKLOAD_BINARY]
#
#  - kernel: Debian's cloud kernel. The metapackage linux-image-cloud-amd64
#    is resolved to the real versioned package, which is fetched with
#    `apt-get download` and unpacked with `dpkg-deb -x` (nothing is installed
#    on the host).
#  - initramfs: busybox (from the busybox-static .deb, also only unpacked),
#    the virtio modules that the kernel has as modules (virtio_ring, virtio,
#    virtio_pci_legacy_dev, virtio_pci_modern_dev, virtio_pci,
#    virtio_balloon, virtio_mem; built-in ones are skipped), inserted in dependency order
#    by /init, and the static workload program (tests/guest/workload.c).
#    /init removes the balloon driver T s after boot when the kernel command
#    line has ballast.unload_balloon_at=T (tests/e2e/test-guest-faults.sh),
#    and keeps its online virtio-mem memory from being unplugged for T s
#    with ballast.virtio_mem_pinned_for=T (tests/e2e/test-virtio-mem-partial.sh);
#    ballast.no_balloon_driver and ballast.no_virtio_mem_driver keep it from
#    loading those drivers.
#  - WORKLOAD_BINARY: a static ballast-workload (e.g. meson's build of
#    tests/guest). Without it, workload.c is compiled here with
#    `gcc -static -O2`.
#
# Work is cached in OUTDIR/.build (or $BALLAST_E2E_BUILD_DIR): nothing is
# downloaded or rebuilt when the outputs are newer than their inputs.
# Needs root only for apt-get download's sandbox-free run; needs apt lists
# (runs `apt-get update` when the package is unknown).
#
# Env: BALLAST_E2E_KERNEL_PKG  metapackage (default linux-image-cloud-amd64)
#      BALLAST_E2E_OFFLINE=1   never call apt; use what is cached
set -euo pipefail

log() { printf 'build-guest-image: %s\n' "$*" >&2; }
die() { printf 'build-guest-image: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || die "usage: $0 OUTDIR [WORKLOAD_BINARY]"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=$(cd "$HERE/../.." && pwd)
OUTDIR=$1
WORKLOAD_BIN=${2:-}
KPKG_META=${BALLAST_E2E_KERNEL_PKG:-linux-image-cloud-amd64}
WANTED_MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_balloon virtio_mem)

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
BUILD=${BALLAST_E2E_BUILD_DIR:-$OUTDIR/.build}
mkdir -p "$BUILD"/debs
# QEMU runs as libvirt-qemu: the image must be readable by everyone.
chmod 755 "$OUTDIR"

TMP=$(mktemp -d "$BUILD/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ------------------------------------------------------------ apt helpers --
APT_UPDATED=
apt_update_once() {
    [[ -z $APT_UPDATED ]] || return 0
    APT_UPDATED=1
    log "apt-get update"
    apt-get update -q >&2 || { log "apt-get update failed"; return 1; }
}

# candidate_version PKG -> version apt would download (empty if unknown)
candidate_version() {
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" {print $2; exit}'
}

# resolve_kernel_pkg META -> the versioned linux-image-* package it depends on
resolve_kernel_pkg() {
    apt-cache depends "$1" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}'
}

# fetch_deb PKG VERSION -> path of the cached .deb (downloads when missing)
fetch_deb() {
    local pkg=$1 ver=$2 dir deb
    dir=$BUILD/debs/$pkg/$ver
    deb=$(find "$dir" -maxdepth 1 -name '*.deb' 2>/dev/null | head -n1)
    if [[ -z $deb ]]; then
        log "downloading $pkg=$ver"
        mkdir -p "$TMP/dl"
        if ! (cd "$TMP/dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2); then
            log "apt-get download $pkg=$ver failed"
            return 1
        fi
        mkdir -p "$dir"
        mv "$TMP"/dl/*.deb "$dir"/
        deb=$(find "$dir" -maxdepth 1 -name '*.deb' | head -n1)
    fi
    printf '%s\n' "$deb"
}

# cached_deb PKG -> newest cached .deb of PKG (offline fallback)
cached_deb() {
    find "$BUILD/debs/$1" -name '*.deb' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n1 | cut -d' ' -f2-
}

# ------------------------------------------------------- resolve packages --
# resolve_and_fetch: set KPKG/KVER/BBVER/KDEB/BBDEB (downloads when needed).
resolve_and_fetch() {
    KPKG=$(resolve_kernel_pkg "$KPKG_META")
    [[ -n $KPKG ]] || return 1
    KVER=$(candidate_version "$KPKG")
    BBVER=$(candidate_version busybox-static)
    [[ -n $KVER && -n $BBVER ]] || return 1
    log "kernel package: $KPKG_META -> $KPKG ($KVER); busybox-static $BBVER"
    KDEB=$(fetch_deb "$KPKG" "$KVER") && BBDEB=$(fetch_deb busybox-static "$BBVER")
}

KDEB='' BBDEB=''
if [[ -z ${BALLAST_E2E_OFFLINE:-} ]]; then
    [[ -n $(candidate_version "$KPKG_META") ]] || apt_update_once || true
    # On failure, the package lists may be stale (naming versions the mirror
    # no longer has): update them once and try again.
    if ! resolve_and_fetch && ! { apt_update_once && resolve_and_fetch; }; then
        if [[ -s $OUTDIR/vmlinuz && -s $OUTDIR/initrd.gz ]]; then
            log "WARNING: cannot resolve/download the packages; keeping the existing image in $OUTDIR"
            exit 0
        fi
        die "cannot resolve or download $KPKG_META / busybox-static"
    fi
else
    KDEB=$(find "$BUILD/debs" -path '*/linux-image-[0-9]*' -name '*.deb' -printf '%T@ %p\n' 2>/dev/null |
        sort -n | tail -n1 | cut -d' ' -f2-)
    BBDEB=$(cached_deb busybox-static)
    [[ -n $KDEB && -n $BBDEB ]] || die "offline and no cached .debs in $BUILD/debs"
fi

# --------------------------------------------------------------- workload --
if [[ -z $WORKLOAD_BIN ]]; then
    WORKLOAD_SRC=$SRCDIR/tests/guest/workload.c
    WORKLOAD_BIN=$BUILD/ballast-workload
    [[ -r $WORKLOAD_SRC ]] || die "missing $WORKLOAD_SRC"
    if [[ ! -x $WORKLOAD_BIN || $WORKLOAD_SRC -nt $WORKLOAD_BIN ]]; then
        command -v gcc >/dev/null || die "gcc not found (apt-get install gcc libc6-dev)"
        log "compiling $WORKLOAD_SRC (gcc -static -O2)"
        gcc -static -O2 -Wall -o "$WORKLOAD_BIN.tmp" "$WORKLOAD_SRC" ||
            die "cannot build the static workload (is libc6-dev installed?)"
        mv "$WORKLOAD_BIN.tmp" "$WORKLOAD_BIN"
    fi
fi
[[ -x $WORKLOAD_BIN ]] || die "workload binary $WORKLOAD_BIN is not executable"
WORKLOAD_BIN=$(cd "$(dirname "$WORKLOAD_BIN")" && pwd)/$(basename "$WORKLOAD_BIN")

# ------------------------------------------------------------------ cache --
up_to_date() {
    local out in
    for out in "$OUTDIR/vmlinuz" "$OUTDIR/initrd.gz" "$OUTDIR/image.info"; do
        [[ -e $out ]] || return 1
        for in in "$KDEB" "$BBDEB" "$WORKLOAD_BIN" "${BASH_SOURCE[0]}"; do
            [[ $out -nt $in ]] || return 1
        done
    done
    # Also rebuild when a different kernel/busybox package was resolved.
    grep -qxF "kernel_deb=$(basename "$KDEB")" "$OUTDIR/image.info" &&
        grep -qxF "busybox_deb=$(basename "$BBDEB")" "$OUTDIR/image.info"
}
if up_to_date; then
    log "up to date: $OUTDIR/vmlinuz $OUTDIR/initrd.gz"
    exit 0
fi

# ---------------------------------------------------------------- unpack --
log "unpacking $(basename "$KDEB") and $(basename "$BBDEB")"
dpkg-deb -x "$KDEB" "$TMP/kernel"
dpkg-deb -x "$BBDEB" "$TMP/busybox"
BB=$TMP/busybox/bin/busybox
[[ -x $BB ]] || die "no bin/busybox in $BBDEB"

VMLINUZ=$(find "$TMP/kernel/boot" -name 'vmlinuz-*' | head -n1)
[[ -n $VMLINUZ ]] || die "no /boot/vmlinuz-* in $KDEB"
KREL=${VMLINUZ##*/vmlinuz-}
KCONFIG=$TMP/kernel/boot/config-$KREL
MODDIR=$(find "$TMP/kernel" -type d -path "*/lib/modules/$KREL" | head -n1)
[[ -n $MODDIR && -r $KCONFIG ]] || die "kernel $KREL: modules dir or config missing"

# ------------------------------------------------- modules and their order --
# Which of the wanted modules are built into the kernel (modules.builtin,
# cross-checked against the config) and which must be loaded from files.
declare -A MODFILE=() BUILTIN=()
while IFS= read -r f; do
    n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
    MODFILE[$n]=$f
done < <(find "$MODDIR/kernel" -name '*.ko*')
if [[ -r $MODDIR/modules.builtin ]]; then
    while IFS= read -r f; do
        n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
        BUILTIN[$n]=1
    done < "$MODDIR/modules.builtin"
fi
log "kernel $KREL config: $(grep -E '^CONFIG_(VIRTIO|VIRTIO_PCI|VIRTIO_PCI_LIB|VIRTIO_PCI_LIB_LEGACY|VIRTIO_BALLOON|MEMORY_BALLOON|BALLOON_COMPACTION|PAGE_REPORTING|SERIAL_8250_CONSOLE)=' "$KCONFIG" | tr '\n' ' ')"

modinfo_field() { # FILE FIELD -> value of FIELD from the module's .modinfo
    local f=$1 cat=cat
    case $f in
        *.xz) cat="$BB xzcat" ;;
        *.gz) cat="$BB zcat" ;;
        *.zst) cat="zstdcat" ;;
    esac
    $cat "$f" | tr '\0' '\n' | sed -n "s/^$2=//p" | head -n1
}

ORDER=()
declare -A SEEN=()
add_module() { # depth-first: dependencies first
    local m=$1 dep deps
    [[ -z ${SEEN[$m]:-} ]] || return 0
    SEEN[$m]=1
    if [[ -n ${BUILTIN[$m]:-} ]]; then
        log "module $m: built in"
        return 0
    fi
    [[ -n ${MODFILE[$m]:-} ]] || die "module $m: neither built in nor a module of $KREL"
    deps=$(modinfo_field "${MODFILE[$m]}" depends)
    for dep in ${deps//,/ }; do add_module "${dep//-/_}"; done
    ORDER+=("$m")
}
for m in "${WANTED_MODULES[@]}"; do add_module "$m"; done
log "modules to insmod, in order: ${ORDER[*]:-(none)}"

# ------------------------------------------------------------- initramfs --
ROOT=$TMP/root
mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,etc,lib/modules}
install -m 755 "$BB" "$ROOT/bin/busybox"
install -m 755 "$WORKLOAD_BIN" "$ROOT/bin/ballast-workload"
: > "$ROOT/etc/modules"
for m in "${ORDER[@]}"; do
    f=${MODFILE[$m]}
    case $f in
        *.ko) cp "$f" "$ROOT/lib/modules/$m.ko" ;;
        *.xz) "$BB" xzcat "$f" > "$ROOT/lib/modules/$m.ko" ;;
        *.gz) "$BB" zcat "$f" > "$ROOT/lib/modules/$m.ko" ;;
        *.zst) zstdcat "$f" > "$ROOT/lib/modules/$m.ko" ;;
    esac
    echo "$m" >> "$ROOT/etc/modules"
done
if [[ $(id -u) -eq 0 ]]; then
    mknod -m 600 "$ROOT/dev/console" c 5 1
    mknod -m 666 "$ROOT/dev/null" c 1 3
fi

cat > "$ROOT/init" <<'EOF'
#!/bin/busybox sh
# ballast e2e guest init (PID 1). Loads the virtio balloon, then runs the
# workload; stays alive if the workload dies (e.g. guest OOM kill).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "ballast-init: kernel $(uname -r) up $(cut -d' ' -f1 /proc/uptime)s"
# ballast.no_balloon_driver: the balloon device is there, but no driver
# answers, as in a guest that does not load virtio_balloon; the same for
# virtio-mem devices with ballast.no_virtio_mem_driver.
for m in $(cat /etc/modules); do
    if [ "$m" = virtio_balloon ] && grep -q 'ballast\.no_balloon_driver' /proc/cmdline; then
        echo "ballast-init: virtio_balloon not loaded (ballast.no_balloon_driver)"
        continue
    fi
    if [ "$m" = virtio_mem ] && grep -q 'ballast\.no_virtio_mem_driver' /proc/cmdline; then
        echo "ballast-init: virtio_mem not loaded (ballast.no_virtio_mem_driver)"
        continue
    fi
    insmod "/lib/modules/$m.ko" || echo "ballast-init: insmod $m FAILED"
done
if [ -d /sys/bus/virtio/drivers/virtio_balloon ] &&
   ls /sys/bus/virtio/drivers/virtio_balloon | grep -q virtio; then
    echo "ballast-init: virtio_balloon bound"
else
    echo "ballast-init: WARNING no virtio_balloon device bound"
fi
# ballast.unload_balloon_at=T: remove the balloon driver T s after boot, as
# a guest whose driver goes away would: the balloon stops following its
# target (QEMU still takes the commands) and the stats stop. With
# ballast.epoch=wait, T s after the workload's clock started instead (it
# writes the epoch to $BALLAST_EPOCH_FILE), so a test can start it once
# ballastd manages the guest.
export BALLAST_EPOCH_FILE=/ballast-epoch
unload_at=$(sed -n 's/.*ballast\.unload_balloon_at=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$unload_at" ]; then
    (
        if grep -q 'ballast\.epoch=wait' /proc/cmdline; then
            until [ -s "$BALLAST_EPOCH_FILE" ]; do sleep 0.5; done
        fi
        sleep "$unload_at"
        if rmmod virtio_balloon; then
            echo "ballast-init: virtio_balloon unloaded at uptime $(cut -d' ' -f1 /proc/uptime)s"
        else
            echo "ballast-init: rmmod virtio_balloon FAILED"
        fi
    ) &
fi
# ballast.virtio_mem_pinned_for=T: the guest cannot unplug the virtio-mem
# memory it has online (virtio_mem's unplug_online=0: as if the kernel had
# put data it cannot move there) until T s after the workload's clock
# started (ballast.epoch=wait) or after boot. When the clock starts it
# offlines its highest online virtio-mem memory block, which it can unplug:
# an unplug then goes that far and stops short.
pinned_for=$(sed -n 's/.*ballast\.virtio_mem_pinned_for=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$pinned_for" ]; then
    if echo 0 > /sys/module/virtio_mem/parameters/unplug_online; then
        echo "ballast-init: online virtio-mem memory cannot be unplugged for ${pinned_for}s"
    else
        echo "ballast-init: cannot set virtio_mem.unplug_online FAILED"
    fi
    (
        if grep -q 'ballast\.epoch=wait' /proc/cmdline; then
            until [ -s "$BALLAST_EPOCH_FILE" ]; do sleep 0.5; done
        fi
        block=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
        highest=''
        for range in $(sed -n 's/^ *\([0-9a-f]*-[0-9a-f]*\) : System RAM (virtio_mem)$/\1/p' /proc/iomem); do
            n=$((0x${range%-*} / block))
            while [ $((n * block)) -le $((0x${range#*-})) ]; do
                [ "$(cat "/sys/devices/system/memory/memory$n/state" 2>/dev/null)" = online ] && highest=$n
                n=$((n + 1))
            done
        done
        if [ -n "$highest" ] && echo offline > "/sys/devices/system/memory/memory$highest/state"; then
            echo "ballast-init: offlined virtio-mem memory$highest ($((block / 1048576)) MiB)"
        else
            echo "ballast-init: offlining a virtio-mem memory block FAILED"
        fi
        sleep "$pinned_for"
        echo 1 > /sys/module/virtio_mem/parameters/unplug_online
        echo "ballast-init: virtio-mem memory can be unplugged again at uptime $(cut -d' ' -f1 /proc/uptime)s"
    ) &
fi
echo "ballast-init: starting workload at uptime $(cut -d' ' -f1 /proc/uptime)s"
/bin/ballast-workload
rc=$?
echo "ballast-init: workload exited with status $rc (137 = SIGKILL, e.g. OOM kill)"
while :; do sleep 3600; done
EOF
chmod 755 "$ROOT/init"

log "packing initramfs"
(cd "$ROOT" && find . | LC_ALL=C sort | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) |
    gzip -9 > "$TMP/initrd.gz"
[[ -s $TMP/initrd.gz ]] || die "initramfs is empty"

install -m 644 "$VMLINUZ" "$OUTDIR/vmlinuz.tmp"
install -m 644 "$TMP/initrd.gz" "$OUTDIR/initrd.gz.tmp"
mv "$OUTDIR/vmlinuz.tmp" "$OUTDIR/vmlinuz"
mv "$OUTDIR/initrd.gz.tmp" "$OUTDIR/initrd.gz"
cat > "$OUTDIR/image.info.tmp" <<EOF
kernel_release=$KREL
kernel_deb=$(basename "$KDEB")
busybox_deb=$(basename "$BBDEB")
modules=${ORDER[*]}
workload=$WORKLOAD_BIN
EOF
chmod 644 "$OUTDIR/image.info.tmp"
mv "$OUTDIR/image.info.tmp" "$OUTDIR/image.info"
log "built $OUTDIR/vmlinuz ($(stat -c %s "$OUTDIR/vmlinuz") B) and $OUTDIR/initrd.gz ($(stat -c %s "$OUTDIR/initrd.gz") B), kernel $KREL"
