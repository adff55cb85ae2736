#!/usr/bin/env bash
# SIGKILL of the writer at every write of a small run: rank 0 kills itself
# just before its Nth change to the results file's disk (write, fsync,
# truncate, rename, unlink: OCCBENCH_TEST_KILL_AT_WRITE, see
# common/results_journal.h), for every N until the run completes. After
# each kill the file is absent only if no step was validated; otherwise
# occbench-analyze summarises it with every validated step (read as of its
# last commit where a journal is left), and --resume completes it.
# The journal's own cut points are tested byte for byte in
# tests/unit/test_journal.c; this is the same promise end to end.
source "$(dirname "$0")/common.sh"

args=(--preset ci --kernels freq --occupancy 1 --placement compact --window 0.05 --min-reps 2)

# One write point: kill, read, resume. Prints "killed", "journal" (a
# complete journal was left and the reader used it) or "completed".
one_point() {
    local n=$1 out="$TMP/k$1.h5" log="$TMP/k$1.log" rc=0
    OCCBENCH_TEST_KILL_AT_WRITE=$n mpirun -x OCCBENCH_TEST_KILL_AT_WRITE --oversubscribe \
        --bind-to none -n 2 "$OCCBENCH" "${args[@]}" --output "$out" >"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        "$CHECK" "$out" --complete 1 >/dev/null || fail "point $n: the completed run's file"
        echo completed
        return
    fi
    [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ] || { cat "$log"; fail "point $n: exit $rc, not a kill"; }
    local validated
    validated=$(grep -c "Solution Validates" "$log" || true)
    if [ ! -e "$out" ]; then
        [ "$validated" -eq 0 ] || fail "point $n: $validated validated steps and no file"
        echo killed
        return
    fi
    "$BUILD/occbench-analyze" summary "$out" >"$TMP/k$n.sum" 2>&1 ||
        { cat "$TMP/k$n.sum"; fail "point $n: the analyzer refuses the killed file"; }
    if [ "$validated" -gt 0 ]; then
        grep -q "kernel freq" "$TMP/k$n.sum" ||
            { cat "$TMP/k$n.sum"; fail "point $n: the validated step is not in the file"; }
    fi
    # a complete journal (the kill came inside the file's own writes): the
    # analyzer says it read the file as of its last commit
    local what=killed
    grep -q "read as of its last commit" "$TMP/k$n.sum" && what=journal
    rc=0
    ob_mpirun 2 "${args[@]}" --resume "$out" >"$log.resume" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { cat "$log.resume"; fail "point $n: resume exit $rc"; }
    if [ "$what" = journal ]; then
        grep -q "killed inside a commit" "$log.resume" ||
            fail "point $n: resume did not say it rolled the commit back"
    fi
    [ ! -e "$out.journal" ] && [ ! -e "$out.new" ] || fail "point $n: resume left the journal"
    "$CHECK" "$out" --complete 1 >/dev/null || fail "point $n: the resumed file"
    h5ls -r "$out" >/dev/null || fail "point $n: h5ls cannot read the resumed file"
    echo "$what"
}

# Two points at a time (independent files): the whole run is about 25.
n=0 killed=0 journals=0 done_at=0
while [ "$done_at" -eq 0 ]; do
    [ "$n" -lt 200 ] || fail "the run never completed: more than 200 write points"
    one_point $((n + 1)) >"$TMP/r1" &
    p1=$!
    one_point $((n + 2)) >"$TMP/r2" &
    p2=$!
    wait "$p1" || exit 1
    wait "$p2" || exit 1
    for i in 1 2; do
        r=$(cat "$TMP/r$i")
        case "$r" in
        completed) [ "$done_at" -gt 0 ] || done_at=$((n + i)) ;;
        journal) journals=$((journals + 1)) killed=$((killed + 1)) ;;
        killed) killed=$((killed + 1)) ;;
        *) fail "point $((n + i)): no outcome ($r)" ;;
        esac
    done
    n=$((n + 2))
done
# every point before the completing one was a kill
[ "$killed" -eq $((done_at - 1)) ] || fail "$killed kills before point $done_at"
[ "$killed" -ge 10 ] || fail "only $killed write points: the hook did not cut the commits"
[ "$journals" -ge 3 ] || fail "only $journals kills left a complete journal"
echo "kill inside commits: OK ($killed write points killed, $journals inside a commit's writes)"
