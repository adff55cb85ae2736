#!/usr/bin/env bash
# A step that fails is recorded as invalid with its reason, reported at the
# end, the run goes on to the next kernel, and occbench exits 1:
#  - a validation failure (injected on rank 1 through the driver's test hook)
#  - a full I/O directory (a 4 MiB tmpfs; skipped where mount is not permitted)
source "$(dirname "$0")/common.sh"

out="$TMP/invalid.h5"
rc=0
OCCBENCH_INJECT_VERIFY_FAILURE=triad:1 ob_mpirun 2 --preset ci --kernels triad,freq \
    --placement compact --occupancy 1,2 --window 0.3 --min-reps 2 --output "$out" \
    >"$TMP/log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/log"; fail "exit status $rc after a failed validation, expected 1"; }
grep -q "FAILED validation or could not run; first: triad compact k=2: rank 1: validation: injected" \
    "$TMP/log" || { cat "$TMP/log"; fail "the failure is not reported at the end"; }
grep -q '^\[4/4\] freq' "$TMP/log" || fail "the run did not go on to the next kernel"
"$CHECK" "$out" --allow-invalid || fail "file of a run with a failed step"
h5dump -a /steps/triad/compact/k0002/valid "$out" | grep -q '(0): 0' || fail "k=2 not marked invalid"
h5dump -a /steps/triad/compact/k0001/valid "$out" | grep -q '(0): 1' || fail "k=1 (rank 0 only) marked invalid"
h5dump -a /steps/triad/compact/k0002/reason "$out" | grep -q 'injected failure' || fail "reason not recorded"

mnt="$TMP/full"
mkdir -p "$mnt"
if mount -t tmpfs -o size=4m tmpfs "$mnt" 2>/dev/null; then
    out="$TMP/enospc.h5"
    rc=0
    ob_mpirun 2 --preset ci --kernels io,isr,freq --placement compact --occupancy 1,2 --window 0.3 \
        --min-reps 2 --io-dir "$mnt" --output "$out" >"$TMP/log2" 2>&1 || rc=$?
    left=$(find "$mnt" -mindepth 1 | wc -l)
    umount "$mnt"
    [ "$rc" -eq 1 ] || { cat "$TMP/log2"; fail "exit status $rc with a full I/O directory, expected 1"; }
    [ "$left" -eq 0 ] || fail "$left stray files left in the full I/O directory"
    grep -q "No space left on device" "$TMP/log2" || { cat "$TMP/log2"; fail "ENOSPC not named"; }
    grep -q "^\[6/6\] freq.*Solution Validates" "$TMP/log2" || fail "the run did not go on after ENOSPC"
    "$CHECK" "$out" --allow-invalid || fail "file of a run with a full I/O directory"
else
    echo "SKIP: mount -t tmpfs not permitted here; the ENOSPC path is covered by unit.test_io"
fi
echo "step failures: OK"
