#!/usr/bin/env bash
# Page sharing through ballastctl, as an operator uses it: `ksm` (golden
# text and --json), the KSM line of `status` and `top`, the KSM column and
# line of `list --wide` and `dominfo`, the ballast_ksm_* metrics, and
# `ksm-set` (root only, usage errors, an override dropped by policy-reload,
# --unmerge). ballastd runs on libvirt's test driver and a fake host whose
# KSM sysfs tree and ksmd come from tests/fixtures/trees/ksm-6.x; the test
# checks what lands in the fake sysfs files.
#
# After an intended change: BALLAST_UPDATE_GOLDEN=1 meson test -C build ksm-cli
source "$(dirname "$0")/lib.sh"
GOLDEN="$(cd "$(dirname "$0")/../golden/cli" && pwd)"
FIXTURE="$(cd "$(dirname "$0")/../fixtures/trees/ksm-6.x" && pwd)"
PROM_VALIDATE="${BUILD_DIR}/tests/integration/prom-validate"

cat > "${WORK}/domains.xml" <<'XML'
<node>
  <domain type='test'><name>guest1</name><uuid>6b1e9d7a-1c2f-4a51-9a43-0d6c3c5f2001</uuid>
    <memory unit='GiB'>4</memory><currentMemory unit='GiB'>2</currentMemory>
    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>
  <domain type='test'><name>private</name><uuid>6b1e9d7a-1c2f-4a51-9a43-0d6c3c5f2002</uuid>
    <memory unit='GiB'>4</memory><currentMemory unit='GiB'>2</currentMemory>
    <memoryBacking><nosharepages/></memoryBacking>
    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>
</node>
XML
write_policy() { # TENANCY
    cat > "${WORK}/policy.xml" <<XML
<policy xmlns="urn:ballast:policy:1">
  <guests tenancy="$1"/>
  <ksm><pages-to-scan><min>200</min><max>5000</max></pages-to-scan></ksm>
</policy>
XML
}
write_policy single

# 1 GiB available of 16: short, so auto starts ksmd.
fake_host 16777216 1048576
KSM="${WORK}/host/sys/kernel/mm/ksm"
mkdir -p "${KSM}"
cp -r "${FIXTURE}/sys/kernel/mm/ksm/." "${KSM}/"
cp -r "${FIXTURE}/proc/37" "${WORK}/host/proc/"
start_ballastd --connect "test://${WORK}/domains.xml" --policy "${WORK}/policy.xml" --interval 0.2
ksm_field() { json_get "$(ctl --json ksm)" "j[\"$1\"]"; }
have_rates() { test "$(ksm_field earning_permille)" != None; }
check "ksmd started and rates measured" wait_for 10 have_rates
check "sysfs: run 1" test "$(cat "${KSM}/run")" = 1
check "sysfs: pages_to_scan into the policy's range" test "$(cat "${KSM}/pages_to_scan")" = 200
check "sysfs: sleep for a 16 GiB budget" test "$(cat "${KSM}/sleep_millisecs")" = 10

# ---- ksm: golden text, JSON fields ----
normalize() { sed -E -e "s|${WORK}|WORK|g"; }
actual="${WORK}/ksm.actual"
ctl ksm | normalize > "${actual}"
if [ -n "${BALLAST_UPDATE_GOLDEN:-}" ]; then
    cp "${actual}" "${GOLDEN}/ksm.expected"; ok "golden ksm (rewritten)"
elif diff -u "${GOLDEN}/ksm.expected" "${actual}"; then
    ok "golden ksm"
else
    not_ok "golden ksm (see the diff above)"
fi
json="$(ctl --json ksm)"
check "ksm --json: reason short" test "$(json_get "${json}" 'j["reason"]')" = short
check "ksm --json: saved = (pages_sharing + ksm_zero_pages) x 4 KiB" \
    test "$(json_get "${json}" 'j["saved_kib"] == (j["pages_sharing"] + j["ksm_zero_pages"]) * j["page_size_bytes"] // 1024 == 15080')" = True
check "ksm --json: ksmd's CPU time" test "$(json_get "${json}" 'j["ksmd_cpu_usec"]')" = 43210000
check "ksm --json: the guests, with their share" \
    test "$(json_get "${json}" '" ".join(g["name"] + "=" + g["share"] for g in j["guests"])')" = "guest1=shareable private=nosharepages"
check "ksm --json: three writes, all made" test "$(json_get "${json}" '(j["writes_total"], j["write_failures_total"], j["last_writes"][-1])')" = "(3, 0, 'run 0 -> 1')"

# ---- KSM in status, list, dominfo, top, metrics ----
check "status: the KSM line" grep -Eq '^KSM: +auto \(tenancy single\), running \(host short\), saving 14.7 MiB, ksmd 0.0% CPU of 10.0%, 200 pages per 10 ms$' <<<"$(ctl status)"
check "status --json: ksm.run" test "$(json_get "$(ctl --json status)" 'j["ksm"]["run"]')" = 1
check "list --wide: the KSM column" grep -Eq '^ private +running .* nosharepages +balloon +managed' <<<"$(ctl list --wide)"
check "dominfo: the KSM line" grep -Eq '^KSM: +nosharepages$' <<<"$(ctl dominfo private)"
check "dominfo --json: ksm.share" test "$(json_get "$(ctl --json dominfo guest1)" 'j["ksm"]["share"]')" = shareable
check "top: the KSM line" grep -Eq '^KSM: auto \(tenancy single\), running \(host short\)' <<<"$(ctl top --iterations 1)"
metrics="$(ctl metrics)"
check "metrics: valid Prometheus text" "${PROM_VALIDATE}" <<<"${metrics}"
check "metrics: saved bytes" grep -qx 'ballast_ksm_saved_bytes 15441920' <<<"${metrics}"
check "metrics: running" grep -qx 'ballast_ksm_running 1' <<<"${metrics}"
check "metrics: mode" grep -qx 'ballast_ksm_mode{mode="auto"} 1' <<<"${metrics}"
check "metrics: pages_sharing" grep -qx 'ballast_ksm_pages_sharing 3770' <<<"${metrics}"
check "metrics: ksmd CPU seconds" grep -qx 'ballast_ksmd_cpu_seconds_total 43.210000' <<<"${metrics}"
check "metrics: profit" grep -qx 'ballast_ksm_general_profit_bytes 13795968' <<<"${metrics}"

# ---- ksm-set ----
expect_status() { # DESCRIPTION STATUS COMMAND...
    local description="$1" expected="$2"; shift 2
    set +e; "$@" >/dev/null 2>&1; local status=$?; set -e
    check "${description} (exit ${expected})" test "${status}" -eq "${expected}"
}
expect_status "ksm-set without options" 2 ctl ksm-set
expect_status "ksm-set --mode sometimes" 2 ctl ksm-set --mode sometimes
expect_status "ksm-set --cpu-budget 0" 2 ctl ksm-set --cpu-budget 0
expect_status "ksm-set --merge-across-nodes maybe" 2 ctl ksm-set --merge-across-nodes maybe
expect_status "ksm-set --bogus" 2 ctl ksm-set --bogus
expect_status "ksm-set min above the policy's max" 1 ctl ksm-set --pages-to-scan-min 9000
expect_status "ksm-set --unmerge --mode on" 1 ctl ksm-set --unmerge --mode on

set +e; out="$(ctl ksm-set --mode off --cpu-budget 25%)"; status=$?; set -e
check "ksm-set --mode off --cpu-budget 25%: exit 0" test "${status}" -eq 0
check "ksm-set: says until when" grep -q 'until the next policy reload' <<<"${out}"
stopped() { test "$(cat "${KSM}/run")" = 0; }
check "ksm-set --mode off: ksmd stopped" wait_for 5 stopped
json="$(ctl --json status)"
check "status: the override" test "$(json_get "${json}" '(j["ksm"]["mode_source"], j["ksm"]["override"]["mode"], j["ksm"]["override"]["cpu_budget_permille"])')" = "('ksm-set', 'off', 250)"
check "ksm: the override line" grep -Eq '^Override: +mode off, cpu_budget_permille 250 \(ksm-set; dropped at the next policy reload\)$' <<<"$(ctl ksm)"

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    chmod 755 "${WORK}"
    set +e; msg="$(runuser -u nobody -- "${BALLASTCTL}" -s "${SOCKET}" ksm-set --mode on 2>&1)"; status=$?; set -e
    check "ksm-set as nobody: permission denied (exit 4)" test "${status}" -eq 4
    check "ksm-set as nobody: says why" grep -q "only root" <<<"${msg}"
    check "ksm as nobody: may read" bash -c 'runuser -u nobody -- "$1" -s "$2" ksm >/dev/null' _ "${BALLASTCTL}" "${SOCKET}"
    check "nobody changed nothing" test "$(json_get "$(ctl --json ksm)" 'j["mode"]')" = off
else
    echo "# not root: ksm-set as another user not tested"
fi

# policy-reload drops the override: auto starts ksmd again.
ctl policy-reload >/dev/null
reloaded() { test "$(json_get "$(ctl --json ksm)" '(j["mode_source"], j["override"])')" = "('tenancy single', None)"; }
check "policy-reload drops the override" wait_for 5 reloaded
running() { test "$(cat "${KSM}/run")" = 1; }
check "policy-reload: auto runs ksmd again" wait_for 5 running

# --unmerge: run=2, then mode off keeps it so.
set +e; ctl ksm-set --unmerge >/dev/null; status=$?; set -e
check "ksm-set --unmerge: exit 0" test "${status}" -eq 0
unmerged() { test "$(cat "${KSM}/run")" = 2; }
check "ksm-set --unmerge: run 2 written" wait_for 5 unmerged
check "ksm-set --unmerge: mode off" test "$(json_get "$(ctl --json ksm)" 'j["mode"]')" = off
check "the daemon logged the unmerge" grep -q 'ksm: every page unmerged' "${WORK}/ballastd.log"

# A policy with tenancy multi refuses to turn KSM on.
write_policy multi
sed -i 's|<ksm>|<ksm mode="auto">|' "${WORK}/policy.xml"
set +e; msg="$(ctl policy-check "${WORK}/policy.xml" 2>&1)"; status=$?; set -e
check "policy-check: mode auto with tenancy multi refused" test "${status}" -eq 1
check "policy-check: names the <ksm> line" grep -q 'line 3' <<<"${msg}"

check "help lists ksm and ksm-set" test "$(ctl help | grep -Ec '^    ksm(-set)? ')" -eq 2
check "completion: ksm-set's options" grep -qx -- '--pages-to-scan-max' <<<"$(ctl complete -- ksm-set --pages)"
finish
