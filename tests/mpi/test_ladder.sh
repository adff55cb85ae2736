#!/usr/bin/env bash
# The whole ladder at the ci preset on 1, 2 and 4 ranks, every kernel, both
# placements; the file is checked with the HDF5 API: every step present and
# finished, records for every active rank and none for parked ones,
# summaries consistent with the records, provenance and counters present.
source "$(dirname "$0")/common.sh"

for n in 1 2 4; do
    occ=$(seq -s, 1 "$n")
    out="$TMP/ladder-$n.h5"
    ob_mpirun "$n" --preset ci --window 0.2 --min-reps 2 --occupancy "$occ" \
        --io-dir "$TMP" --output "$out" --site test >"$TMP/log-$n" 2>&1 ||
        { cat "$TMP/log-$n"; fail "occbench on $n ranks exited $?"; }
    grep -q "all steps validated" "$TMP/log-$n" || { cat "$TMP/log-$n"; fail "no final line"; }
    "$CHECK" "$out" || fail "results of $n ranks"
    # progress: one line per step on rank 0 only
    steps=$(grep -c '^\[[0-9]*/[0-9]*\]' "$TMP/log-$n")
    [ "$steps" -gt 0 ] || fail "no progress lines"
    grep -q 'ETA' "$TMP/log-$n" || fail "progress lines lack an ETA"
done
# OCCBENCH_* settings (here the data directory common.sh exports) are provenance
h5dump -a /system/env_OCCBENCH_DATA_DIR "$TMP/ladder-1.h5" | grep -q "$OCCBENCH_DATA_DIR" ||
    fail "OCCBENCH_DATA_DIR not recorded in /system"
# every step records its set-up time: the wait until every active rank had
# set up, inside the step's span (the time model and a reader see it)
h5dump -A "$TMP/ladder-2.h5" | awk '
    /ATTRIBUTE "setup_s"/ { want = "s" } /ATTRIBUTE "t_start"/ { want = "a" } /ATTRIBUTE "t_end"/ { want = "b" }
    /\(0\): / && want != "" { v[want] = $2; want = "" }
    /^   *}$/ && ("s" in v) && ("a" in v) && ("b" in v) {
        n++; if (!(v["s"] >= 0 && v["s"] <= v["b"] - v["a"])) bad = 1; delete v }
    END { if (n == 0) print "no setup_s attribute"; exit bad || n == 0 }' ||
    fail "setup_s missing or outside the step's span"
# the I/O kernels leave nothing behind in --io-dir
left=$(find "$TMP" -mindepth 1 -maxdepth 1 ! -name '*.h5' ! -name 'log-*' | wc -l)
[ "$left" -eq 0 ] || { ls -la "$TMP"; fail "stray files in the I/O directory"; }
echo "ladder on 1, 2, 4 ranks: OK"
