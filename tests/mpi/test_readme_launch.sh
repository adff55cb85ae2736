#!/usr/bin/env bash
# The README's launch commands run as written, scaled to this machine: every
# `mpirun ...` line of README.md (tests/tools/readme_launches.py gives them,
# with its rules: 2 ranks for 128, /scratch/$USER a directory here, a `ci`
# preset and short windows where the line sets none), each in a directory
# of its own with the programs on PATH, must exit 0 and leave a results file
# that `occbench-analyze summary` reads; the worked job example's summary
# command (`summary results/HOST-DATE.h5 --phases`) prints its phases; and
# `make run` with the README's knobs (PRESET, WINDOW) runs, prints the
# summary and the next commands. The `mpirun` lines of occbench(1)'s
# EXAMPLES run the same way, one after the other in one directory (its
# --resume line continues the file of the line before it). The `srun` line runs in
# tests/shell/test_slurm.sh, under the Slurm that test starts; the pipetask
# line needs the LSST science pipelines and is named as skipped.
source "$(dirname "$0")/common.sh"
export PATH="$BUILD:$PATH"

# launches SCRATCH DOCUMENT-ARGS...: the document's mpirun lines, made runnable
# here by readme_launches.py's rules (/scratch/$USER becomes SCRATCH)
launches() {
    local scratch=$1
    shift
    mkdir -p "$scratch"
    "$py" "$SRC/tests/tools/readme_launches.py" "$@" --launcher mpirun --ranks 2 \
        --map "/scratch/\$USER=$scratch" --default "--preset ci" --default "--window 0.1" \
        --default "--occupancy 1,2" --default "--min-reps 2" --default "--kernels triad,freq"
}
# job_dir DIR: a directory with what the lines run: the examples and ./my-isr.sh,
# the user's own job in the README, for which a short real command stands in
job_dir() {
    mkdir -p "$1"
    cp -r "$SRC/examples" "$1/examples"
    printf '#!/bin/sh\nexec gzip -c examples/jobs/xz-roundtrip.sh >/dev/null\n' >"$1/my-isr.sh"
    chmod +x "$1/my-isr.sh"
}
# run_launch DIR LOG CMD: CMD run in DIR must exit 0; says how long it took
run_launch() {
    local rc=0 t0
    t0=$(date +%s.%N)
    (cd "$1" && bash -c "$3") </dev/null >"$2" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { cat "$2"; fail "exit $rc: $3"; }
    awk -v a="$t0" -v b="$(date +%s.%N)" -v c="$3" 'BEGIN { printf "ok (%.1f s): %s\n", b - a, c }'
}
readme_lines=$(launches "$TMP/scratch" "$SRC/README.md" 2>"$TMP/skipped") || fail "readme_launches.py"
cat "$TMP/skipped"
[ "$(grep -c '^skip: ' "$TMP/skipped")" -eq 1 ] && grep -q pipetask "$TMP/skipped" ||
    fail "only the pipetask line may be skipped: $(cat "$TMP/skipped")"
n=0
xz_file=
while IFS= read -r cmd; do
    n=$((n + 1))
    dir="$TMP/launch$n"
    job_dir "$dir"
    run_launch "$dir" "$dir/log" "$cmd"
    out=$(sed -n 's/.*--output \([^ ]*\).*/\1/p' <<<"$cmd")
    [ -n "$out" ] || out=$(ls "$dir"/results/*.h5 2>/dev/null | head -n1)
    [ -f "$out" ] || { cat "$dir/log"; fail "no results file from: $cmd"; }
    occbench-analyze summary "$out" >"$dir/summary" 2>&1 ||
        { cat "$dir/summary"; fail "summary of the file of: $cmd"; }
    case "$cmd" in *xz-roundtrip*) xz_file=$out ;; esac
done <<<"$readme_lines"
[ "$n" -ge 5 ] || fail "only $n README launch lines: the README moved them?"

# occbench(1)'s EXAMPLES, in order, in one directory
man_lines=$(launches "$TMP/man-scratch" --man "$SRC/docs/man/occbench.1") || fail "readme_launches.py --man"
job_dir "$TMP/man"
m=0
while IFS= read -r cmd; do
    m=$((m + 1))
    run_launch "$TMP/man" "$TMP/man/log$m" "$cmd"
done <<<"$man_lines"
[ "$m" -ge 3 ] || fail "only $m mpirun lines in occbench(1) EXAMPLES"
grep -q "already in .*mysite.h5, skipped" "$TMP/man/log2" ||
    { cat "$TMP/man/log2"; fail "the man page's --resume line did not continue the file"; }

# the worked example's next command, as the README writes it, on its file
[ -n "$xz_file" ] || fail "the README's xz-roundtrip example was not among its launch lines"
summary_cmd=$(grep -m1 '^    occbench-analyze summary results/HOST-DATE.h5' "$SRC/README.md" |
    sed 's/^    //; s|results/HOST-DATE.h5|'"$xz_file"'|')
[ -n "$summary_cmd" ] || fail "the README's summary line after the xz example moved"
bash -c "$summary_cmd" >"$TMP/xz.summary" 2>&1 || { cat "$TMP/xz.summary"; fail "$summary_cmd"; }
for phase in write compress; do
    grep -Eq "^ +2 $phase +[0-9]" "$TMP/xz.summary" || { cat "$TMP/xz.summary"; fail "no k=2 row of phase $phase"; }
done
echo "ok: $summary_cmd (phases write, compress)"

# make run, with the knobs the README names (the build is up to date: nothing rebuilds)
make -C "$SRC" --no-print-directory run BUILD="$BUILD" PRESET=ci WINDOW=0.1 \
    RESULTS="$TMP/makerun.h5" >"$TMP/makerun.log" 2>&1 || { cat "$TMP/makerun.log"; fail "make run"; }
[ -f "$TMP/makerun.h5" ] || fail "make run wrote no $TMP/makerun.h5"
grep -q "^== .*kernel triad" "$TMP/makerun.log" || { cat "$TMP/makerun.log"; fail "make run printed no summary"; }
grep -q "next: .*occbench-analyze plot $TMP/makerun.h5" "$TMP/makerun.log" ||
    { cat "$TMP/makerun.log"; fail "make run did not print the next commands"; }
echo "ok: make run PRESET=ci WINDOW=0.1"
echo "README launch lines: OK ($n mpirun lines, the job example's summary, make run; $m of occbench(1))"
