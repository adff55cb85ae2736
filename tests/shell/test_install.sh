#!/usr/bin/env bash
# cmake --install puts binaries, event data, job scripts and the man page in
# standard places, and the installed job scripts find their library.
source "$(dirname "$0")/common.sh"

cmake --install "$BUILD" --prefix "$TMP/prefix" >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "install failed"; }
for f in bin/occbench bin/occbench-analyze share/occbench/events.conf \
         share/occbench/jobscripts/slurm.sbatch share/occbench/jobscripts/lib/occbench-job.sh \
         share/man/man1/occbench.1 share/man/man1/occbench-analyze.1; do
    [ -e "$TMP/prefix/$f" ] || fail "$f not installed"
done
[ -x "$TMP/prefix/share/occbench/jobscripts/slurm.sbatch" ] || fail "job script not executable"
# A batch system runs a copy of the script elsewhere: the library is found next to the binary.
cp "$TMP/prefix/share/occbench/jobscripts/slurm.sbatch" "$TMP/spooled.sbatch"
PATH="$TMP/prefix/bin:$PATH" OCCBENCH_DRY_RUN=1 OCCBENCH_OUTPUT_DIR="$TMP/out" \
    OCCBENCH_IO_LOCAL="$TMP/l" OCCBENCH_IO_SHARED="$TMP/s" SLURM_NTASKS_PER_NODE=1 \
    bash "$TMP/spooled.sbatch" >"$TMP/dry" 2>&1 || { cat "$TMP/dry"; fail "spooled job script"; }
grep -q "^DRY RUN: srun" "$TMP/dry" || fail "no launch line from the spooled script"
# make install PREFIX=... (the README's command) does the same through the Makefile
make -s -C "$SRC" install BUILD="$BUILD" PREFIX="$TMP/made" >"$TMP/make.log" 2>&1 ||
    { cat "$TMP/make.log"; fail "make install PREFIX failed"; }
[ -x "$TMP/made/bin/occbench-analyze" ] && [ -e "$TMP/made/share/man/man1/occbench.1" ] ||
    fail "make install PREFIX did not install the programs and man pages"
"$TMP/made/bin/occbench-analyze" version >/dev/null || fail "the installed occbench-analyze does not run"
echo "install: OK"
