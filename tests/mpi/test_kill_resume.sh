#!/usr/bin/env bash
# A run killed with SIGKILL mid-ladder leaves a readable file holding every
# finished step (complete=0); --resume skips those steps and completes it.
# SIGTERM finishes the current step's write and exits with status 3.
source "$(dirname "$0")/common.sh"

args=(--preset ci --kernels triad,freq --occupancy 1,2 --window 0.5 --min-reps 2)
out="$TMP/killed.h5"
ob_mpirun 2 "${args[@]}" --output "$out" >"$TMP/log" 2>&1 &
launcher=$!
for _ in $(seq 1 600); do
    [ "$(grep -c '^\[[0-9]*/' "$TMP/log" 2>/dev/null)" -ge 3 ] && break
    sleep 0.1
done
pkill -KILL -f "$OCCBENCH" ; kill -KILL "$launcher" 2>/dev/null
wait "$launcher" 2>/dev/null
"$CHECK" "$out" --complete 0 --min-steps 3 || fail "killed run's file"
ob_mpirun 2 "${args[@]}" --resume "$out" >"$TMP/log2" 2>&1 || { cat "$TMP/log2"; fail "resume exited $?"; }
grep -q "already in" "$TMP/log2" || fail "resume did not skip finished steps"
"$CHECK" "$out" --complete 1 || fail "resumed file"

# SIGTERM (what a batch system sends at the time limit)
out="$TMP/termed.h5"
ob_mpirun 2 "${args[@]}" --window 1 --output "$out" >"$TMP/log3" 2>&1 &
launcher=$!
for _ in $(seq 1 600); do
    [ "$(grep -c '^\[[0-9]*/' "$TMP/log3" 2>/dev/null)" -ge 1 ] && break
    sleep 0.1
done
# Slurm's srun signals every task; mpirun itself would forward the signal
# but then exits 1 by its own convention, so the ranks are signalled here.
pkill -TERM -x occbench
wait "$launcher"
rc=$?
[ "$rc" -eq 3 ] || { cat "$TMP/log3"; fail "SIGTERM exit status $rc, expected 3"; }
grep -q "interrupted by SIGTERM" "$TMP/log3" || fail "no interruption message"
"$CHECK" "$out" --complete 0 --min-steps 1 || fail "SIGTERM file"
ob_mpirun 2 "${args[@]}" --window 1 --resume "$out" >"$TMP/log4" 2>&1 || fail "resume after SIGTERM"
"$CHECK" "$out" --complete 1 || fail "file resumed after SIGTERM"
echo "kill and resume: OK"
