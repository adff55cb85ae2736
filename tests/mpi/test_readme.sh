#!/usr/bin/env bash
# The README's commands for reading and analysing a results file run as
# written: every command line of its "Reading the results file" and
# "Analysing results" blocks (h5dump, occbench-analyze), its h5py snippet,
# and every line of the man pages' EXAMPLES blocks, taken from the documents
# themselves, on a ci-preset file put where they name one, with the
# programs on PATH as `make install` puts them (lines that launch ranks,
# mpirun and srun, run in tests/mpi/test_readme_launch.sh). Each exits as
# documented (validate: 0 all rules pass, 1 one fails — a ci file fails the
# production rule) and the snippet prints numbers.
source "$(dirname "$0")/common.sh"

cd "$TMP" || fail "cd $TMP"
mkdir -p results
ob_mpirun 2 --preset ci --kernels triad,freq --occupancy 1,2 --window 0.2 --min-reps 2 \
    --output results/run.h5 >run.log 2>&1 || { cat run.log; fail "the ci run"; }
# every file name the README's commands use is this file
for name in results/X.h5 results/myhost-20261123-120000.h5 siteA.h5 siteB.h5 results/site.h5; do
    cp results/run.h5 "$name"
done
cp -r "$SRC/examples" examples
cp examples/workload.csv workload.csv
ln -s "$SRC/data" data
export PATH="$BUILD:$PATH"

# the indented command lines of one README section ("## NAME" up to the next "## ")
section_commands() {
    awk -v want="## $1" '
        /^## / { inside = ($0 == want); next }
        inside && /^    (occbench-analyze|h5dump) / { sub(/^    /, ""); sub(/ +#.*/, ""); print }
    ' "$SRC/README.md"
}
# run_documented WHERE COMMAND: run it as written; it must exit as documented
runs=0
run_documented() {
    runs=$((runs + 1))
    local rc=0
    bash -c "$2" >"doc$runs.out" 2>&1 || rc=$?
    case "$2" in
    "occbench-analyze validate"*) [ "$rc" -le 1 ] ;;
    *) [ "$rc" -eq 0 ] ;;
    esac || { cat "doc$runs.out"; fail "$1: exit $rc: $2"; }
    echo "ok: $1: $2 (exit $rc)"
}
for sec in "Reading the results file" "Analysing results"; do
    while IFS= read -r cmd; do
        run_documented README.md "$cmd"
    done < <(section_commands "$sec")
done
n=$runs
[ "$n" -ge 7 ] || fail "only $n README commands found: the sections moved?"
for page in "$SRC"/docs/man/*.1; do
    while IFS= read -r cmd; do
        run_documented "$(basename "$page") EXAMPLES" "$cmd"
    done < <(sed -n '/^\.SH EXAMPLES/,/^\.SH /p' "$page" | sed -n '/^\.nf/,/^\.fi/p' |
        grep -v '^\.' | sed 's/\\-/-/g' | grep -Ev '^(mpirun|srun) ')
done
m=$((runs - n))
[ "$m" -ge 8 ] || fail "only $m man page EXAMPLES found"
[ -s report/index.html ] || fail "the README's plot command wrote no report/index.html"

# the h5py snippet, as written
awk '/^```python$/ { inside = 1; next } /^```$/ { inside = 0 } inside' "$SRC/README.md" >snippet.py
[ -s snippet.py ] || fail "no python block in README.md"
if "$py" -c 'import h5py' 2>/dev/null; then
    "$py" snippet.py >snippet.out 2>&1 || { cat snippet.out; fail "the README's h5py snippet"; }
    grep -qw nan snippet.out && { cat snippet.out; fail "the README's h5py snippet prints nan"; }
    grep -Eq '^[0-9.e-]+ [0-9.e+-]+$' snippet.out || { cat snippet.out; fail "no medians printed"; }
    echo "ok: the h5py snippet prints numbers"
else
    [ "${CI:-}" != true ] || fail "python3-h5py missing on CI"
    echo "SKIP: h5py snippet (python3-h5py not installed)"
fi
echo "README and man page commands: OK ($n README commands, $m man page examples, the h5py snippet)"
