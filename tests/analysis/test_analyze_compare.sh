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
finish
