#!/bin/bash
# The figure of merit of compare: throughput per node at k = cores (compact),
# per kernel, relative to a reference, and the geometric mean of the ratios over
# the kernels every file has. Hand-computed (no noise: T = gcycles / ghz exactly,
# throughput at k = k / T):
#   ref   (4 cores): a T=1 -> 4/s;  b T=2 -> 2/s;   c T=1 -> 4/s
#   siteB (8 cores): a T=1 -> 8/s;  b T=8 -> 1/s;   c T=0.5 -> 16/s
#         ratios 2, 0.5, 4; geometric mean (2 * 0.5 * 4)^(1/3) = 4^(1/3) = 1.587401
#   siteC (8 cores): a T=2/3 -> 12/s; b T=4/3 -> 6/s; c only up to k=4 (not full);
#         d not in the reference. Ratios a 3, b 3.
#   With siteC in the comparison, c and d are left out for every file: the mean
#   covers a and b only: siteB sqrt(2 * 0.5) = 1, siteC sqrt(3 * 3) = 3.
source "$(dirname "$0")/lib.sh"
"$MK" ref.h5 --site ref --cores 4 --noise 0 --reps 5 \
    --level kernel=a,k=1 --level kernel=a,k=4,gcycles=3 \
    --level kernel=b,k=1 --level kernel=b,k=4,gcycles=6 \
    --level kernel=c,k=1 --level kernel=c,k=4,gcycles=3
"$MK" b.h5 --site siteB --cores 8 --noise 0 --reps 5 \
    --level kernel=a,k=1 --level kernel=a,k=8,gcycles=3 \
    --level kernel=b,k=1 --level kernel=b,k=8,gcycles=24 \
    --level kernel=c,k=1 --level kernel=c,k=8,gcycles=1.5
"$MK" c.h5 --site siteC --cores 8 --noise 0 --reps 5 \
    --level kernel=a,k=1 --level kernel=a,k=8,gcycles=2 \
    --level kernel=b,k=1 --level kernel=b,k=8,gcycles=4 \
    --level kernel=c,k=1 --level kernel=c,k=4 \
    --level kernel=d,k=1 --level kernel=d,k=8

fom() { # FILE SITE KERNEL COLUMN WANT TOL|exact
    local got
    got=$(csv_get "$1" "$4" "site=$2" "kernel=$3")
    if [ "$6" = exact ]; then
        [ "$got" = "$5" ] && ok "$2 $3 $4=$got" || fail "$2 $3 $4=$got, want $5"
    elif approx "$got" "$5" "$6"; then ok "$2 $3 $4=$got (want $5)"; else fail "$2 $3 $4=$got, want $5 +- $6"; fi
}

# three kernels in common: the hand-computed geometric mean
"$A" compare b.h5 --reference ref.h5 --format csv > two.csv 2> two.err || fail "compare exit $?"
head -1 two.csv | grep -q ',throughput_ratio,efficiency_ratio,fom_throughput,fom_ratio,fom_in_geomean,fom_geomean,fom_kernels,shares_note,unlike$' \
    && ok "CSV: fom columns appended after the existing ones" || fail "CSV header: $(head -1 two.csv)"
fom two.csv ref a fom_throughput 4 0.0001
fom two.csv ref b fom_throughput 2 0.0001
fom two.csv siteB a fom_throughput 8 0.0001
fom two.csv siteB a fom_ratio 2 0.0001
fom two.csv siteB b fom_ratio 0.5 0.0001
fom two.csv siteB c fom_ratio 4 0.0001
fom two.csv siteB a fom_geomean 1.587401 0.0001
fom two.csv siteB c fom_geomean 1.587401 0.0001
fom two.csv ref b fom_geomean 1 0.000001
fom two.csv siteB b fom_kernels 3 exact
fom two.csv siteB c fom_in_geomean 1 exact
[ -s two.err ] && fail "warnings with every kernel in both files: $(cat two.err)" || ok "no warning"

"$A" compare b.h5 --reference ref.h5 > two.txt || fail "compare text exit $?"
grep -q "figure of merit: throughput per node at full occupancy (k = cores, compact)" two.txt \
    && ok "text: figure of merit block" || fail "text: no figure of merit block"
awk '$1 == "geomean" { exit !($NF == "1.587") }' two.txt && ok "text: geomean 1.587" \
    || fail "text geomean line: $(grep geomean two.txt)"

# a kernel short of full occupancy in one file, another missing from the reference:
# both listed with a warning and left out of every file's mean
"$A" compare b.h5 c.h5 --reference ref.h5 --format csv > three.csv 2> three.err || fail "compare exit $?"
fom three.csv siteB a fom_geomean 1 0.0001
fom three.csv siteC a fom_geomean 3 0.0001
fom three.csv siteC b fom_ratio 3 0.0001
fom three.csv siteC a fom_kernels 2 exact
fom three.csv siteB c fom_in_geomean 0 exact
fom three.csv siteB c fom_ratio 4 0.0001
fom three.csv siteC c fom_throughput nan exact
fom three.csv siteC d fom_ratio nan exact
grep -q "^warning: figure of merit: kernel c left out of the geometric mean: siteC: largest compact k=4, node has 8 cores$" three.err \
    && ok "warning: c short of full occupancy" || fail "warning for c: $(cat three.err)"
grep -q "^warning: figure of merit: kernel d left out of the geometric mean: ref: kernel not in the file; siteB: kernel not in the file$" three.err \
    && ok "warning: d missing from two files" || fail "warning for d: $(cat three.err)"
[ "$(wc -l < three.err)" -eq 2 ] && ok "one warning per excluded kernel" || fail "warnings: $(cat three.err)"
"$A" compare b.h5 c.h5 --reference ref.h5 > three.txt 2>/dev/null
grep -q "not in the mean: c (siteC: largest compact k=4, node has 8 cores)" three.txt \
    && ok "text lists the excluded kernel" || fail "text: $(tail -12 three.txt)"
awk '$1 == "geomean" { exit !($(NF-1) == "1.000" && $NF == "3.000") }' three.txt \
    && ok "text: geomeans 1.000 and 3.000" || fail "text geomean line: $(grep geomean three.txt)"

# without --reference: full-occupancy throughputs, no ratios
"$A" compare b.h5 c.h5 --format csv > noref.csv 2>/dev/null || fail "compare exit $?"
fom noref.csv siteC a fom_throughput 12 0.0001
fom noref.csv siteC a fom_ratio nan exact
fom noref.csv siteC a fom_geomean nan exact
"$A" compare b.h5 c.h5 2>/dev/null | grep -q "give --reference FILE" && ok "text asks for a reference" \
    || fail "no hint without --reference"
# a file of another problem size than the reference is warned about; the same size is not
"$MK" ci.h5 --site siteCI --cores 4 --noise 0 --reps 5 --config "kernels=a;preset=ci;window=1" \
    --level kernel=a,k=1 --level kernel=a,k=4
"$MK" small.h5 --site siteS --cores 4 --noise 0 --reps 5 --config "kernels=a;preset=small;window=2" \
    --level kernel=a,k=1 --level kernel=a,k=4
"$MK" small2.h5 --site siteS2 --cores 4 --noise 0 --reps 5 --config "kernels=a;preset=small" \
    --level kernel=a,k=1 --level kernel=a,k=4
rc=0; "$A" compare ci.h5 small2.h5 --reference small.h5 > /dev/null 2> preset.err || rc=$?
[ "$rc" -eq 2 ] && grep -q "siteCI (ci.h5) and siteS (small.h5): preset ci vs small" preset.err \
    && ok "preset mismatch refused" || fail "preset refusal: rc $rc: $(cat preset.err)"
"$A" compare small2.h5 --reference small.h5 > /dev/null 2> preset.err || fail "same preset refused"
[ ! -s preset.err ] && ok "same preset: no warning" || fail "warnings: $(cat preset.err)"
"$A" compare ci.h5 small2.h5 --reference small.h5 --force > forced.txt 2> preset.err ||
    fail "compare --force exit $?"
grep -q "^warning: --force: comparing unlike files: siteCI" preset.err && ok "--force warns" ||
    fail "--force warning: $(cat preset.err)"
finish
