#!/usr/bin/env bash
# A run killed with SIGKILL mid-ladder leaves a readable file holding every
# finished step (complete=0); --resume skips those steps and completes it.
# SIGTERM finishes the current step's write and exits with status 3.
source "$(dirname "$0")/common.sh"

args=(--preset ci --kernels triad,freq --occupancy 1,2 --window 0.5 --min-reps 2)
# Each launch gets a session of its own (setsid), so the signals below reach
# this test's processes only, never another occbench on the machine.
launch_own_session() {
    # setsid execs in place (a background job is no process-group leader),
    # so $! is mpirun's pid and its session id.
    setsid mpirun --oversubscribe --bind-to none -n 2 "$OCCBENCH" "$@" &
    launcher=$!
}
out="$TMP/killed.h5"
launch_own_session "${args[@]}" --output "$out" >"$TMP/log" 2>&1
for _ in $(seq 1 600); do
    [ "$(grep -c '^\[[0-9]*/' "$TMP/log" 2>/dev/null)" -ge 3 ] && break
    sleep 0.1
done
# The whole session: mpirun and every rank (Open MPI puts each rank in a
# process group of its own, so a process-group kill would leave them running).
pkill -KILL -s "$launcher"
wait "$launcher" 2>/dev/null
while pgrep -s "$launcher" >/dev/null; do sleep 0.1; done
"$CHECK" "$out" --complete 0 --min-steps 3 || fail "killed run's file"
ob_mpirun 2 "${args[@]}" --resume "$out" >"$TMP/log2" 2>&1 || { cat "$TMP/log2"; fail "resume exited $?"; }
grep -q "already in" "$TMP/log2" || fail "resume did not skip finished steps"
"$CHECK" "$out" --complete 1 || fail "resumed file"

# SIGTERM (what a batch system sends at the time limit)
out="$TMP/termed.h5"
launch_own_session "${args[@]}" --window 1 --output "$out" >"$TMP/log3" 2>&1
for _ in $(seq 1 600); do
    [ "$(grep -c '^\[[0-9]*/' "$TMP/log3" 2>/dev/null)" -ge 1 ] && break
    sleep 0.1
done
# Slurm's srun signals every task; mpirun itself would forward the signal
# but then exits 1 by its own convention, so the ranks are signalled here.
pkill -TERM -s "$launcher" -x occbench
wait "$launcher"
rc=$?
[ "$rc" -eq 3 ] || { cat "$TMP/log3"; fail "SIGTERM exit status $rc, expected 3"; }
grep -q "interrupted by SIGTERM" "$TMP/log3" || fail "no interruption message"
"$CHECK" "$out" --complete 0 --min-steps 1 || fail "SIGTERM file"
ob_mpirun 2 "${args[@]}" --window 1 --resume "$out" >"$TMP/log4" 2>&1 || fail "resume after SIGTERM"
"$CHECK" "$out" --complete 1 || fail "file resumed after SIGTERM"
# SIGKILL during an io step leaves the ranks' data files in the I/O
# directory; the resumed run removes them (and says so) before it starts.
iodir="$TMP/io"
mkdir -p "$iodir"
out="$TMP/io-killed.h5"
io_args=(--preset ci --kernels io --occupancy 1,2 --window 2 --min-reps 2 --io-dir "$iodir")
launch_own_session "${io_args[@]}" --output "$out" >"$TMP/log5" 2>&1
# A data file lives only within a repetition: freeze the whole session when
# one is seen, and kill it only if the file is still there (else go on).
frozen=0
for _ in $(seq 1 1200); do
    if compgen -G "$iodir/occbench-io.*" >/dev/null; then
        pkill -STOP -s "$launcher"
        compgen -G "$iodir/occbench-io.*" >/dev/null && { frozen=1; break; }
        pkill -CONT -s "$launcher"
    fi
    sleep 0.02
done
[ "$frozen" = 1 ] || fail "never caught the io kernel with its data file"
pkill -KILL -s "$launcher"
wait "$launcher" 2>/dev/null
while pgrep -s "$launcher" >/dev/null; do sleep 0.1; done
left=$(compgen -G "$iodir/occbench-io.*" | wc -l)
[ "$left" -ge 1 ] || fail "no io data file left by the killed run (nothing to clean up)"
ob_mpirun 2 "${io_args[@]}" --resume "$out" >"$TMP/log6" 2>&1 || { cat "$TMP/log6"; fail "io resume"; }
grep -q "removed [0-9]* data files\? a killed run left in $iodir" "$TMP/log6" ||
    { cat "$TMP/log6"; fail "resume did not say it removed the killed run's data files"; }
! compgen -G "$iodir/occbench-*" >/dev/null || fail "data files left: $(ls "$iodir")"
"$CHECK" "$out" --complete 1 || fail "resumed io file"
echo "kill and resume: OK"
