#!/usr/bin/env bash
# occbench [options] -- COMMAND, what does not depend on timing (the timed
# parts are tests/mpi/test_job.sh, run alone):
#  - phase marks (examples/occbench-phase.sh, examples/occbench_phase.py) in
#    summary --phases, io and compute; malformed marks reported once; --job-timeout
#  - `false`: the step fails naming the exit status; occbench exits 1
#  - a missing program: exit 2, nothing created; bad job options: exit 2
#  - a job beside a kernel in one launch, in summary and in the report
source "$(dirname "$0")/common.sh"
SPIN="$BUILD/tests/ob_spin"
ANALYZE="$BUILD/occbench-analyze"

# 3. phases marked by a shell job
out="$TMP/phases.h5"
ob_mpirun 2 --occupancy 1,2 --placement compact --window 0.5 --output "$out" --job-name phased -- \
    sh -c ". $SRC/examples/occbench-phase.sh; occbench_phase begin write io;
           dd if=/dev/zero of={io_dir}/occb-job-{rank} bs=1M count=4 2>/dev/null;
           occbench_phase end write; occbench_phase begin work;
           i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done; occbench_phase end work;
           rm -f {io_dir}/occb-job-{rank}" >"$TMP/log4" 2>&1 || { cat "$TMP/log4"; fail "phase job"; }
"$ANALYZE" summary "$out" --phases >"$TMP/phases.txt" || fail "summary --phases of a job"
grep -Eq '^ +1 write ' "$TMP/phases.txt" || { cat "$TMP/phases.txt"; fail "phase write missing"; }
grep -Eq '^ +1 work ' "$TMP/phases.txt" || fail "phase work missing"
grep -Eq '^ +1 \[io\] ' "$TMP/phases.txt" || fail "the io class of the write phase is missing"
h5dump -a /steps/phased/compact/k0001/phase_classes "$out" | grep -q '"io,compute"' ||
    fail "phase classes not io,compute"

# 3b. a Python job marking its phases with examples/occbench_phase.py (numpy)
if "$py" -c 'import numpy' 2>/dev/null; then
    out="$TMP/numpy.h5"
    OPENBLAS_NUM_THREADS=1 ob_mpirun 2 --occupancy 1 --placement compact --window 0.5 \
        --output "$out" --job-name numpy -- "$py" "$SRC/examples/jobs/numpy_solve.py" 200 \
        >"$TMP/log4b" 2>&1 || { cat "$TMP/log4b"; fail "the numpy job"; }
    h5dump -a /steps/numpy/compact/k0001/phases "$out" | grep -q '"build".*"solve".*"check"' ||
        fail "the Python job's phases are not build, solve, check"
else
    echo "SKIP: python3 without numpy: the Python phase helper is not run"
fi

# 3c. malformed marks: reported once per step and rank, ignored; the step is valid
out="$TMP/badmarks.h5"
ob_mpirun 2 --occupancy 1 --placement compact --window 0.3 --min-reps 3 --output "$out" \
    --job-name marks -- sh -c 'echo "bogus line" >&3; echo "end never-begun" >&3;
                               echo "begin ok" >&3; echo "end ok" >&3' >"$TMP/log4c" 2>&1 ||
    { cat "$TMP/log4c"; fail "a job with malformed marks failed"; }
[ "$(grep -c 'phase mark .* ignored' "$TMP/log4c")" -eq 1 ] ||
    { cat "$TMP/log4c"; fail "malformed marks not reported exactly once"; }
h5dump -a /steps/marks/compact/k0001/phases "$out" | grep -q '"ok"' || fail "the good mark was lost"

# 3d. --job-timeout kills a run that hangs and fails the step
out="$TMP/timeout.h5"
rc=0
ob_mpirun 1 --occupancy 1 --placement compact --window 0.3 --output "$out" --job-timeout 0.5 \
    -- sleep 30 >"$TMP/log4d" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/log4d"; fail "exit $rc after --job-timeout, expected 1"; }
grep -q 'killed after --job-timeout 0.5 s' "$TMP/log4d" || { cat "$TMP/log4d"; fail "timeout not named"; }

# 4. a failing job
out="$TMP/false.h5"
rc=0
ob_mpirun 2 --occupancy 1 --placement compact --window 0.3 --output "$out" -- false \
    >"$TMP/log5" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/log5"; fail "exit status $rc for a failing job, expected 1"; }
grep -q "false exited with status 1" "$TMP/log5" || { cat "$TMP/log5"; fail "status not named"; }
h5dump -a /steps/false/compact/k0001/valid "$out" | grep -q '(0): 0' || fail "step not invalid"

# 5. bad input: exit 2, nothing created (the cases at once, each its own file name)
bad_cases=("-- $TMP/no-such-program" "-- nosuchprogram-occbench" "--" \
    "--job-name triad -- true" "--job-name a/b -- true" "--job-seconds 3" "--calibrate -- true" \
    "--job-cores 3 -- true" "--job-cores 2")
for i in "${!bad_cases[@]}"; do
    (
        rc=0
        # shellcheck disable=SC2086
        ob_mpirun 1 --occupancy 1 --output "$TMP/bad$i.h5" ${bad_cases[$i]} >"$TMP/bad$i.log" 2>&1 ||
            rc=$?
        echo "$rc" >"$TMP/bad$i.rc"
    ) &
done
wait
for i in "${!bad_cases[@]}"; do
    args=${bad_cases[$i]}
    rc=$(cat "$TMP/bad$i.rc")
    [ "$rc" -eq 2 ] || { cat "$TMP/bad$i.log"; fail "'$args': exit $rc, expected 2"; }
    [ "$(grep -c '^occbench: ' "$TMP/bad$i.log")" -ge 1 ] || fail "'$args': no one-line reason"
    [ ! -e "$TMP/bad$i.h5" ] || fail "'$args' created the results file"
done

# 6. a job beside the isr kernel, in one launch and one report
out="$TMP/both.h5"
ob_mpirun 2 --preset ci --kernels isr --occupancy 1,2 --placement compact --window 0.3 \
    --output "$out" --job-name spin -- "$SPIN" 0.05 >"$TMP/log7" 2>&1 ||
    { cat "$TMP/log7"; fail "job beside isr"; }
"$ANALYZE" summary "$out" >"$TMP/both.txt" || fail "summary of job and kernel"
grep -q 'kernel isr' "$TMP/both.txt" && grep -q 'kernel spin' "$TMP/both.txt" ||
    fail "summary lacks the kernel or the job"
"$ANALYZE" plot "$out" -o "$TMP/report" >/dev/null || fail "plot of job and kernel"
grep -q 'spin (compact)' "$TMP/report/index.html" && grep -q 'isr (compact)' "$TMP/report/index.html" ||
    fail "the report lacks the kernel or the job"
echo "jobs (behaviour): OK"
