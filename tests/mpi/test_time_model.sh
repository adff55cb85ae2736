#!/usr/bin/env bash
# The time model is measured on the node it plans for (driver/run/steptime_measure.c):
# --dry-run sets up and runs each kernel at k=1 and with every core at once, says
# which figures it measured here and which it took from data/step_time.conf, and
# ends with the estimate in seconds too. Its structure: the set-up time grows with
# the bytes a kernel touches (triad's 3 arrays, ci 3 MiB, small 4 x L3 each).
# How close the estimate comes to the clock is a benchmark (bench/time_model.sh).
source "$(dirname "$0")/common.sh"

dry() { ob_mpirun 2 --kernels triad --window 0.2 --min-reps 2 --dry-run "$@"; }
dry --preset ci >"$TMP/ci.txt" 2>&1 || { cat "$TMP/ci.txt"; fail "dry-run ci"; }
dry --preset small >"$TMP/small.txt" 2>&1 || { cat "$TMP/small.txt"; fail "dry-run small"; }
for f in ci small; do
    grep -Eq "^planned: [0-9]+ steps, about [0-9]+ min \([0-9.]+ s;" "$TMP/$f.txt" ||
        fail "$f: the last line lacks the estimate in seconds: $(tail -1 "$TMP/$f.txt")"
    grep -q "(measured here)" "$TMP/$f.txt" || fail "$f: no step marked measured here"
    grep -q "^times: 1 kernel(s) measured here" "$TMP/$f.txt" || fail "$f: no 'times:' line"
done
setup() { sed -n 's/^  triad .*k=1 set-up \([0-9.e+-]*\) s,.*/\1/p' "$1"; }
ci=$(setup "$TMP/ci.txt") small=$(setup "$TMP/small.txt")
[ -n "$ci" ] && [ -n "$small" ] || fail "no measured set-up (ci '$ci', small '$small')"
awk -v c="$ci" -v s="$small" 'BEGIN { exit !(s > 5 * c) }' ||
    fail "triad's set-up at small ($small s) is not well above ci's ($ci s): it touches 128x more"
echo "ok: triad set-up measured here: ci $ci s, small $small s"
# another node's topology: nothing is measured here, the reference times say so
ob_mpirun 2 --kernels triad --preset ci --window 0.2 --dry-run \
    --topology "$SRC/data/topologies/rome-7742.synthetic" >"$TMP/topo.txt" 2>&1 ||
    { cat "$TMP/topo.txt"; fail "dry-run --topology"; }
grep -q "(measured here)" "$TMP/topo.txt" && fail "--topology: measured here for another node"
grep -q "^times: from .*step_time.conf.*--topology plans for another node" "$TMP/topo.txt" ||
    fail "--topology: the source of the times is not said: $(grep '^times' "$TMP/topo.txt")"
echo "time model: OK"
