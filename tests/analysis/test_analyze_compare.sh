#!/bin/bash
# compare of two sites with different core counts, against a reference.
# a: 4 cores; k=4 runs at 2 GHz with 4 Gcycles and 0.5 s blocked: T = 2.5 s,
#    throughput 4/2.5 = 1.6 reps/s, efficiency 1.6/4 = 0.4.
# b: 8 cores; k=8 at 2 GHz, 3 Gcycles: T = 1.5 s, throughput 8/1.5, efficiency 0.667.
source "$(dirname "$0")/lib.sh"
"$MK" a.h5 --site siteA --level k=1 --level k=2,ghz=2.5 --level k=4,ghz=2,gcycles=4,blocked=0.5
"$MK" b.h5 --site siteB --level k=1 --level k=4,ghz=2.5 --level k=8,ghz=2,gcycles=3
"$A" compare b.h5 --reference a.h5 --format csv > cmp.csv || fail "compare exit $?"
head -1 cmp.csv | grep -q '^file,site,kernel,placement,cores,k_full,throughput_full,efficiency_full,knee' \
    || fail "compare CSV header"
get() { awk -F, -v s="$1" -v c="$2" 'NR==1{for(i=1;i<=NF;i++)x[$i]=i;next} $2==s{print $(x[c])}' cmp.csv; }
check() { approx "$(get "$1" "$2")" "$3" "$4" && ok "$1 $2=$3" || fail "$1 $2=$(get "$1" "$2"), want $3"; }
check siteA throughput_full 1.6 0.016
check siteA efficiency_full 0.4 0.004
check siteA throughput_ratio 1 0.000001
check siteB cores 8 0
check siteB throughput_full 5.3333 0.053
check siteB efficiency_full 0.6667 0.0067
check siteB throughput_ratio 3.3333 0.033
check siteB efficiency_ratio 1.6667 0.017
# shares of siteA's slowdown (1.5 s): clock 1.5-1=0.5, cycles 1/2=0.5, blocked 0.5 -> 1/3 each
check siteA clock_share 0.3333 0.0034
check siteA cycles_share 0.3333 0.0034
check siteA blocked_share 0.3333 0.0034
check siteB knee 4 0
check siteB knee_fraction 0.5 0
[ "$(tail -n +2 cmp.csv | wc -l)" -eq 2 ] && ok "one row per site" || fail "rows: $(cat cmp.csv)"
"$A" compare a.h5 b.h5 > cmp.txt || fail "compare text exit"
grep -q "siteA" cmp.txt && grep -q "siteB" cmp.txt && grep -q "(k/cores)" cmp.txt && ok "text" || fail "text compare"
"$A" compare a.h5 2> one.err; [ $? -eq 2 ] && ok "one file refused" || fail "compare with one file"
# no knee (efficiency above the bound at every k): the text says "none", not "knee 0, k/cor nan"
"$MK" flat.h5 --site siteFlat --level k=1 --level k=2 >/dev/null
"$A" compare flat.h5 a.h5 > flat.txt || fail "compare of a file without a knee"
grep -Eq '^siteFlat +[0-9]+ +[0-9]+ +[0-9.e+-]+ +[0-9.]+ +none +- ' flat.txt && ok "no knee: none" ||
    fail "no knee: $(grep siteFlat flat.txt | head -1)"
grep -Eq '^siteA +4 +4 +[0-9.e+-]+ +[0-9.]+ +[0-9]+ +[0-9.]+ ' flat.txt && ok "a knee: its k and k/cores" ||
    fail "a knee: $(grep '^siteA' flat.txt | head -1)"

# Unlike files (another preset, or other kernel options) are refused with one
# line naming both and what differs, unless --force, which marks every row
"$MK" likeA.h5 --site likeA --config "kernels=synth;preset=small" --level k=1 --level k=2,ghz=2.5 >/dev/null
"$MK" likeB.h5 --site likeB --config "kernels=synth;preset=ci" --level k=1 --level k=2,ghz=2.5 >/dev/null
"$MK" likeC.h5 --site likeC --config "kernels=synth;preset=small" --kernel-options "grid.style=ddf" \
    --level k=1 --level k=2,ghz=2.5 >/dev/null
rc=0; "$A" compare likeA.h5 likeB.h5 >unlike.txt 2>unlike.err || rc=$?
[ "$rc" -eq 2 ] && grep -q "likeB.*likeA.*preset ci vs small.*--force" unlike.err &&
    [ "$(wc -l <unlike.err)" -eq 1 ] && ok "another preset refused in one line" ||
    fail "another preset: rc $rc: $(cat unlike.err)"
rc=0; "$A" compare likeA.h5 likeC.h5 >unlike.txt 2>unlike.err || rc=$?
[ "$rc" -eq 2 ] && grep -q "synth options 'grid.style=ddf' vs ''" unlike.err &&
    ok "other kernel options refused" || fail "other kernel options: rc $rc: $(cat unlike.err)"
"$A" compare likeA.h5 likeB.h5 --reference likeA.h5 --force >forced.txt 2>forced.err ||
    fail "compare --force exit $?"
grep -q "^likeB .*UNLIKE (preset ci vs small)" forced.txt && ok "--force marks the unlike row" ||
    fail "--force row: $(grep likeB forced.txt | head -1)"
grep -q "^likeA .*UNLIKE" forced.txt && fail "the reference row is marked unlike"
grep -q "^UNLIKE FILES (--force).*not a result" forced.txt && ok "--force marks the bottom line" ||
    fail "no unlike bottom line: $(tail -3 forced.txt)"
"$A" compare likeA.h5 likeB.h5 --force --format csv >forced.csv 2>/dev/null || fail "csv --force"
[ "$(csv_get forced.csv unlike site=likeB)" = "preset ci vs small" ] &&
    [ -z "$(csv_get forced.csv unlike site=likeA)" ] && ok "CSV column unlike" ||
    fail "CSV unlike: $(cat forced.csv)"
rc=0; "$A" plot likeA.h5 likeB.h5 -o unlikeplot >/dev/null 2>plot.err || rc=$?
[ "$rc" -eq 2 ] && grep -q "preset ci vs small" plot.err && [ ! -e unlikeplot/index.html ] &&
    ok "plot refuses unlike files" || fail "plot of unlike files: rc $rc: $(cat plot.err)"
OCCBENCH_GNUPLOT=/nonexistent "$A" plot likeA.h5 likeB.h5 -o unlikeplot --force >/dev/null 2>&1 ||
    fail "plot --force"
grep -q "Unlike files, plotted with --force:.*preset ci vs small" unlikeplot/index.html &&
    ok "plot --force warns at the top of the page" || fail "no unlike banner in index.html"
finish
