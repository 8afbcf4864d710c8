#!/usr/bin/env bash
# The policy file and per-domain tuning, as an operator uses them: check,
# start, reload (good and bad), and `domtune` writing libvirt metadata that
# the daemon picks up from the metadata-change event, without polling.
source "$(dirname "$0")/lib.sh"

POLICY="${WORK}/policy.xml"
FIXTURES="$(dirname "$0")/../fixtures/policy"

# policy-check: no daemon needed; exit 0 valid, 1 invalid with file and line.
check "policy-check: shipped policy valid" "${BALLASTCTL}" policy-check "$(dirname "$0")/../../data/policy.xml"
set +e; msg="$("${BALLASTCTL}" policy-check "${FIXTURES}/invalid/unknown-element.xml" 2>&1)"; status=$?; set -e
check "policy-check: invalid exits 1" test "${status}" -eq 1
check "policy-check: names file, line and rule" grep -q "unknown-element.xml line 3: unknown element <reserv>" <<<"${msg}"
check "policy-check --json" test "$(json_get "$("${BALLASTCTL}" --json policy-check "${FIXTURES}/valid/small.xml")" 'j["valid"]')" = True

# ballastd refuses to start with a bad policy.
set +e; msg="$("${BALLASTD}" --once --connect test:///default --policy "${FIXTURES}/invalid/shares-zero.xml" 2>&1)"; status=$?; set -e
check "bad policy at start: refused" test "${status}" -eq 1
check "bad policy at start: says why" grep -q "shares-zero.xml line 4" <<<"${msg}"

# A running daemon on a private libvirtd's shared test:///default, so that
# domtune (another process, another connection) changes what it sees.
start_private_libvirtd
URI="test+unix:///default?socket=${WORK}/libvirtd/libvirt-sock"
fake_host 16777216 12582912
cat > "${POLICY}" <<'XML'
<policy xmlns="urn:ballast:policy:1">
  <host><reserve unit="GiB">2</reserve></host>
  <guests>
    <default><shares>100</shares></default>
    <match name="te*"><shares>300</shares></match>
  </guests>
</policy>
XML
# A long interval: whatever changes within seconds came from an event.
start_ballastd --connect "${URI}" --policy "${POLICY}" --interval 60
dominfo_json() { ctl --json dominfo test; }
# field_is FIELD VALUE: the domain's dominfo FIELD is VALUE now (re-read on
# every call, so it can be polled with wait_for).
field_is() { test "$(json_get "$(dominfo_json)" "j[\"$1\"]")" = "$2"; }
check "match rule applies" wait_for 10 field_is shares 300
check "tuning source names the rule" grep -q "match 'te\*'" <<<"$(json_get "$(dominfo_json)" 'j["tuning_source"]')"
check "status names the policy file" test "$(json_get "$(ctl --json status)" 'j["policy"]["source"]')" = "${POLICY}"

# domtune writes libvirt metadata; the daemon follows the event.
check "domtune sets" "${BALLASTCTL}" -c "${URI}" domtune test --min 3G --shares 50 --headroom 30
check "metadata in the domain XML" bash -c "virsh -c '${URI}' dumpxml test | grep -q '<ballast:shares>50</ballast:shares>'"
check "daemon picked it up (event, no poll)" wait_for 5 field_is shares 50
check "min from metadata" test "$(json_get "$(dominfo_json)" 'j["min_kib"]')" = 3145728
check "tuning source says metadata" grep -q "domain metadata" <<<"$(json_get "$(dominfo_json)" 'j["tuning_source"]')"
shown="$("${BALLASTCTL}" -c "${URI}" domtune test)"
check "domtune shows the tuning" grep -q "^shares: *50" <<<"${shown}"
check "domtune keeps other fields" bash -c "'${BALLASTCTL}' -c '${URI}' domtune test --exclude && '${BALLASTCTL}' -c '${URI}' domtune test | grep -q '^min: *3.0 GiB'"
check "excluded shows in list" wait_for 5 field_is status excluded
check "domtune --include" "${BALLASTCTL}" -c "${URI}" domtune test --include
check "included again" wait_for 5 bash -c "! '${BALLASTCTL}' -s '${SOCKET}' --json dominfo test | grep -q '\"status\":\"excluded\"'"
# The actuator: an attribute of the metadata's root; the test domain has
# no virtio-mem device, so the balloon moves it whatever it asks.
check "domtune --actuator" "${BALLASTCTL}" -c "${URI}" domtune test --actuator virtio-mem
check "actuator in the metadata" bash -c "virsh -c '${URI}' dumpxml test | grep -q 'actuator=.virtio-mem.'"
check "domtune shows the actuator" grep -q "^actuator: *virtio-mem" <<<"$("${BALLASTCTL}" -c "${URI}" domtune test)"
check "no device: the balloon moves it" wait_for 5 field_is actuator balloon
check "no device: said" wait_for 5 grep -q "test: actuator virtio-mem asked, but it has no usable virtio-mem device" "${WORK}/ballastd.log"
set +e; "${BALLASTCTL}" -c "${URI}" domtune test --actuator hotplug >/dev/null 2>&1; status=$?; set -e
check "domtune bad actuator: exit 2" test "${status}" -eq 2
check "domtune --actuator auto" "${BALLASTCTL}" -c "${URI}" domtune test --actuator auto
set +e; "${BALLASTCTL}" -c "${URI}" domtune no-such-domain --shares 5 >/dev/null 2>&1; status=$?; set -e
check "domtune unknown domain: exit 5" test "${status}" -eq 5
set +e; "${BALLASTCTL}" -c "${URI}" domtune test --shares 0 >/dev/null 2>&1; status=$?; set -e
check "domtune bad value: exit 2" test "${status}" -eq 2

# Invalid metadata written behind ballast's back: warned once, policy used.
virsh -c "${URI}" metadata test urn:ballast:tuning:1 --key ballast --set '<tuning><shares>lots</shares></tuning>' --live >/dev/null
check "bad metadata: policy applies" wait_for 5 field_is shares 300
check "bad metadata: reason shown" grep -q "not a whole number" <<<"$(json_get "$(dominfo_json)" 'j["tuning_error"]')"
check "bad metadata: warned once" test "$(grep -c "ignoring its ballast tuning metadata" "${WORK}/ballastd.log")" -eq 1
check "domtune --clear" "${BALLASTCTL}" -c "${URI}" domtune test --clear --shares 80
check "cleared and set" wait_for 5 field_is shares 80

# Reload: a good change takes effect; a bad one is refused, the old one kept.
sed -i 's/<shares>100</<shares>111</; s/name="te\*"/name="nothing-*"/' "${POLICY}"
"${BALLASTCTL}" -c "${URI}" domtune test --clear >/dev/null
check "policy-reload" bash -c "'${BALLASTCTL}' -s '${SOCKET}' policy-reload | grep -q 'reloaded from'"
check "new default applies" wait_for 5 field_is shares 111
echo '<policy xmlns="urn:ballast:policy:1"><guests><default><shares>-1</shares>' > "${POLICY}"
set +e; msg="$(ctl policy-reload 2>&1)"; status=$?; set -e
check "bad reload: refused" test "${status}" -eq 1
check "bad reload: says why" grep -q "policy.xml line" <<<"${msg}"
check "bad reload: old policy still in effect" test "$(json_get "$(dominfo_json)" 'j["shares"]')" = 111
check "bad reload: status shows the error" grep -q "line" <<<"$(json_get "$(ctl --json status)" 'j["policy"]["reload_error"]')"
rm -f "${POLICY}"
kill -HUP "${DAEMON_PID}"; sleep 0.5
check "SIGHUP with the file deleted: daemon alive" kill -0 "${DAEMON_PID}"
check "SIGHUP with the file deleted: logged" grep -q "policy not reloaded.*No such file" "${WORK}/ballastd.log"
check "SIGHUP with the file deleted: old policy kept" test "$(json_get "$(dominfo_json)" 'j["shares"]')" = 111
# Management goes on under the old policy: an event still brings a cycle,
# and the policy's rules still resolve new tuning.
completed="$(json_get "$(ctl --json status)" 'j["cycles"]["completed"]')"
"${BALLASTCTL}" -c "${URI}" domtune test --shares 70 >/dev/null
cycles_after() { test "$(json_get "$(ctl --json status)" 'j["cycles"]["completed"]')" -gt "${completed}"; }
check "file deleted: cycles go on" wait_for 5 cycles_after
check "file deleted: tuning still applied" wait_for 5 field_is shares 70
"${BALLASTCTL}" -c "${URI}" domtune test --clear >/dev/null
# A valid file whose budget cannot be found is refused the same way.
cat > "${POLICY}" <<'XML'
<policy xmlns="urn:ballast:policy:1">
  <host><budget source="cgroup" path="no-such.slice"/></host>
</policy>
XML
set +e; msg="$(ctl policy-reload 2>&1)"; status=$?; set -e
check "unusable budget: refused" test "${status}" -eq 1
check "unusable budget: says why" grep -q "no-such.slice" <<<"${msg}"
check "unusable budget: old policy kept" wait_for 5 field_is shares 111
# A directory where the file was.
rm -f "${POLICY}"; mkdir "${POLICY}"
kill -HUP "${DAEMON_PID}"; sleep 0.5
check "directory: daemon alive" kill -0 "${DAEMON_PID}"
check "directory: error shown" test "$(json_get "$(ctl --json status)" 'j["policy"]["reload_error"] is not None')" = True
rmdir "${POLICY}"
# Put right: the next reload takes it and clears the error.
sed 's/<shares>100</<shares>122</' > "${POLICY}" <<'XML'
<policy xmlns="urn:ballast:policy:1">
  <guests><default><shares>100</shares></default></guests>
</policy>
XML
kill -HUP "${DAEMON_PID}"
check "fixed: new policy in effect" wait_for 5 field_is shares 122
check "fixed: reload error cleared" test "$(json_get "$(ctl --json status)" 'j["policy"]["reload_error"]')" = None
check "fixed: log says so" grep -q "policy: ${POLICY}" "${WORK}/ballastd.log"

# Readers may not reload (needs a non-root peer: only as root).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    chmod 755 "${WORK}"
    set +e; msg="$(runuser -u nobody -- "${BALLASTCTL}" -s "${SOCKET}" policy-reload 2>&1)"; status=$?; set -e
    check "non-root reload refused: exit 4" test "${status}" -eq 4
    check "non-root may still read" runuser -u nobody -- "${BALLASTCTL}" -s "${SOCKET}" status
fi
finish
