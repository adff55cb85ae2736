#!/usr/bin/env bash
# Parallel results file: 4 ranks writing steps with different row counts
# (some 0), read back with serial HDF5 and h5dump; then a writer killed with
# SIGKILL after its 2nd flushed step must leave a file h5dump and H5Fopen
# read with every flushed step, and --resume-style continuation finishes it.
# Usage: test_results_mpi.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=${1:?build dir}
writer="$build/tests/results_mpi_writer"
mpirun_args=(--oversubscribe -n 4)
[ "$(id -u)" = 0 ] && mpirun_args+=(--allow-run-as-root)
work=$(mktemp -d /tmp/ob-results-mpi-XXXXXX)
mpipid=
cleanup() {
    [ -n "$mpipid" ] && kill -9 "$mpipid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== 4 ranks, 5 steps, uneven rows"
mpirun "${mpirun_args[@]}" "$writer" write "$work/full.h5" 5
"$writer" check "$work/full.h5" 5 4 5 1
h5dump -H "$work/full.h5" > "$work/full.txt" || fail "h5dump -H of the complete file"
grep -q 'GROUP "k0005"' "$work/full.txt" || fail "h5dump lists no k0005"
h5dump -d /steps/fft/compact/k0002/reps "$work/full.h5" > "$work/reps.txt" ||
    fail "h5dump of k0002/reps"
grep -q 'H5T_IEEE_F64LE "cycles"' "$work/reps.txt" || fail "no flat cycles column in reps"

echo "== SIGKILL after the 2nd flushed step"
mkdir -p "$work/pids"
mpirun "${mpirun_args[@]}" "$writer" slow "$work/killed.h5" 8 1500 "$work/pids" \
    > "$work/slow.out" 2> "$work/slow.err" &
mpipid=$!
for _ in $(seq 1 600); do
    grep -q '^flushed 2$' "$work/slow.out" 2>/dev/null && break
    kill -0 "$mpipid" 2>/dev/null || { cat "$work/slow.err" >&2; fail "writer ended early"; }
    sleep 0.1
done
grep -q '^flushed 2$' "$work/slow.out" || fail "writer never flushed 2 steps"
for f in "$work"/pids/rank*.pid; do kill -9 "$(cat "$f")" 2>/dev/null || true; done
wait "$mpipid" 2>/dev/null || true
mpipid=
grep -q '^flushed 3$' "$work/slow.out" && echo "note: 3rd step flushed before the kill landed"
h5dump "$work/killed.h5" > "$work/killed.txt" || fail "h5dump of the killed file failed"
ndone=$(grep -c 'ATTRIBUTE "done"' "$work/killed.txt" || true)
echo "killed file: $ndone finished steps per h5dump"
[ "$ndone" -ge 2 ] || fail "killed file shows $ndone finished steps, expected >= 2"
"$writer" check "$work/killed.h5" 8 4 2 0

echo "== resume the killed file and finish it"
mpirun "${mpirun_args[@]}" "$writer" resume "$work/killed.h5" 8
"$writer" check "$work/killed.h5" 8 4 8 1
echo "PASS"
