#!/usr/bin/env bash
# ballast-sim --record-dir: ballast's run of a scenario written as a trace
# in the ballastd --record format, with what the allocator was fed (its
# history of each guest: growth, loan clock), and replayed by ballast-sim.
# Usage: test-record-dir.sh BALLAST_SIM SCENARIO (runaway.json)
set -euo pipefail
sim=$1 scenario=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$sim" --compare static,ballast --record-dir "$dir" "$scenario" > /dev/null
trace=$dir/runaway.trace.jsonl
[[ -s $trace ]] || fail "no trace at $trace"
lines=$(wc -l < "$trace")
# One hour of 10 s cycles.
[[ $lines == 360 ]] || fail "$lines lines, not one per cycle (360)"
python3 - "$trace" <<'PY' || fail "the trace does not carry the allocator's inputs"
import json, sys
over = growth = 0
for line in open(sys.argv[1]):
    record = json.loads(line)
    assert record["version"] == 1, record
    for guest in record["guests"]:
        assert "decision" in guest and "tuning" in guest, guest
        if guest["name"] == "leaky":
            over = max(over, guest["over_fair_share_sec"])
            growth = max(growth, guest["used_growth_kib_per_sec"])
# The leak stays above its fair share past the 300 s loan time, growing.
assert over > 300, f"leaky's loan clock reached only {over} s"
assert growth > 0, "leaky never grew"
print(f"leaky: above its share up to {over} s, growing up to {growth} KiB/s")
PY
replay=$("$sim" "$trace")
grep -q "replay of 360 recorded cycles" <<< "$replay" || fail "ballast-sim does not replay it: $replay"
grep -qE '^ +recorded ' <<< "$replay" || fail "no recorded policy in the replay: $replay"
echo "PASS: $lines cycles recorded and replayed"
