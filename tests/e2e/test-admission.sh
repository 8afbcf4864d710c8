#!/bin/bash
# Admission: ballast's libvirt hook (data/libvirt-hook-ballast.in) asks
# ballastd before each guest's start. On the second libvirtd of
# second-libvirtd.sh (its own /etc/libvirt/hooks, read when it starts, so
# the system libvirtd is not touched), with ballastd started first and a
# policy of <overcommit max-ratio="0.1">:
#  - two 512 MiB guests start (admitted, and the hook's log says why);
#  - a guest of 2 GiB maximum would take the guests' maxima over 0.1 of
#    the budget: `virsh start` fails with ballast's reason, the guest stays
#    off, and `ballastctl admit` of its XML says the same (exit 7);
#  - with ballastd stopped the hook fails open: the same guest starts, and
#    the hook's log says it started unchecked.
# SKIP (77) without root / libvirt / QEMU. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
e2e_init
. "$HERE/ballastd.sh"

HOOK_TEMPLATE=$BUILD_DIR/data/libvirt-hook-ballast
[[ -r $HOOK_TEMPLATE ]] || e2e_die "no configured hook at $HOOK_TEMPLATE (build first)"
CONF=$E2E_RUN_DIR/admission.conf
ADMIT_LOG=$E2E_RUN_DIR/admission.log
HOOK=$E2E_RUN_DIR/ballast-admit
# The hook as installed, but reading this test's configuration and
# running this build's ballastctl.
sed -e "s|^conf=.*|conf='$CONF'|" -e "s|'[^']*/ballastctl'|'$BALLASTCTL'|" "$HOOK_TEMPLATE" > "$HOOK"
chmod 0755 "$HOOK"
grep -q "^conf='$CONF'" "$HOOK" && grep -qF "'$BALLASTCTL'" "$HOOK" || e2e_die "could not point the hook at the test's files"
SL_QEMU_HOOKS=$HOOK
. "$HERE/second-libvirtd.sh"
e2e_at_exit 'sl_stop'
: > "$ADMIT_LOG"
cat > "$CONF" <<EOF
enabled=yes
socket=$BD_SOCKET
log=$ADMIT_LOG
EOF

sl_start
POLICY=$E2E_RUN_DIR/policy.xml
cat > "$POLICY" <<'XML'
<policy xmlns="urn:ballast:policy:1">
  <overcommit mode="on" max-ratio="0.1"/>
</policy>
XML
E2E_URI=$(sl_uri) bd_start --interval 1 --policy "$POLICY"

A=${E2E_PREFIX}adm-a B=${E2E_PREFIX}adm-b BIG=${E2E_PREFIX}adm-big
sl_define() {
    e2e_guest_xml "$@" > "$E2E_RUN_DIR/$1.xml"
    sl_virsh define "$E2E_RUN_DIR/$1.xml" >/dev/null || e2e_die "cannot define $1 on the second libvirtd"
}
sl_define "$A" --memory 512
sl_define "$B" --memory 512
sl_define "$BIG" --memory 2048 --current 256

for guest in "$A" "$B"; do
    sl_virsh start "$guest" >/dev/null || e2e_die "$guest was refused: $(tail -n 3 "$ADMIT_LOG")"
    grep -q "admitted: $guest's min" "$ADMIT_LOG" || e2e_die "the hook did not log $guest's admission: $(cat "$ADMIT_LOG")"
    # ballastd counts it before the next start.
    deadline=$((SECONDS + 20))
    until [[ $(bd_info "$guest" state 2>/dev/null) == running ]]; do
        ((SECONDS < deadline)) || e2e_die "ballastd does not see $guest running"
        sleep 0.3
    done
done

# Over the ratio: refused, with the reason, by libvirt.
if out=$(sl_virsh start "$BIG" 2>&1); then
    e2e_die "$BIG started though its 2 GiB would break max-ratio 0.1: $out"
fi
e2e_log "virsh start $BIG: $out"
[[ $out == *"over the policy's max-ratio 0.10x"* ]] || e2e_die "libvirt did not show ballast's reason: $out"
[[ $(sl_virsh domstate "$BIG") == "shut off" ]] || e2e_die "$BIG is $(sl_virsh domstate "$BIG") after the refusal"
status=0
"$BALLASTCTL" -s "$BD_SOCKET" admit "$E2E_RUN_DIR/$BIG.xml" 2>"$E2E_RUN_DIR/admit.err" || status=$?
((status == 7)) || e2e_die "ballastctl admit of $BIG exited $status, not 7"
grep -q "over the policy's max-ratio" "$E2E_RUN_DIR/admit.err" || e2e_die "ballastctl admit did not say why: $(cat "$E2E_RUN_DIR/admit.err")"
grep -q "admit $BIG: refused" "$BD_LOG" || e2e_die "ballastd did not log the refusal"

# ballastd down: the hook fails open and says so.
bd_stop
sl_virsh start "$BIG" >/dev/null || e2e_die "$BIG was refused with ballastd stopped: the hook must fail open"
grep -q "cannot ask ballastd whether $BIG may start .*: starting it unchecked" "$ADMIT_LOG" \
    || e2e_die "the hook did not say it let $BIG start unchecked: $(tail -n 3 "$ADMIT_LOG")"
e2e_log "PASS: $A and $B admitted, $BIG refused with the reason in virsh, started unchecked with ballastd down"
