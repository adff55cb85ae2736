#!/usr/bin/env bash
# occbench [options] -- COMMAND: a job on the ladder, measured as a process tree.
#  - a job of known CPU time (tests/tools/ob_spin) and a forking one: their
#    CPU time within 1% of the truth (one spin; the sum of two children)
#  - a CPU hog pinned to the second core: the job's slowdown at k=2 is the
#    scheduler term
#  - a job two cores wide (--job-cores 2): both cores, k counts jobs
# The parts that measure time; they run alone (RUN_SERIAL, tests/CMakeLists.txt).
# What a job does besides (phases, failures, bad input, beside a kernel) is
# tests/mpi/test_job_behaviour.sh, which another test's load cannot change.
source "$(dirname "$0")/common.sh"
SPIN="$BUILD/tests/ob_spin"
ANALYZE="$BUILD/occbench-analyze"

# median of a rep column of one step, counted repetitions of one rank
col() { # FILE STEP COLUMN RANK
    "$py" - "$@" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
r = f["steps/" + sys.argv[2] + "/reps"][:]
r = r[(r["rep"] >= 1) & (r["rank"] == int(sys.argv[4]))]
print("%.6f" % np.median(r[sys.argv[3]]))
PY
}
within() { # VALUE TRUTH FRACTION: |VALUE - TRUTH| <= FRACTION * TRUTH
    awk -v v="$1" -v t="$2" -v f="$3" 'BEGIN { d = v - t; if (d < 0) d = -d; exit !(d <= f * t) }'
}

# 1. exact CPU time: one spin of 0.3 s, then sh starting two of them
out="$TMP/spin.h5"
ob_mpirun 2 --occupancy 1,2 --placement compact --window 1 --min-reps 3 --output "$out" \
    --job-name spin -- "$SPIN" 0.3 >"$TMP/log1" 2>&1 || { cat "$TMP/log1"; fail "a spin job failed"; }
"$CHECK" "$out" || fail "file of a job run"
cpu=$(col "$out" spin/compact/k0001 cpu_time 0)
within "$cpu" 0.3 0.01 || fail "one spin of 0.3 s measured $cpu s of CPU"
out="$TMP/fork.h5"
ob_mpirun 2 --occupancy 1,2 --placement compact --window 1 --min-reps 3 --output "$out" \
    --job-name fork -- sh -c "$SPIN 0.2 & $SPIN 0.2; wait" >"$TMP/log2" 2>&1 ||
    { cat "$TMP/log2"; fail "a forking job failed"; }
cpu=$(col "$out" fork/compact/k0001 cpu_time 0)
within "$cpu" 0.4 0.01 || fail "two spins of 0.2 s under sh measured $cpu s of CPU, not their sum"
harness=$(col "$out" fork/compact/k0001 harness_s 0)
echo "CPU time: two spins under sh $cpu s of 0.4 s; harness $harness s per run"

# 1b. a job two cores wide (--job-cores 2): one job per node of this 2-core
# machine, its two children in parallel; k counts jobs
out="$TMP/wide.h5"
ob_mpirun 2 --window 1 --min-reps 3 --output "$out" --job-name wide --job-cores 2 -- \
    sh -c "$SPIN 0.2 & $SPIN 0.2; wait" >"$TMP/log2b" 2>&1 || { cat "$TMP/log2b"; fail "a wide job"; }
cpu=$(col "$out" wide/compact/k0001 cpu_time 0)
wall=$(col "$out" wide/compact/k0001 wall 0)
within "$cpu" 0.4 0.01 || fail "a wide job's two spins measured $cpu s of CPU"
awk -v w="$wall" 'BEGIN { exit !(w < 0.3) }' || fail "a job on two cores took $wall s for two 0.2 s spins"
h5dump -a /steps/wide/compact/k0001/job_cores "$out" | grep -q '(0): 2' || fail "job_cores not 2"
[ -z "$(h5ls "$out/steps/wide/compact" | grep k0002)" ] || fail "a second job on a 2-core node"

# 2. a CPU hog on the second core: the scheduler term of k=2
taskset -c 1 sh -c 'while :; do :; done' &
hog=$!
out="$TMP/hog.h5"
ob_mpirun 2 --occupancy 1,2 --placement compact --window 1 --min-reps 3 --output "$out" \
    --job-name spin -- "$SPIN" 0.1 >"$TMP/log3" 2>&1
rc=$?
kill "$hog"
[ "$rc" -eq 0 ] || { cat "$TMP/log3"; fail "the job beside a hog failed"; }
core=$("$py" -c "import h5py; print(h5py.File('$out','r')['steps/spin/compact/k0002/reps'][:]['core'].max())")
if [ "$core" = 1 ]; then
    rd=$(col "$out" spin/compact/k0002 run_delay 1)
    awk -v r="$rd" 'BEGIN { exit !(r > 0.05) }' || fail "the hog's core: run delay $rd s of a 0.1 s job"
    "$ANALYZE" summary "$out" --format csv >"$TMP/hog.csv" || fail "summary of the hog run"
    "$py" - "$TMP/hog.csv" <<'PY' || fail "the slowdown at k=2 is not the scheduler's"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["k"] == "2" and r["phase"] in ("", "(all)")]
r = rows[0]
terms = {t: float(r[t + "_s"]) for t in ("clock", "cycles", "blocked", "scheduler")}
assert max(terms, key=terms.get) == "scheduler", terms
PY
else
    echo "SKIP: k=2 of compact is not on PU 1 here (core $core): the hog test needs it"
fi

echo "jobs (timed): OK"
