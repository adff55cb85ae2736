#!/usr/bin/env bash
# A stopped rank (SIGSTOP: a wedged NFS mount, a debugger) must not hang the
# launch: the step's watchdog (--step-timeout) ends the run with exit 1 and
# one line naming the stuck rank, the file keeps every step before it, and
# --resume (the rank gone) completes the ladder.
source "$(dirname "$0")/common.sh"
out="$TMP/stuck.h5"
args=(--preset ci --kernels freq,triad --occupancy 1,2 --placement compact --window 1.5)
start=$(date +%s)
# a session of its own (setsid execs in place: $! is mpirun's pid and the
# session id), so that only this launch's rank 1 is stopped, never that of
# another test running beside this one (make test runs two at a time)
setsid mpirun --oversubscribe --bind-to none -n 2 "$OCCBENCH" "${args[@]}" --step-timeout 4 \
    --output "$out" >"$TMP/log" 2>&1 &
launcher=$!
# stop rank 1 once the first step has been written
for _ in $(seq 1 300); do
    grep -q '^\[1/4\]' "$TMP/log" 2>/dev/null && break
    sleep 0.1
done
stopped=""
for p in $(pgrep -s "$launcher" -f "$OCCBENCH"); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=1$'; then
        kill -STOP "$p" && stopped=$p
    fi
done
[ -n "$stopped" ] || fail "rank 1 not found to stop"
rc=0
wait "$launcher" || rc=$?
elapsed=$(($(date +%s) - start))
kill -KILL "$stopped" 2>/dev/null
[ "$rc" -eq 1 ] || { cat "$TMP/log"; fail "exit $rc with a stopped rank, expected 1"; }
[ "$elapsed" -lt 60 ] || fail "the watchdog took $elapsed s (bound 4 s, pings 5 s)"
[ "$(grep -c 'made no progress for 4 s: rank(s) 1 (node 0, ' "$TMP/log")" -eq 1 ] ||
    { cat "$TMP/log"; fail "no single line naming rank 1"; }
HDF5_USE_FILE_LOCKING=FALSE "$BUILD/occbench-analyze" summary "$out" >"$TMP/summary" 2>&1 ||
    { cat "$TMP/summary"; fail "the file after the watchdog cannot be summarised"; }
grep -q 'kernel freq' "$TMP/summary" || fail "the steps before the stuck one are gone"
rc=0
mpirun --oversubscribe --bind-to none -n 2 "$OCCBENCH" "${args[@]}" --resume "$out" \
    >"$TMP/log2" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$TMP/log2"; fail "--resume after the watchdog: exit $rc"; }
"$CHECK" "$out" || fail "the resumed file"
echo "watchdog: a stopped rank ended the run in $elapsed s; resumed"
