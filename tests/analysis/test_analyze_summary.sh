#!/bin/bash
# Known-answer decomposition through the whole path: synthetic files with a
# known value for every term -> occbench-analyze summary --format csv, each
# term within 1% (of the term, or of the slowdown for terms that are 0),
# with and without hardware cycle counters; phases; JSON; warnings.
source "$(dirname "$0")/lib.sh"

HEADER='file,kernel,placement,k,reps,throughput_per_node,efficiency,wall_s,slowdown_s,clock_s,cycles_s,blocked_s,scheduler_s,other_offcpu_s,clock_ghz,ipc,llc_mpki,cycles_source'
# k=1 truth: 3 GHz, 3 Gcycles (C = 1 s), blocked 0.05 s, run queue 0.01 s  -> T1 = 1.06 s
BASE="k=1,ghz=3,gcycles=3,blocked=0.05,runq=0.01"
# name | level k=2 | expected slowdown clock cycles blocked scheduler
CASES=(
  "clock|k=2,ghz=2,gcycles=3,blocked=0.05,runq=0.01|0.5 0.5 0 0 0"
  "cycles|k=2,ghz=3,gcycles=4.5,blocked=0.05,runq=0.01,llc=6|0.5 0 0.5 0 0"
  "blocked|k=2,ghz=3,gcycles=3,blocked=0.4,runq=0.01|0.35 0 0 0.35 0"
  "scheduler|k=2,ghz=3,gcycles=3,blocked=0.05,runq=0.3|0.29 0 0 0 0.29"
  "mixed|k=2,ghz=2.4,gcycles=3.6,blocked=0.3,runq=0.1|0.84 0.25 0.25 0.25 0.09"
)
COLS=(slowdown_s clock_s cycles_s blocked_s scheduler_s)
for hw in counters probe; do
    for c in "${CASES[@]}"; do
        IFS='|' read -r name level want <<<"$c"
        f=$name-$hw.h5
        extra=(); [ $hw = probe ] && extra=(--no-counters)
        "$MK" "$f" --level "$BASE" --level "$level" "${extra[@]}" || fail "mkfixture $f"
        "$A" summary "$f" --format csv > "$name-$hw.csv" 2> "$name-$hw.err" || fail "summary $f exit $?"
        [ "$(head -1 "$name-$hw.csv" | cut -d, -f1-18)" = "$HEADER" ] || fail "CSV header of $f"
        read -r -a w <<<"$want"
        slow=${w[0]}
        for i in 0 1 2 3 4; do
            tol=$(awk -v x="${w[$i]}" -v s="$slow" 'BEGIN { a = x < 0 ? -x : x; print 0.01 * (a > 0 ? a : s) }')
            expect_col "$name-$hw.csv" 2 "${COLS[$i]}" "${w[$i]}" "$tol"
        done
        expect_col "$name-$hw.csv" 2 other_offcpu_s 0 "$(awk -v s="$slow" 'BEGIN{print 0.01*s}')"
        src=$(csv_get "$name-$hw.csv" cycles_source k=2)
        [ "$src" = "$hw" ] && ok "cycles_source=$src" || fail "$f cycles_source=$src, want $hw"
        # efficiency = T1/T2 with back-to-back repetitions
        expect_col "$name-$hw.csv" 2 efficiency "$(awk -v s="$slow" 'BEGIN{print 1.06/(1.06+s)}')" 0.005
    done
done
# clock, IPC, MPKI and cycles per LLC miss of the cycles case: 3 GHz, IPC 2/4.5,
# MPKI 1000*6e6/2e9 = 3, cycles per miss 1.5e9 / 5e6 = 300.
expect_col cycles-counters.csv 2 clock_ghz 3 0.03
expect_col cycles-counters.csv 2 ipc 0.4444 0.005
expect_col cycles-counters.csv 2 llc_mpki 3 0.03
expect_col cycles-counters.csv 2 cycles_per_llc_miss 300 3
[ "$(csv_get cycles-probe.csv ipc k=2)" = nan ] && ok "no IPC without counters" || fail "IPC without counters"

# per phase: the datastore phase (write) carries the blocked term, compute none
"$MK" ph.h5 --level "$BASE" --level "k=2,ghz=2,gcycles=3,blocked=0.45,runq=0.01" --phases compute,write
"$A" summary ph.h5 --phases --format csv > ph.csv || fail "summary --phases"
expect_col ph.csv 2 blocked_s 0.4 0.004 phase=write
expect_col ph.csv 2 blocked_s 0 0.004 phase=compute
expect_col ph.csv 2 clock_s 0.45 0.0045 phase=compute
expect_col ph.csv 2 clock_s 0.05 0.0015 phase=write
"$A" summary ph.h5 --phases | grep -q "per phase:" && ok "text --phases" || fail "text --phases"
# the two classes (compute and datastore I/O phases summed per repetition), as the
# DESC study's figure 8: the io class carries the blocked term, its wall time scaled
# to k=1 is (write time at k=2) / (write time at k=1)
expect_col ph.csv 2 blocked_s 0.4 0.004 'phase=[io]'
expect_col ph.csv 2 blocked_s 0 0.004 'phase=[compute]'
w1=$(csv_get ph.csv wall_s k=1 phase=write); w2=$(csv_get ph.csv wall_s k=2 phase=write)
expect_col ph.csv 2 wall_scaled "$(awk -v a="$w1" -v b="$w2" 'BEGIN{print b/a}')" 0.001 'phase=[io]'
expect_col ph.csv 1 wall_scaled 1 0.000001 'phase=[compute]'

# --baseline K: efficiency and terms against k=K (the DESC study used 16)
"$MK" base.h5 --level "$BASE" --level "k=2,ghz=2.5,gcycles=3,blocked=0.05,runq=0.01" \
    --level "k=4,ghz=2,gcycles=3,blocked=0.05,runq=0.01"
"$A" summary base.h5 --baseline 2 --format csv > base.csv || fail "summary --baseline 2"
expect_col base.csv 2 efficiency 1 0.000001
expect_col base.csv 2 slowdown_s 0 0.000001
# T(4) - T(2) = 3/2 - 3/2.5 = 0.3 s, all clock
expect_col base.csv 4 slowdown_s 0.3 0.003
expect_col base.csv 4 clock_s 0.3 0.003
T2=$(csv_get base.csv wall_s k=2); T4=$(csv_get base.csv wall_s k=4)
expect_col base.csv 4 efficiency "$(awk -v a="$T2" -v b="$T4" 'BEGIN{print a/b}')" 0.005
"$A" summary base.h5 --baseline 3 > /dev/null 2> base.err; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < base.err)" -eq 1 ] && grep -q "baseline 3: .*measured no step at k=3 (accepted: 1,2,4)" base.err \
    && ok "--baseline 3 refused: $(cat base.err)" || fail "--baseline 3: rc=$rc $(cat base.err)"

# JSON parses and carries the same numbers
"$A" summary mixed-counters.h5 --format json > mixed.json || fail "summary json"
if command -v python3 >/dev/null; then
    python3 -c "
import json, sys
d = json.load(open('mixed.json'))
r = [x for x in d['groups'][0]['rows'] if x['k'] == 2][0]
sys.exit(0 if abs(r['clock_s'] - 0.25) < 0.0025 and r['cycles_source'] == 'counters' else 1)" \
        && ok "json" || fail "json content"
fi

# text: the decomposition block and the compact/spread contrast
"$MK" both.h5 --placements compact,spread --level "$BASE" --level "k=2,ghz=2.4,gcycles=3.6"
"$A" summary both.h5 > both.txt || fail "summary text"
grep -q "clock (power/TDP throttling)" both.txt && grep -q "compact vs spread at equal k" both.txt \
    && ok "text summary" || fail "text summary lacks the decomposition or the contrast"

# warnings: instructions changed by 10%, too few repetitions; incomplete run
"$MK" warn.h5 --reps 3 --level "$BASE" --level "k=2,ghz=3,gcycles=3,instr=2.2"
"$A" summary warn.h5 > /dev/null 2> warn.err || fail "summary warn.h5 exit"
grep -q "instructions per repetition +10.0%" warn.err && ok "instr warning" || fail "no instructions warning: $(cat warn.err)"
grep -q "only 3 counted repetitions" warn.err && ok "few reps warning" || fail "no too-few-reps warning"
"$MK" part.h5 --incomplete --unfinished
"$A" summary part.h5 --format csv > part.csv 2> part.err || fail "incomplete file not analysed"
grep -q "not marked complete" part.err && ok "incomplete warning" || fail "no incomplete warning"
[ "$(tail -n +2 part.csv | wc -l)" -eq 2 ] && ok "finished steps only" || fail "unfinished step analysed"
# --kernel of a kernel the file lacks lists every kernel it has, by name
# (grid was missing beside degrid: a substring test)
"$MK" gridpair.h5 --level kernel=degrid,k=1 --level kernel=degrid,k=2 \
    --level kernel=grid,k=1 --level kernel=grid,k=2 >/dev/null
"$A" summary gridpair.h5 --kernel nope >/dev/null 2>nope.err && fail "--kernel nope accepted"
grep -q "(kernels: degrid, grid)" nope.err && ok "--kernel nope lists degrid and grid" ||
    fail "--kernel nope: $(cat nope.err)"

# Shares only of a real slowdown (analysis/shares.c), one rule in every output:
# noise (k=2 as k=1 with 20% noise: the interval includes zero), a real but tiny
# slowdown (0.01 s of 1.06 s: under 2%), a speed-up, and a real one.
share_case() { # name level -> name.txt (summary) and name.cmp.csv (compare with itself)
    "$MK" "$1.h5" --noise "${3:-0.002}" --level "$BASE" --level "$2" >/dev/null || fail "mkfixture $1"
    "$A" summary "$1.h5" >"$1.txt" 2>/dev/null || fail "summary $1"
    "$A" summary "$1.h5" --format csv >"$1.csv" 2>/dev/null || fail "summary csv $1"
    "$A" compare "$1.h5" "$1.h5" --format csv >"$1.cmp.csv" 2>/dev/null || fail "compare $1"
}
share_case noise "k=2,ghz=3,gcycles=3,blocked=0.05,runq=0.01" 0.2
share_case tiny "k=2,ghz=3,gcycles=3,blocked=0.06,runq=0.01"
share_case faster "k=2,ghz=3.3,gcycles=3,blocked=0.05,runq=0.01"
share_case real "k=2,ghz=2.4,gcycles=3.6,blocked=0.3,runq=0.1"
# the premise of each case, from the CSV's interval of the slowdown
lo=$(csv_get noise.csv slowdown_lo k=2) hi=$(csv_get noise.csv slowdown_hi k=2)
awk -v l="$lo" -v h="$hi" 'BEGIN { exit !(l <= 0 && h >= 0) }' ||
    fail "the noise case's interval [$lo, $hi] excludes zero: the case tests nothing"
lo=$(csv_get tiny.csv slowdown_lo k=2)
awk -v l="$lo" 'BEGIN { exit !(l > 0) }' || fail "the tiny case's interval starts at $lo"
for c in "noise|its 95% interval includes zero|interval_includes_zero" \
    "tiny|under 2% of the baseline's time|under_floor" \
    "faster|faster than at the baseline|faster"; do
    IFS='|' read -r name words code <<<"$c"
    grep -q "no.*$words" "$name.txt" && ok "$name: summary says $words" ||
        fail "$name: summary does not say '$words': $(cat "$name.txt")"
    grep -q "% of the slowdown" "$name.txt" && fail "$name: summary prints a share"
    # compare: the five share columns empty, the note naming the rule
    row=$(sed -n 2p "$name.cmp.csv")
    note=$(csv_get "$name.cmp.csv" shares_note)
    shares=$(echo "$row" | awk -F, '{ print $12 $13 $14 $15 $16 }')
    [ "$note" = "$code" ] && [ -z "$shares" ] && ok "$name: compare leaves the shares empty ($code)" ||
        fail "$name: compare row '$row'"
done
grep -q "% of the slowdown" real.txt && ok "a real slowdown keeps its shares" ||
    fail "the real slowdown lost its shares: $(cat real.txt)"
row=$(sed -n 2p real.cmp.csv)
[ -z "$(csv_get real.cmp.csv shares_note)" ] && [ -n "$(csv_get real.cmp.csv clock_share)" ] &&
    ok "compare gives the real slowdown's shares" || fail "compare real row '$row'"
head -1 real.cmp.csv | grep -q ",shares_note," || fail "compare CSV header"
# one clock rule for a repetition and its phases: each phase record takes its
# repetition's probe (the step's where it was not probed), so with the probe
# noisy the phases' clock terms add up to the whole repetition's (they took the
# step's median and chase's single phase had the opposite sign of its repetition)
"$MK" phclk.h5 --no-counters --noise 0.1 --level "$BASE" --level "k=2,ghz=2.5,gcycles=3,blocked=0.05" \
    --phases compute,write >/dev/null
"$A" summary phclk.h5 --phases --format csv >phclk.csv 2>/dev/null || fail "summary phclk"
whole=$(csv_get phclk.csv clock_s k=2 phase=)
parts=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) ix[$i] = i; next }
    $ix["k"] == 2 && ($ix["phase"] == "compute" || $ix["phase"] == "write") { s += $ix["clock_s"] }
    END { print s }' phclk.csv)
approx "$parts" "$whole" 1e-6 && ok "phase clock terms add up to the repetition's ($whole)" ||
    fail "phases' clock terms $parts, the repetition's $whole"
# --phases prints phase names whole (they were cut to 10 characters)
"$MK" longph.h5 --level "$BASE" --level "k=2,ghz=2,gcycles=3,blocked=0.45,runq=0.01" \
    --phases compute,datastore_write_back >/dev/null
"$A" summary longph.h5 --phases >longph.txt 2>/dev/null || fail "summary --phases longph"
grep -q " datastore_write_back " longph.txt && ok "--phases keeps long phase names whole" ||
    fail "--phases cut a phase name: $(grep datastore longph.txt | head -2)"
finish
