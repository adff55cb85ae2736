#!/usr/bin/env bash
# The results disk fills: at every level from "full at creation" to "fills
# on the last step" (the free space stepped so that the creation and each
# step's write in turn is the one that finds the disk full), occbench must end with exit 1 and one line naming the file and the
# free space, never hang (a timeout is a failure), leave a file that h5ls,
# h5py and occbench-analyze read with every step it said was finished, and
# `--resume` must complete the run once the disk has room again.
# Needs root for mount -t tmpfs (CI runs as root).
source "$(dirname "$0")/common.sh"
unset HDF5_USE_FILE_LOCKING

mnt="$TMP/disk"
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
    [ "$(id -u)" = 0 ] && fail "mount -t tmpfs failed although running as root"
    echo "SKIP: mount -t tmpfs needs root"
    exit 0
fi
trap 'umount "$mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
have_h5py=0
"$py" -c 'import h5py' 2>/dev/null && have_h5py=1

args=(--preset ci --kernels freq,triad --placement both --occupancy 1,2 --window 0.1 --min-reps 2
    --output "$mnt/r.h5")

# The size of a complete file, to know where "fills on the last step" is.
umount "$mnt"
mount -t tmpfs -o size=8m tmpfs "$mnt"
ob_mpirun 2 "${args[@]}" >"$TMP/full.log" 2>&1 || { cat "$TMP/full.log"; fail "run with room"; }
# steps measured (the others are links: the same cores in both placements here)
nsteps=$(grep -c "Solution Validates" "$TMP/full.log")
[ "$nsteps" -ge 4 ] || fail "only $nsteps measured steps with room"
complete_kib=$(($(du -k "$mnt/r.h5" | cut -f1) + 1))
rm -f "$mnt/r.h5"
umount "$mnt"
echo "a complete file takes $complete_kib KiB on tmpfs"

levels=0 created=0 steps_seen="" stages=""
for size_kib in $(seq 16 12 $((complete_kib + 180))); do
    mount -t tmpfs -o size=${size_kib}k tmpfs "$mnt"
    rc=0
    timeout 120 mpirun --oversubscribe --bind-to none -n 2 "$OCCBENCH" "${args[@]}" \
        >"$TMP/run.log" 2>&1 || rc=$?
    [ "$rc" -ne 124 ] || { cat "$TMP/run.log"; fail "${size_kib} KiB: the run hung (timeout)"; }
    validated=$(grep -c "Solution Validates" "$TMP/run.log" || true)
    if [ "$rc" -eq 0 ]; then
        [ "$validated" -eq "$nsteps" ] || fail "${size_kib} KiB: rc 0 with $validated steps"
        umount "$mnt"
        echo "${size_kib} KiB: the run fit"
        break
    fi
    [ "$rc" -eq 1 ] || { cat "$TMP/run.log"; fail "${size_kib} KiB: exit $rc, expected 1"; }
    lines=$(grep -c "results disk full" "$TMP/run.log" || true)
    [ "$lines" -eq 1 ] || { cat "$TMP/run.log"; fail "${size_kib} KiB: $lines disk-full lines"; }
    grep "results disk full" "$TMP/run.log" | grep -q "$mnt/r.h5" ||
        fail "${size_kib} KiB: the message does not name the file"
    grep "results disk full" "$TMP/run.log" | grep -Eq "[0-9.]+ (B|KiB|MiB) free" ||
        fail "${size_kib} KiB: the message does not give the free space"
    levels=$((levels + 1))
    stage=$(sed -n 's/.*results disk full: \(.*\) needs .*/\1/p' "$TMP/run.log")
    stages="$stages|$stage"
    if [ ! -e "$mnt/r.h5" ]; then
        # full at creation: nothing is left behind, nothing was validated
        [ "$validated" -eq 0 ] || fail "${size_kib} KiB: steps validated without a file"
        umount "$mnt"
        echo "${size_kib} KiB: full at creation ($stage), no file"
        continue
    fi
    created=1
    h5ls -r "$mnt/r.h5" >"$TMP/h5ls.txt" || fail "${size_kib} KiB: h5ls cannot read the file"
    "$CHECK" "$mnt/r.h5" --complete 0 --min-steps "$validated" ||
        fail "${size_kib} KiB: the $validated validated steps are not all in the file"
    if [ "$have_h5py" = 1 ]; then
        "$py" - "$mnt/r.h5" "$validated" <<'EOF' || fail "${size_kib} KiB: h5py"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    done = [g for k in f["steps"] for p in f["steps"][k] for g in f["steps"][k][p].values()
            if g.attrs.get("done", 0) == 1]
    assert len(done) >= int(sys.argv[2]), (len(done), sys.argv[2])
    for g in done:
        assert g["reps"].shape[0] > 0
EOF
    fi
    if [ "$validated" -gt 0 ]; then
        "$BUILD/occbench-analyze" summary "$mnt/r.h5" >"$TMP/summary.txt" 2>&1 ||
            { cat "$TMP/summary.txt"; fail "${size_kib} KiB: the analyzer refuses the file"; }
    fi
    steps_seen="$steps_seen $validated"
    # room again: the resume completes the run
    mount -o remount,size=8m "$mnt"
    rc=0
    timeout 120 mpirun --oversubscribe --bind-to none -n 2 "$OCCBENCH" "${args[@]}" \
        --resume "$mnt/r.h5" >"$TMP/resume.log" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { cat "$TMP/resume.log"; fail "${size_kib} KiB: resume exit $rc"; }
    "$CHECK" "$mnt/r.h5" || fail "${size_kib} KiB: the resumed file is not complete"
    echo "${size_kib} KiB: exit 1 at $stage after $validated validated steps; resumed to completion"
    umount "$mnt"
done
[ "$created" = 1 ] || fail "no level got past the creation"
# each stage of the write path was the one to find the disk full (the
# provenance of this small topology fits in what the creation reserved)
for stage in "creating it" "step "; do
    echo "$stages" | grep -Eq "$stage" || fail "no level failed at '$stage' ($stages)"
done
# every number of finished steps from 0 to the last one was hit
for n in $(seq 0 $((nsteps - 1))); do
    echo " $steps_seen " | grep -q " $n " || fail "no level ended after exactly $n steps ($steps_seen)"
done
echo "disk full: OK ($levels levels)"
