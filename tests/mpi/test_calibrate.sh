#!/usr/bin/env bash
# occbench --calibrate on this machine: known injected contention next to
# one active rank (a CPU hog on its core, an fsync writer on the I/O
# directory, memory streamers on the other cores of its L3) must land in
# the term it belongs to, at >= 80% of the slowdown; what cannot run here
# (a capped clock without cpufreq) is recorded with its reason. Also the
# refusals of bad calibration input.
source "$(dirname "$0")/common.sh"
A="$BUILD/occbench-analyze"
out="$TMP/cal.h5"
iodir="$TMP/io" # under TMPDIR or /tmp: on this build machine a disk, not tmpfs
mkdir -p "$iodir"
timeout 300 mpirun --oversubscribe --bind-to none -n 2 "$OCCBENCH" --calibrate \
    --window 2 --io-dir "$iodir" --output "$out" > "$TMP/run.log" 2>&1 \
    || { cat "$TMP/run.log"; fail "the calibration run failed"; }
"$CHECK" "$out" --max-parked-cpu 4 > /dev/null 2>&1 || true # parked rank hosts the injections
"$A" calibrate "$out" > "$TMP/cal.txt" 2>&1; rc=$?
cat "$TMP/cal.txt"
grep -q '^cpu_hog .* scheduler .* PASS' "$TMP/cal.txt" || fail "the CPU hog did not land in the scheduler term"
if [ "$(stat -f -c %T "$iodir")" != tmpfs ]; then
    grep -q '^fsync_writer .* blocked .* PASS' "$TMP/cal.txt" || fail "the fsync writer did not land in the blocked term"
fi
if [ ! -w /sys/devices/system/cpu/cpu0/cpufreq/scaling_max_freq ]; then
    grep -q '^clock_cap .*NOT RUN: ' "$TMP/cal.txt" || fail "clock_cap without cpufreq must say why it did not run"
fi
# exit 0 only when one passed and none failed (no effect proves nothing either way)
if grep -q 'FAIL:' "$TMP/cal.txt"; then [ $rc -eq 1 ] || fail "a failed injection must exit 1 (rc=$rc)"
else [ $rc -eq 0 ] || fail "none failed but rc=$rc"; fi
"$A" validate "$out" | grep -q '^\(PASS\|FAIL\)  calibration' || fail "validate does not report the calibration"

# bad input: one line, exit 2, no file
expect2() { # expect2 PATTERN RANKS ARGS...
    local pat=$1 n=$2; shift 2
    local rc=0
    timeout 120 mpirun --oversubscribe --bind-to none -n "$n" "$OCCBENCH" "$@" > /dev/null 2> "$TMP/err" || rc=$?
    [ $rc -eq 2 ] && grep -q -- "$pat" "$TMP/err" || { cat "$TMP/err"; fail "'$*': rc=$rc"; }
}
expect2 "at least 2 ranks per node" 1 --calibrate --output "$TMP/one.h5"
expect2 "runs its own kernels" 2 --calibrate --kernels freq --output "$TMP/k.h5"
expect2 "runs its own kernels, occupancy and preset" 2 --calibrate --preset small --output "$TMP/k.h5"
expect2 "--calibrate-freq needs --calibrate" 2 --calibrate-freq 1500000 --output "$TMP/f.h5"
expect2 "'12' is not valid" 2 --calibrate --calibrate-freq 12 --output "$TMP/f.h5"
[ ! -e "$TMP/one.h5" ] && [ ! -e "$TMP/k.h5" ] && [ ! -e "$TMP/f.h5" ] || fail "a refused calibration created a file"
"$A" calibrate "$TMP/nothere.h5" 2> "$TMP/err"; [ $? -eq 2 ] || fail "calibrate of a missing file"
echo "calibrate: OK"
