#!/bin/bash
# Page sharing on real guests (issue 6, docs/ksm-design.md): three
# identical TCG guests (same kernel and initramfs, the workload filling
# 64 MiB with the same pattern in each, ballast.fill=pattern) and a fourth
# with <memoryBacking><nosharepages/>, under a tight cgroup budget, with
# ksmd stopped at first. ballastd in auto mode (ksm-policy.xml) must start
# ksmd because the host is short, the pages must merge and ballastd must
# report the saving (host, per guest, metrics); with the budget raised it
# must stop ksmd (run=0) and keep the merges. Then ksm-set (root only),
# and a reload to tenancy="multi" that unmerges everything (run=2).
#
# KSM is host-global: every writable file under /sys/kernel/mm/ksm is
# saved first and restored at exit, also on failure (and at the start of
# the next run if this one was killed).
# SKIP (77) without root / libvirt / QEMU / KSM. FAIL otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
KSM_DIR=${KSM_DIR:-/sys/kernel/mm/ksm}
[[ $(id -u) -eq 0 ]] || e2e_skip "needs root (real libvirtd, cgroups, KSM)"
[[ -w $KSM_DIR/run ]] || e2e_skip "no writable $KSM_DIR/run: the kernel has no KSM"
e2e_init
. "$HERE/ballastd.sh"

# ---- KSM settings: save, restore ----
KSM_SAVED=$E2E_RUN_DIR/ksm.saved
ksm_read() { local v; v=$(<"$KSM_DIR/$1"); [[ $1 == advisor_mode ]] && v=$(sed -E 's/.*\[([^]]*)\].*/\1/' <<<"$v"); echo "$v"; }
ksm_save() {
    local f name
    : > "$KSM_SAVED.tmp"
    # The mode, not -w: root may "write" the read-only counters as far as
    # access(2) is concerned.
    while read -r f; do
        name=${f##*/}
        [[ $name != run ]] && echo "$name $(ksm_read "$name")" >> "$KSM_SAVED.tmp"
    done < <(find "$KSM_DIR" -maxdepth 1 -type f -perm -u=w | sort)
    echo "run $(ksm_read run)" >> "$KSM_SAVED.tmp" # last: restored after the tunables
    mv "$KSM_SAVED.tmp" "$KSM_SAVED"
}
# ksm_restore: write back every saved value that differs, run last. A host
# that had nothing merged gets nothing merged back (unmerge, then run).
ksm_restore() {
    [[ -r $KSM_SAVED ]] || return 0
    local name value failed=0
    if [[ $(awk '$1 == "run" {print $2}' "$KSM_SAVED") != 1 && $(<"$KSM_DIR/pages_shared") != 0 ]]; then
        echo 2 > "$KSM_DIR/run" || failed=1
    fi
    while read -r name value; do
        [[ $(ksm_read "$name") == "$value" ]] && continue
        echo "$value" > "$KSM_DIR/$name" 2>/dev/null || { e2e_log "WARNING: could not restore $name=$value"; failed=1; }
    done < "$KSM_SAVED"
    ((failed == 0)) && rm -f "$KSM_SAVED"
    e2e_log "KSM settings restored$( ((failed)) && echo ' (some failed, kept in '"$KSM_SAVED"')')"
    return 0
}
ksm_restore # a run killed before its own restore
ksm_save
e2e_at_exit 'ksm_restore'
# Start from nothing merged, ksmd stopped.
echo 2 > "$KSM_DIR/run"
echo 0 > "$KSM_DIR/run"
[[ $(<"$KSM_DIR/pages_sharing") == 0 ]] || e2e_die "pages still merged after run=2"

# ---- the guests ----
GUESTS=(${E2E_PREFIX}ksm1 ${E2E_PREFIX}ksm2 ${E2E_PREFIX}ksm3)
PRIVATE=${E2E_PREFIX}ksm-private
FILL_MIB=64
e2e_cgroup_prepare_pressure
for n in "${GUESTS[@]}" "$PRIVATE"; do
    opts=(--memory 256 --schedule "0:$FILL_MIB" --fill pattern --retouch 0)
    [[ $n == "$PRIVATE" ]] && opts+=(--nosharepages yes)
    e2e_guest_create "$n" "${opts[@]}"
done
for n in "${GUESTS[@]}" "$PRIVATE"; do
    e2e_guest_wait_log "$n" "reached step 1/1 target=$FILL_MIB " 90 ||
        e2e_die "$n did not fill its $FILL_MIB MiB (see $(e2e_guest_log "$n"))"
done
t_booted=$SECONDS
[[ $(<"$KSM_DIR/run") == 0 ]] || e2e_die "ksmd runs before ballastd was started"

# A budget that leaves the guests well under half of it as slack: short.
usage=$(e2e_budget_usage_mib)
budget=$((usage + 160))
e2e_budget_set "$budget"
e2e_log "guests booted and filled; cgroup usage $usage MiB, budget $budget MiB"

# ---- auto, short: ksmd starts, pages merge, ballast reports it ----
POLICY=$E2E_RUN_DIR/ksm-policy.xml # a copy: rewritten for the reload below
cp "$HERE/ksm-policy.xml" "$POLICY"
bd_start --policy "$POLICY" --interval 1 --stats-period 1
t_start=$SECONDS
ksm_json() { bd_json "$1" ksm; }
wait_until() { # SECONDS DESCRIPTION COMMAND...
    local limit=$1 deadline=$((SECONDS + $1)) what=$2; shift 2
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || e2e_die "after $limit s: $what"
        sleep 0.5
    done
}
run_is() { [[ $(<"$KSM_DIR/run") == "$1" ]]; }
wait_until 30 "ballastd did not start ksmd (run=$(<"$KSM_DIR/run"); $(bd_ctl ksm 2>&1 | head -n 5))" run_is 1
t_run=$SECONDS
[[ $(ksm_json 'j["reason"]') == short ]] || e2e_die "ksmd runs, but not because the host is short: $(ksm_json 'j["reason_text"]')"
e2e_log "ksmd started $((t_run - t_start)) s after ballastd: $(ksm_json 'j["reason_text"]')"

sharing_over() { (($(<"$KSM_DIR/pages_sharing") > $1)); }
wait_until 60 "pages_sharing stayed at $(<"$KSM_DIR/pages_sharing") (not past 1000)" sharing_over 1000
t_1000=$SECONDS
# The pattern pages are identical across the three guests and distinct
# within each: merging them saves two copies of FILL_MIB.
pattern_pages=$((2 * FILL_MIB * 256 * 9 / 10))
samples=()
deadline=$((SECONDS + 60))
while :; do
    s=$(<"$KSM_DIR/pages_sharing")
    samples+=("$s")
    ((s > pattern_pages)) && break
    ((SECONDS < deadline)) || e2e_die "pages_sharing reached only $s (< $pattern_pages: 2 x $FILL_MIB MiB); samples ${samples[*]}"
    sleep 2
done
t_merged=$SECONDS
grew=0
for ((i = 1; i < ${#samples[@]}; i++)); do ((samples[i] > samples[i - 1])) && grew=$((grew + 1)); done
e2e_log "pages_sharing past 1000 after $((t_1000 - t_run)) s, past $pattern_pages after $((t_merged - t_run)) s; samples ${samples[*]}"
((${#samples[@]} < 2 || grew >= 1)) || e2e_die "pages_sharing did not grow over the cycles: ${samples[*]}"

# Let ksmd settle, then compare what ballastd reports with the kernel.
stable() {
    local a b
    a=$(<"$KSM_DIR/pages_sharing"); sleep 2.5; b=$(<"$KSM_DIR/pages_sharing")
    ((b - a < 64 && a - b < 64))
}
wait_until 60 "pages_sharing never settled" stable
sleep 1.5 # one more cycle reads the settled counters
j=$(bd_ctl --json ksm)
pj() { python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" <<<"$j"; }
[[ $(pj 'j["reason"]') == short ]] || e2e_die "reason $(pj 'j["reason"]'), not short: $(pj 'j["reason_text"]')"
[[ $(pj 'j["saved_kib"] > 0 and j["saved_kib"] == (j["pages_sharing"] + j["ksm_zero_pages"]) * j["page_size_bytes"] // 1024') == True ]] ||
    e2e_die "saved_kib $(pj 'j["saved_kib"]') is not (pages_sharing + ksm_zero_pages) x page size"
sysfs_saved=$(( ($(<"$KSM_DIR/pages_sharing") + $(<"$KSM_DIR/ksm_zero_pages")) * 4 ))
reported=$(pj 'j["saved_kib"]')
((reported - sysfs_saved < 1024 && sysfs_saved - reported < 1024)) ||
    e2e_die "ballastd reports $reported KiB saved, the kernel $sysfs_saved KiB"
ksmd_cpu_permille=$(pj 'j["ksmd_cpu_permille"] or 0')
ksmd_cpu_usec=$(pj 'j["ksmd_cpu_usec"]')
[[ $ksmd_cpu_usec != None && $ksmd_cpu_usec -gt 0 ]] || e2e_die "no ksmd CPU time reported"
pages_sharing=$(pj 'j["pages_sharing"]')
pages_shared=$(pj 'j["pages_shared"]')
general_profit=$(pj 'j["general_profit_bytes"]')
pages_to_scan=$(pj 'j["pages_to_scan"]')
bd_ctl ksm >&2

# The savings are in the host's own figures already (the cgroup's usage
# went down), so the balloon side adds nothing: its slack is available +
# pending - reserve (less what guests below their minimum get), no KSM term.
usage_after=$(e2e_budget_usage_mib)
(( (usage - usage_after) * 1024 >= reported / 2 )) ||
    e2e_die "the cgroup's usage went from $usage to $usage_after MiB, not down by half the $reported KiB saved"
s=$(bd_json 'j["plan"]["slack_kib"] <= j["host"]["budget_available_kib"] + j["plan"]["pending_kib"] - j["host"]["reserve_kib"] and j["ksm"]["saved_kib"] > 0' status)
[[ $s == True ]] || e2e_die "the balloon slack counts more than available + pending - reserve: $(bd_json '(j["plan"], j["host"]["budget_available_kib"], j["ksm"]["saved_kib"])' status)"
bd_ctl status | grep -qE '^KSM: +auto \(policy\), running \(host short\), saving [0-9.]+ MiB' ||
    e2e_die "status has no KSM line: $(bd_ctl status | tail -n 2)"
metrics=$(bd_ctl metrics)
saved_bytes=$(awk '$1 == "ballast_ksm_saved_bytes" {print $2}' <<<"$metrics")
((${saved_bytes:-0} > 0)) || e2e_die "metrics: ballast_ksm_saved_bytes is '${saved_bytes:-}'"
grep -qE '^ballast_guest_ksm_merged_bytes\{domain="'"${GUESTS[0]}"'"\} [1-9]' <<<"$metrics" ||
    e2e_die "metrics: no merged bytes for ${GUESTS[0]}"

# Per guest: the three share, the private one has nothing merged.
for n in "${GUESTS[@]}"; do
    merged=$(bd_json 'j["ksm"]["merged_pages"]' dominfo "$n")
    [[ $(bd_json 'j["ksm"]["share"]' dominfo "$n") == shareable ]] || e2e_die "$n is not shown shareable"
    [[ $merged != None ]] && ((merged >= FILL_MIB * 256 / 2)) ||
        e2e_die "$n: ballastd shows $merged merged pages (QEMU pid $(e2e_qemu_pid "$n"))"
done
[[ $(bd_json 'j["ksm"]["share"]' dominfo "$PRIVATE") == nosharepages ]] || e2e_die "$PRIVATE is not shown nosharepages"
[[ $(bd_json 'j["ksm"]["merged_pages"]' dominfo "$PRIVATE") == 0 ]] || e2e_die "$PRIVATE shows merged pages"
private_pid=$(e2e_qemu_pid "$PRIVATE")
[[ $(<"/proc/$private_pid/ksm_merging_pages") == 0 ]] || e2e_die "the kernel merged pages of $PRIVATE"
bd_ctl dominfo "${GUESTS[0]}" | grep -E '^KSM:' >&2

# ---- plenty of room: ksmd stops, the merges stay ----
t_raised=$SECONDS
e2e_budget_set 8192
wait_until 10 "ksmd still runs with plenty of room (run=$(<"$KSM_DIR/run"))" run_is 0
t_stopped=$SECONDS
[[ $(ksm_json 'j["reason"]') == plenty ]] || e2e_die "ksmd stopped, but not for plenty: $(ksm_json 'j["reason_text"]')"
kept=$(<"$KSM_DIR/pages_sharing")
((kept > pages_sharing / 2)) || e2e_die "pages_sharing dropped to $kept after run=0 (was $pages_sharing)"
e2e_log "budget raised: ksmd stopped $((t_stopped - t_raised)) s later, $kept pages still shared"

# ---- ksm-set: root only; the override shows, a reload drops it ----
if id nobody >/dev/null 2>&1; then
    status=0; runuser -u nobody -- "$BALLASTCTL" -s "$BD_SOCKET" ksm-set --mode on >/dev/null 2>&1 || status=$?
    ((status == 4)) || e2e_die "ksm-set as nobody exited $status, not 4"
fi
bd_ctl ksm-set --mode on >/dev/null
wait_until 10 "ksm-set --mode on did not start ksmd" run_is 1
[[ $(ksm_json 'j["mode_source"]') == ksm-set ]] || e2e_die "the override is not shown"

# ---- reload to tenancy multi: off, the override dropped, all unmerged ----
cat > "$POLICY" <<'EOF'
<policy xmlns="urn:ballast:policy:1">
  <overcommit mode="off"/>
  <host><budget source="cgroup" path="machine"/><reserve unit="MiB">64</reserve></host>
  <guests tenancy="multi"/>
</policy>
EOF
t_reload=$SECONDS
bd_ctl policy-reload >/dev/null
unmerged() { run_is 2 && [[ $(<"$KSM_DIR/pages_sharing") == 0 ]]; }
wait_until 20 "tenancy multi: not unmerged (run=$(<"$KSM_DIR/run"), pages_sharing $(<"$KSM_DIR/pages_sharing"))" unmerged
t_unmerged=$SECONDS
[[ $(ksm_json '(j["mode"], j["mode_source"], j["override"])') == "('off', 'tenancy multi', None)" ]] ||
    e2e_die "tenancy multi: $(ksm_json '(j["mode"], j["mode_source"], j["override"])')"
grep -q 'ksm: .*writing run 1 -> 2' "$BD_LOG" || e2e_die "the unmerge is not in the log"
sed 's|<guests tenancy="multi"/>|<guests tenancy="multi"/><ksm mode="auto"/>|' "$POLICY" > "$E2E_RUN_DIR/ksm-bad.xml"
status=0; msg=$(bd_ctl policy-check "$E2E_RUN_DIR/ksm-bad.xml" 2>&1) || status=$?
((status == 1)) && grep -q 'line 4' <<<"$msg" || e2e_die "policy-check did not refuse auto with tenancy multi at its line: $msg"
bd_stop

# ---- the host's KSM settings, as they were ----
cp "$KSM_SAVED" "$E2E_RUN_DIR/ksm.expected"
ksm_restore
[[ ! -e $KSM_SAVED ]] || e2e_die "some KSM settings could not be restored"
while read -r name value; do
    [[ $(ksm_read "$name") == "$value" ]] || e2e_die "KSM $name reads $(ksm_read "$name"), saved $value"
done < "$E2E_RUN_DIR/ksm.expected"

ksmd_cpu_s=$((ksmd_cpu_usec / 1000000)).$(printf '%02d' $((ksmd_cpu_usec % 1000000 / 10000)))
e2e_log "PASS: ksmd started $((t_run - t_start)) s after ballastd (host short), pages_sharing $pages_sharing" \
    "(pages_shared $pages_shared) $((t_merged - t_run)) s later, saving $((reported / 1024)) MiB" \
    "(general_profit $((general_profit / 1048576)) MiB, cgroup usage $usage -> $usage_after MiB);" \
    "ksmd $((ksmd_cpu_permille / 10)).$((ksmd_cpu_permille % 10))% CPU at the end, $ksmd_cpu_s s in all," \
    "pages_to_scan $pages_to_scan; stopped $((t_stopped - t_raised)) s after the budget was raised, merges kept ($kept);" \
    "unmerged $((t_unmerged - t_reload)) s after the reload to tenancy multi; host settings restored"
