#!/bin/bash
# validate: a clean run passes every rule (exit 0); each rule fails on its
# own on purpose (exit 1, that rule FAIL with the offending value, the others PASS).
source "$(dirname "$0")/lib.sh"
GOOD=(--placements compact,spread --level k=1 --level k=2,ghz=2.5 --level k=4,ghz=2.2)
"$MK" good.h5 "${GOOD[@]}"
"$A" validate good.h5 > good.txt; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^PASS' good.txt)" -eq 13 ] && ok "clean run passes" || fail "clean run rc=$rc: $(cat good.txt)"
# rule | fixture options | text expected in the FAIL line
CASES=(
  "completed|--incomplete|complete=0"
  "completed|--cut-short|k=4 was cut short by SIGTERM (window"
  "kernels_validated|--invalid|valid=0"
  "full_ladder|--cores 8|largest k=4 (1 core(s) each), node has 8 cores"
  "both_placements|--placements compact|missing placement spread"
  "min_repetitions|--reps 3|3 counted repetitions (minimum 5)"
  "k1_time_spread|--k1-spread 0.3|(bound 0.05)"
  "node_quiet|--parked-util 0.3|30.0% busy"
  "counters_accounted|--no-counters-table|no /counters row"
  "provenance_complete|--no-provenance|cpu_model is missing"
  "real_binding|--simulated-binding|binding is 'simulated"
  "production_preset|--preset ci|preset ci: only lsst"
  "production_preset|--window-s 0.5|window 0.5 s is below the minimum 3 s"
  "timer_resolution|--timer-res 0.05|ticks of the 0.05 s timer (minimum 100)"
  "one_rank_per_core|--ranks-per-node 16|16 ranks on a node of 4 physical cores: oversubscribed"
  "one_rank_per_core|--ranks-per-node 2|2 ranks on a node of 4 physical cores (launch"
)
for c in "${CASES[@]}"; do
    IFS='|' read -r rule opts text <<<"$c"
    # shellcheck disable=SC2086
    "$MK" "$rule.h5" "${GOOD[@]}" $opts
    "$A" validate "$rule.h5" > "$rule.txt" 2>/dev/null; rc=$?
    line=$(grep " $rule " "$rule.txt")
    others=$(grep -c '^PASS' "$rule.txt")
    if [ $rc -eq 1 ] && [[ "$line" == FAIL* ]] && [[ "$line" == *"$text"* ]] && [ "$others" -eq 12 ]; then
        ok "$rule fails alone: $line"
    else
        fail "$rule: rc=$rc, line '$line', $others others pass"; cat "$rule.txt"
    fi
done
# a step where an active rank left no record at all has 0 repetitions for it
cp good.h5 norank.h5
"$py" - norank.h5 <<'EOF' || fail "editing norank.h5 (python3-h5py is in the Makefile's packages)"
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    g = f["steps/" + sorted(f["steps"])[0] + "/compact/k0002"]
    reps = g["reps"][:]
    kept = reps[reps["rank"] != reps["rank"].max()]
    del g["reps"]
    g["reps"] = kept
EOF
"$A" validate norank.h5 >norank.txt 2>/dev/null; rc=$?
line=$(grep " min_repetitions " norank.txt)
[ $rc -eq 1 ] && [[ "$line" == FAIL*"k=2: 1 active rank(s) have repetitions, expected 2"* ]] &&
    ok "a rank without records: $line" || fail "rank without records: rc=$rc, '$line'"
"$A" validate nothere.h5 2>/dev/null; [ $? -eq 2 ] && ok "missing file exit 2" || fail "missing file"
finish
