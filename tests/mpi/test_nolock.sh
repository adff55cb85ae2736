#!/usr/bin/env bash
# A file system without POSIX locks (Lustre or NFS without flock; here an
# LD_PRELOAD shim, tests/tools/nolock.c, makes flock and fcntl locks fail with
# ENOLCK, then ENOSYS): occbench writes its file without HDF5's locking,
# warning once and naming HDF5_USE_FILE_LOCKING; the file is valid, the
# analyzer reads it under the same shim, and --resume works.
source "$(dirname "$0")/common.sh"
SHIM="$BUILD/tests/libob_nolock.so"
[ -f "$SHIM" ] || fail "the shim $SHIM is not built"
unset HDF5_USE_FILE_LOCKING # what such a site has before it learns of it

out="$TMP/nolock.h5"
rc=0
mpirun --oversubscribe --bind-to none -x LD_PRELOAD="$SHIM" -n 2 "$OCCBENCH" --preset ci \
    --kernels triad --occupancy 1,2 --placement compact --window 0.3 --output "$out" \
    >"$TMP/log1" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$TMP/log1"; fail "exit $rc without file locks, expected 0"; }
[ "$(grep -c 'refuses file locks (flock: No locks available).*HDF5_USE_FILE_LOCKING=FALSE' "$TMP/log1")" -eq 1 ] ||
    { cat "$TMP/log1"; fail "no single warning naming the lock failure and HDF5_USE_FILE_LOCKING"; }
HDF5_USE_FILE_LOCKING=FALSE "$CHECK" "$out" || fail "the file written without locks"
LD_PRELOAD="$SHIM" "$BUILD/occbench-analyze" summary "$out" >"$TMP/summary" 2>&1 ||
    { cat "$TMP/summary"; fail "occbench-analyze cannot read it without locks"; }
grep -q 'kernel triad' "$TMP/summary" || fail "summary without locks"

# --resume with locks failing as ENOSYS: a completed file is continued, nothing redone
rc=0
mpirun --oversubscribe --bind-to none -x LD_PRELOAD="$SHIM" -x OB_NOLOCK_ERRNO=ENOSYS -n 2 \
    "$OCCBENCH" --preset ci --kernels triad --occupancy 1,2 --placement compact --window 0.3 \
    --resume "$out" >"$TMP/log2" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$TMP/log2"; fail "--resume without locks: exit $rc"; }
grep -q 'flock: Function not implemented' "$TMP/log2" || fail "ENOSYS not named"
[ "$(grep -c 'already in' "$TMP/log2")" -eq 2 ] || { cat "$TMP/log2"; fail "resume redid steps"; }
echo "no file locks: OK"
