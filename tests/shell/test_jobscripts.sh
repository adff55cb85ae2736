#!/usr/bin/env bash
# Job scripts: shell syntax, the dry-run launch line of each batch system,
# and the checks that run before node hours are spent.
source "$(dirname "$0")/common.sh"

export OCCBENCH_BIN="$BUILD/occbench" OCCBENCH_DRY_RUN=1 OCCBENCH_OUTPUT_DIR="$TMP/out"
export OCCBENCH_IO_LOCAL="$TMP/local" OCCBENCH_IO_SHARED="$TMP/shared" OCCBENCH_SITE=testsite
export OCCBENCH_RANKS_PER_NODE=1 SLURM_NTASKS_PER_NODE=1 SLURM_JOB_NUM_NODES=1 SLURM_JOB_ID=42

for s in "$SRC"/jobscripts/*.sh "$SRC"/jobscripts/*.sbatch "$SRC"/jobscripts/lib/*.sh; do
    bash -n "$s" || fail "syntax error in $s"
done

# expect_launch SCRIPT PATTERN...: dry run succeeds and the launch line has every pattern
expect_launch() {
    local script=$1
    shift
    bash "$SRC/jobscripts/$script" >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "$script dry run failed"; }
    local line
    line=$(grep '^DRY RUN:' "$TMP/log" | head -n1)
    [ -n "$line" ] || { cat "$TMP/log"; fail "$script printed no launch line"; }
    for p in "$@"; do
        grep -q -- "$p" <<<"$line" || fail "$script launch line lacks '$p': $line"
    done
    [ "$(grep -c '^DRY RUN:' "$TMP/log")" -eq 2 ] || fail "$script: expected two runs (local and shared I/O)"
    grep '^DRY RUN:' "$TMP/log" | tail -n1 | grep -q -- "--io-dir $TMP/shared" || fail "$script: second run not on the shared I/O dir"
}
expect_launch slurm.sbatch "srun" "--cpu-bind=none" "$BUILD/occbench" "--site testsite" "--io-dir $TMP/local" "testsite-42-local.h5"
expect_launch slurm-multinode.sbatch "srun" "--cpu-bind=none" "--nodes=1"
expect_launch pbs.sh "mpirun" "--bind-to none" "ppr:1:node"
expect_launch flux.sh "flux run" "cpu-affinity=off"
expect_launch mpirun.sh "mpirun" "--bind-to none"
[ ! -e "$TMP/out/testsite-42-local.h5" ] || fail "a dry run created a results file"
# nor any directory (OCCBENCH_DRY_RUN=1 created results/io): it says what it would create
for d in "$TMP/out" "$TMP/local" "$TMP/shared"; do
    [ ! -e "$d" ] || fail "a dry run created $d"
done
grep -q "would create output directory $TMP/out" "$TMP/log" || fail "the dry run does not say what it would create"

# expect_refusal NEEDLE: the script exits non-zero with one line naming the problem
expect_refusal() {
    local needle=$1 rc=0
    bash "$SRC/jobscripts/slurm.sbatch" >"$TMP/log" 2>&1 || rc=$?
    [ "$rc" -ne 0 ] || { cat "$TMP/log"; fail "accepted: expected a refusal naming '$needle'"; }
    grep -q -- "$needle" "$TMP/log" || { cat "$TMP/log"; fail "refusal lacks '$needle'"; }
    [ "$(grep -c '^occbench-job:' "$TMP/log")" -eq 1 ] || { cat "$TMP/log"; fail "more than one line"; }
}
OCCBENCH_BIN="$TMP/nosuch" expect_refusal "binary not found"
OCCBENCH_OUTPUT_DIR=/proc/occbench expect_refusal "output directory /proc/occbench.*(set OCCBENCH_OUTPUT_DIR)"
OCCBENCH_IO_LOCAL=/proc/x expect_refusal "node-local I/O directory /proc/x.*(set OCCBENCH_IO_LOCAL)"
OCCBENCH_RANKS_PER_NODE=100000 expect_refusal "100000 ranks per node.*set OCCBENCH_RANKS_PER_NODE"
OCCBENCH_RESUME="$TMP/nosuch-local.h5" expect_refusal "OCCBENCH_RESUME=$TMP/nosuch-local.h5: no such file"
OCCBENCH_RESUME="$TMP/x.h5" expect_refusal "OCCBENCH_RESUME=$TMP/x.h5 is not the -local.h5 file"
OCCBENCH_JOBSCRIPTS="$TMP" expect_refusal "OCCBENCH_JOBSCRIPTS=$TMP has none.*set OCCBENCH_JOBSCRIPTS"

# A spooled copy (what sbatch runs) finds the library through the submit
# directory, and says which knob to set when nothing leads to it.
mkdir -p "$TMP/spool"
cp "$SRC/jobscripts/slurm.sbatch" "$TMP/spool/slurm_script"
(cd "$TMP" && SLURM_SUBMIT_DIR="$SRC" bash "$TMP/spool/slurm_script") >"$TMP/log" 2>&1 ||
    { cat "$TMP/log"; fail "the spooled copy did not find its library through SLURM_SUBMIT_DIR"; }
rc=0
(cd "$TMP" && SLURM_SUBMIT_DIR="$TMP" bash "$TMP/spool/slurm_script") >"$TMP/log" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q "not found.*set OCCBENCH_JOBSCRIPTS" "$TMP/log" ||
    { cat "$TMP/log"; fail "a lost library: rc $rc"; }

# OCCBENCH_ARGS' --kernels: the local run takes it, the shared run keeps its I/O kernels
OCCBENCH_ARGS="--kernels freq,io --min-reps 3" bash "$SRC/jobscripts/slurm.sbatch" >"$TMP/log" 2>&1 ||
    fail "OCCBENCH_ARGS with --kernels"
grep '^DRY RUN:' "$TMP/log" | head -n1 | grep -q -- "--kernels freq,io --min-reps 3" ||
    fail "local run lacks the user's kernels: $(cat "$TMP/log")"
grep '^DRY RUN:' "$TMP/log" | tail -n1 | grep -q -- "--kernels io --min-reps 3$" ||
    fail "shared run's kernels: $(grep '^DRY RUN:' "$TMP/log" | tail -n1)"
OCCBENCH_ARGS="--kernels=freq" bash "$SRC/jobscripts/slurm.sbatch" >"$TMP/log" 2>&1 || fail "--kernels=freq"
[ "$(grep -c '^DRY RUN:' "$TMP/log")" -eq 1 ] && grep -q "shared: skipped: .*no I/O kernel" "$TMP/log" ||
    fail "no I/O kernel: the shared run should be skipped: $(cat "$TMP/log")"
# OCCBENCH_RESUME: both runs resume the earlier job's files that exist
mkdir -p "$TMP/out"
: >"$TMP/out/old-7-local.h5"
OCCBENCH_RESUME="$TMP/out/old-7-local.h5" bash "$SRC/jobscripts/slurm.sbatch" >"$TMP/log" 2>&1 ||
    fail "OCCBENCH_RESUME dry run: $(cat "$TMP/log")"
grep '^DRY RUN:' "$TMP/log" | head -n1 | grep -q -- "--resume $TMP/out/old-7-local.h5" ||
    fail "local run does not resume: $(cat "$TMP/log")"
grep '^DRY RUN:' "$TMP/log" | tail -n1 | grep -q -- "--output $TMP/out/old-7-shared.h5" ||
    fail "the shared run (never started) should be created under the earlier name: $(cat "$TMP/log")"
SLURM_JOB_NUM_NODES=zero expect_refusal "node count 'zero'.*OCCBENCH_NODES"
# Real launches through mpirun.sh (2 ranks, ci), each cut short by a SIGTERM.
export OCCBENCH_DATA_DIR="$SRC/data" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export HDF5_USE_FILE_LOCKING=FALSE
# start_real LOG: mpirun.sh in a session of its own, into a fresh $TMP/real; returns once a
# step has validated, with the script's pid (= its session) in $job
start_real() {
    rm -rf "$TMP/real" && mkdir -p "$TMP/real"
    OCCBENCH_DRY_RUN=0 OCCBENCH_RANKS_PER_NODE=2 OCCBENCH_PRESET=ci OCCBENCH_WINDOW=1 \
        OCCBENCH_OUTPUT_DIR="$TMP/real" OCCBENCH_ARGS="--kernels freq,triad --occupancy 1,2 --min-reps 2" \
        setsid bash "$SRC/jobscripts/mpirun.sh" >"$1" 2>&1 &
    job=$!
    for _ in $(seq 1 600); do
        grep -q "Solution Validates" "$1" && break
        sleep 0.1
    done
}

# SIGTERM to mpirun itself (a time limit): the ranks exit 3 but mpirun exits 1; the script
# returns 3.
start_real "$TMP/real.log"
pkill -TERM -s "$job" -x mpirun || fail "no mpirun to signal: $(cat "$TMP/real.log")"
rc=0
wait "$job" || rc=$?
[ "$rc" -eq 3 ] || { cat "$TMP/real.log"; fail "mpirun.sh after SIGTERM to mpirun: exit $rc, expected 3"; }
grep -q "the launcher exited 1 but the ranks were interrupted: status 3" "$TMP/real.log" ||
    { cat "$TMP/real.log"; fail "no word of the launcher's status 1"; }
ls "$TMP/real"/testsite-*-local.log >/dev/null 2>&1 || fail "no per-launch log next to the results"

# SIGTERM to the script itself (what `scancel --batch --signal=TERM` does under Slurm, where
# mpirun's ranks are in no job step): the script passes it on to mpirun, the run ends with 3.
start_real "$TMP/real2.log"
kill -TERM "$job"
rc=0
wait "$job" || rc=$?
[ "$rc" -eq 3 ] || { cat "$TMP/real2.log"; fail "mpirun.sh after SIGTERM to the script: exit $rc, expected 3"; }
grep -q "interrupted by SIGTERM" "$TMP/real2.log" || fail "the ranks were not interrupted"
sleep 0.5
! pgrep -r R,S,D -s "$job" >/dev/null || fail "processes of the job outlived it: $(pgrep -a -r R,S,D -s "$job")"
echo "job scripts: OK"
