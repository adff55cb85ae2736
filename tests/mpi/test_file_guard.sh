#!/usr/bin/env bash
# The results file is guarded against what other programs do to it:
#  - replaced under a run (another program's HDF5 file under its name): the
#    run stops with exit 1 naming it and never writes into that file;
#  - a second launch (--resume) while a live one writes it: refused, exit 2,
#    naming the live launch; the live run completes;
#  - occbench-analyze on a file a live run writes: never "corrupted";
#  - 0 KiB free where it is to be created: exit 1, the one disk-full line,
#    no file (where mount is permitted).
source "$(dirname "$0")/common.sh"
args=(--preset ci --kernels freq,triad,io --occupancy 1,2 --placement compact --io-dir "$TMP")

wait_first_step() { # LOG
    for _ in $(seq 1 300); do
        grep -q '^\[1/' "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "the first step never came ($(cat "$1"))"
}

# 1. replaced under the run
out="$TMP/replaced.h5"
"$BUILD/tests/ob_mkfixture" "$TMP/other.h5" >/dev/null || fail "fixture"
sum_before=$(md5sum <"$TMP/other.h5")
ob_mpirun 2 "${args[@]}" --window 0.8 --output "$out" >"$TMP/log1" 2>&1 &
run=$!
wait_first_step "$TMP/log1"
cp "$TMP/other.h5" "$out.new" && mv "$out.new" "$out"
rc=0
wait "$run" || rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/log1"; fail "exit $rc after the file was replaced, expected 1"; }
grep -q "was replaced by another program" "$TMP/log1" || { cat "$TMP/log1"; fail "not named"; }
[ "$(md5sum <"$out")" = "$sum_before" ] || fail "occbench wrote into the file that replaced its own"

# 2. a second launch on a live file, 3. the analyzer on it
out="$TMP/live.h5"
ob_mpirun 2 "${args[@]}" --window 0.8 --output "$out" >"$TMP/log2" 2>&1 &
run=$!
wait_first_step "$TMP/log2"
rc=0
ob_mpirun 2 "${args[@]}" --window 0.8 --resume "$out" >"$TMP/log3" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { cat "$TMP/log3"; fail "--resume of a live file: exit $rc, expected 2"; }
grep -q "is being written by another occbench launch (pid" "$TMP/log3" ||
    { cat "$TMP/log3"; fail "the live launch is not named"; }
reads=0
while kill -0 "$run" 2>/dev/null && [ "$reads" -lt 15 ]; do
    "$BUILD/occbench-analyze" summary "$out" >"$TMP/s.out" 2>"$TMP/s.err" ||
        grep -q "a live occbench launch is writing it" "$TMP/s.err" ||
        { cat "$TMP/s.err"; fail "the analyzer on a live file: $(head -c 300 "$TMP/s.err")"; }
    ! grep -q corrupt "$TMP/s.err" || fail "the analyzer called a live file corrupted"
    reads=$((reads + 1))
done
rc=0
wait "$run" || rc=$?
[ "$rc" -eq 0 ] || { cat "$TMP/log2"; fail "the live run failed beside a refused --resume"; }
[ ! -e "$out.live" ] || fail "the live marker outlived the run"
echo "the analyzer read a live file $reads times"

# 4b. a reader holding the file's lock past the writer's wait (h5py keeps it
# while the file is open): the writer waits, says why once, and the summary
# is whole (no NaN efficiency from a k=1 row it could not read)
out="$TMP/held.h5"
env -u HDF5_USE_FILE_LOCKING OCCBENCH_LOCK_WAIT_S=1 mpirun --oversubscribe --bind-to none -n 2 \
    "$OCCBENCH" --preset ci --kernels freq --occupancy 1,2 --placement compact --window 1 \
    --output "$out" >"$TMP/log5" 2>&1 &
run=$!
wait_first_step "$TMP/log5"
flock "$out" sleep 4
rc=0
wait "$run" || rc=$?
[ "$rc" -eq 0 ] || { cat "$TMP/log5"; fail "a reader's lock past the wait: exit $rc"; }
[ "$(grep -c 'waiting for .*another program has held it open' "$TMP/log5")" -eq 1 ] ||
    { cat "$TMP/log5"; fail "no single notice of the wait"; }
grep -E '^\[2/2\] .* eff [0-9.]+ ' "$TMP/log5" | grep -qv 'eff  *nan' ||
    { cat "$TMP/log5"; fail "the progress line lost the efficiency"; }
eff=$("$py" -c "import h5py; print(h5py.File('$out','r')['summary/freq/compact'][:]['efficiency'][-1])")
awk -v e="$eff" 'BEGIN { exit !(e > 0.1 && e < 10) }' || fail "k=2 efficiency $eff in /summary"

# 4. 0 KiB free at creation
mnt="$TMP/full"
mkdir -p "$mnt"
if mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
    dd if=/dev/zero of="$mnt/fill" bs=4k 2>/dev/null
    rc=0
    ob_mpirun 2 "${args[@]}" --window 0.3 --output "$mnt/r.h5" >"$TMP/log4" 2>&1 || rc=$?
    left=$(find "$mnt" -mindepth 1 ! -name fill | wc -l)
    umount "$mnt"
    [ "$rc" -eq 1 ] || { cat "$TMP/log4"; fail "0 KiB free: exit $rc, expected 1"; }
    [ "$(grep -c '^occbench: ' "$TMP/log4")" -eq 1 ] && grep -q "results disk full: creating it" "$TMP/log4" ||
        { cat "$TMP/log4"; fail "0 KiB free: not one disk-full line"; }
    [ "$left" -eq 0 ] || fail "0 KiB free: $left file(s) left behind"
else
    echo "SKIP: mount -t tmpfs not permitted here"
fi
echo "file guard: OK"
