#!/usr/bin/env bash
# End to end: a real `ci` ladder on 2 ranks, then every occbench-analyze
# verb on the file it wrote (the real writer, not the test fixture).
source "$(dirname "$0")/common.sh"
A="$BUILD/occbench-analyze"
out="$TMP/ladder.h5"
timeout 300 mpirun --oversubscribe --bind-to none -n 2 "$OCCBENCH" --preset ci --kernels triad,freq \
    --window 0.5 --min-reps 3 --output "$out" --site e2e > "$TMP/run.log" 2>&1 \
    || { cat "$TMP/run.log"; fail "the ladder run failed"; }

"$A" summary "$out" --format csv --phases > "$TMP/s.csv" 2> "$TMP/s.err" || { cat "$TMP/s.err"; fail "summary csv"; }
head -1 "$TMP/s.csv" | grep -q '^file,kernel,placement,k,reps,throughput_per_node,efficiency,wall_s,slowdown_s,clock_s,cycles_s,blocked_s,scheduler_s,other_offcpu_s,clock_ghz,ipc,llc_mpki,cycles_source' \
    || fail "CSV header: $(head -1 "$TMP/s.csv")"
# one whole-rep row per kernel x placement x k (k = 1, 2) and the terms add up exactly
rows=$(awk -F, 'NR > 1 && $19 == ""' "$TMP/s.csv" | wc -l)
[ "$rows" -eq 8 ] || fail "expected 8 rows (2 kernels x 2 placements x k=1,2), got $rows"
awk -F, 'NR > 1 && $19 == "" {
    if ($5 < 1) { print "no counted reps: " $0; bad = 1 }
    if ($18 != "counters" && $18 != "probe") { print "cycles_source " $18; bad = 1 }
    if ($4 == 1 && $7 != 1) { print "efficiency at k=1: " $7; bad = 1 }
    o = ($14 == "nan") ? 0 : $14  # other off-CPU: not separated without delay accounting
    s = $10 + $11 + $12 + $13 + o; d = s - $9; if (d < 0) d = -d
    if (d > 1e-6 + 1e-6 * ($9 < 0 ? -$9 : $9)) { print "terms do not add up: " $0; bad = 1 }
    if ($15 < 0.2 || $15 > 10) { print "clock " $15 " GHz"; bad = 1 }
} END { exit bad }' "$TMP/s.csv" || fail "summary values"
# one derivation of every number: the analysis's throughput and efficiency are /summary's
"$CHECK" "$out" --summary-csv "$TMP/s.csv" > "$TMP/agree.txt" 2>&1 || { cat "$TMP/agree.txt"; fail "/summary and the analysis disagree"; }
grep -q "agree on 8 steps" "$TMP/agree.txt" || fail "agreement: $(cat "$TMP/agree.txt")"
"$A" summary "$out" > "$TMP/s.txt" 2>/dev/null && grep -q "clock (power/TDP throttling)" "$TMP/s.txt" || fail "text summary"
"$A" summary "$out" --format json | python3 -m json.tool > /dev/null || fail "json summary"

# validate runs every rule (this shared VM may fail some: node_quiet, spread) and exits 0 or 1
"$A" validate "$out" > "$TMP/v.txt"; rc=$?
[ "$rc" -le 1 ] && [ "$(grep -c -E '^(PASS|FAIL) ' "$TMP/v.txt")" -eq 13 ] || { cat "$TMP/v.txt"; fail "validate rc=$rc"; }
grep -q "^PASS  completed" "$TMP/v.txt" && grep -q "^PASS  provenance_complete" "$TMP/v.txt" \
    && grep -q "^PASS  counters_accounted" "$TMP/v.txt" || { cat "$TMP/v.txt"; fail "rules a clean ladder must pass"; }
# a ci run is never reportable, and validate says why
[ "$rc" -eq 1 ] && grep -q "^FAIL  production_preset    preset ci: only lsst" "$TMP/v.txt" &&
    grep -q "^NOT REPORTABLE" "$TMP/v.txt" || { cat "$TMP/v.txt"; fail "validate passed a ci run"; }
grep -Eq "^(PASS|FAIL)  timer_resolution .* ticks of the [0-9.e+-]+ s timer" "$TMP/v.txt" ||
    { cat "$TMP/v.txt"; fail "the timer resolution was not checked"; }

# 2 cores: spread gives the compact cores, its steps are linked: said once, no
# second table, no "compact vs spread" ratio of a step with itself
"$A" summary "$out" > "$TMP/s.txt" 2>/dev/null || fail "summary text"
grep -q "placement spread: the compact steps at every k (.*linked)" "$TMP/s.txt" ||
    { cat "$TMP/s.txt"; fail "linked spread steps not said once"; }
grep -q "compact vs spread at equal k" "$TMP/s.txt" && fail "a linked step compared with itself"
[ "$(grep -c "placement spread" "$TMP/s.txt")" -eq 2 ] || fail "spread groups: $(grep spread "$TMP/s.txt")"
"$A" compare "$out" --reference "$out" --format csv > "$TMP/c.csv" || fail "compare"
awk -F, 'NR > 1 && $17 != 1 { exit 1 }' "$TMP/c.csv" || fail "self-compare ratio is not 1"
printf 'task,instances_millions,cpu_hours_millions,max_rss_gb\nsmall,1,0.01,0.5\n' > "$TMP/w.csv"
"$A" plan --workload "$TMP/w.csv" --node "$out" --kernel triad --format csv > "$TMP/p.csv" || fail "plan --node FILE"
tail -1 "$TMP/p.csv" | grep -q '^TOTAL,' || fail "plan output: $(cat "$TMP/p.csv")"
if command -v gnuplot > /dev/null; then
    "$A" plot "$out" -o "$TMP/plot" > /dev/null 2>&1 || fail "plot"
    for f in "$TMP"/plot/*.svg; do xmllint --noout "$f" || fail "$f is not XML"; done
fi
echo "analyze ladder: ok"
