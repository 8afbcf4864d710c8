#!/usr/bin/env bash
# Golden output: ballastctl's tables, its --json (a documented, stable
# interface, ballastctl(1) "JSON OUTPUT") and the metrics names, against a
# dry-run ballastd on libvirt's test driver and a fake host, compared with
# tests/golden/cli/*.expected. Volatile parts (counters, durations,
# clock times, the temporary directory) are normalized first.
#
# After an intended change: BALLAST_UPDATE_GOLDEN=1 meson test -C build golden
# rewrites the .expected files; review them with git diff.
source "$(dirname "$0")/lib.sh"
GOLDEN="$(cd "$(dirname "$0")/../golden/cli" && pwd)"

# Fixed UUIDs: the test driver makes up random ones otherwise.
cat > "${WORK}/domains.xml" <<'XML'
<node>
  <domain type='test'><name>web</name><uuid>2d5a6f43-0a3c-4a8e-9d7e-1b0c5a3e7f01</uuid>
    <memory unit='GiB'>4</memory><currentMemory unit='GiB'>2</currentMemory>
    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>
  <domain type='test'><name>db</name><uuid>2d5a6f43-0a3c-4a8e-9d7e-1b0c5a3e7f02</uuid>
    <memory unit='GiB'>8</memory><currentMemory unit='GiB'>8</currentMemory>
    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>
  <domain type='test'><name>noballoon</name><uuid>2d5a6f43-0a3c-4a8e-9d7e-1b0c5a3e7f03</uuid>
    <memory unit='GiB'>1</memory>
    <os><type>hvm</type></os><devices><memballoon model='none'/></devices></domain>
  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>stopped</name>
    <uuid>2d5a6f43-0a3c-4a8e-9d7e-1b0c5a3e7f04</uuid><memory unit='GiB'>2</memory>
    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices>
    <test:runstate>5</test:runstate></domain>
</node>
XML

# 16 GiB with 1 GiB available: 614.4 MiB short of the 1.6 GiB reserve. The
# test driver's QEMU RSS (db 4 GiB of 8, web 1 GiB of 2) is below both
# floors, so both give only memory they never touched, down to their
# floors; with an unmanaged and a stopped guest beside them.
fake_host 16777216 1048576
start_ballastd --connect "test://${WORK}/domains.xml" --dry-run --overcommit=on --interval 0.2
three_cycles() { test "$(json_get "$(ctl --json status)" 'j["cycles"]["completed"] >= 3')" = True; }
check "three cycles done" wait_for 10 three_cycles

normalize() {
    sed -E \
        -e "s|${WORK}|WORK|g" \
        -e 's/; [0-9]+ cycles, [0-9]+ skipped; last took [0-9]+\.[0-9]+ ms and [0-9]+ libvirt calls/; N cycles, N skipped; last took N ms and N libvirt calls/' \
        -e 's/"(completed|skipped|last_duration_usec|last_libvirt_calls|libvirt_calls_total|last_time_usec|time_usec|spike_age_sec)":-?[0-9]+/"\1":N/' \
        -e 's/^(Spikes: .* )[0-9]+ s ago;/\1N s ago;/' \
        -e 's/^ [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/ YYYY-MM-DD HH:MM:SS/' \
        -e 's/^(ballast_[a-z_]+_total|ballast_cycle_duration_seconds|ballast_cycle_last_timestamp_seconds|ballast_control_clients) -?[0-9.]+$/\1 N/'
}

golden() { # NAME COMMAND...
    local name="$1"; shift
    local actual="${WORK}/${name}.actual"
    "$@" 2>&1 | normalize > "${actual}" || true
    if [ -n "${BALLAST_UPDATE_GOLDEN:-}" ]; then
        cp "${actual}" "${GOLDEN}/${name}.expected"
        ok "golden ${name} (rewritten)"
    elif diff -u "${GOLDEN}/${name}.expected" "${actual}"; then
        ok "golden ${name}"
    else
        not_ok "golden ${name} (see the diff above)"
    fi
}

golden status ctl status
golden list ctl list
golden list-all-wide ctl list --all --wide
golden dominfo ctl dominfo web
golden domhistory ctl domhistory db --limit 1
golden status-json ctl --json status
golden list-json ctl --json list --all
golden dominfo-json ctl --json dominfo web
golden domhistory-json ctl --json domhistory db --limit 1
golden metrics ctl metrics

# The normalization must not hide what matters: the figures are still there.
check "normalized tables keep the sizes" grep -q '4.8 GiB' "${WORK}/list.actual"
check "normalized JSON keeps exact KiB" grep -q '"target_kib":5033164' "${WORK}/list-json.actual"
finish
