#!/usr/bin/env bash
# Scale mode and the time plan, on the node descriptions under data/topologies:
#  - --dry-run on the Rome description: the default ladder's levels, compact
#    and spread measured once where they are the same cores (k=1, k=128), a
#    last line 'planned: N steps, about M min' with M <= 30, nothing created;
#  - --budget chooses the window, or is refused naming what does not fit;
#  - a real 8-rank ladder on the simulated 128-core Milan node: every part of
#    the harness runs, binding is recorded as simulated, validate refuses it.
source "$(dirname "$0")/common.sh"
TOPO="$SRC/data/topologies"

for t in rome-7742 rome-7h12 milan-7763 icelake-8380; do
    [ -f "$TOPO/$t.synthetic" ] || fail "missing data/topologies/$t.synthetic"
done

echo "== --dry-run, Rome 7742, default options"
out="$TMP/never.h5"
"$OCCBENCH" --dry-run --topology "$TOPO/rome-7742.synthetic" --output "$out" >"$TMP/plan.txt" 2>&1 ||
    { cat "$TMP/plan.txt"; fail "dry run exit $?"; }
[ ! -e "$out" ] || fail "--dry-run created $out"
last=$(tail -1 "$TMP/plan.txt")
echo "$last"
[[ "$last" =~ ^planned:\ ([0-9]+)\ steps,\ about\ ([0-9]+)\ min ]] || fail "last line: $last"
minutes=${BASH_REMATCH[2]}
[ "$minutes" -le 30 ] || fail "the default Rome plan takes $minutes min (target <= 30)"
levels=$(awk '$2 == "triad" && $3 == "compact" {sub("k=", "", $4); printf "%s ", $4}' "$TMP/plan.txt")
[ "$levels" = "1 2 4 8 16 32 64 128 " ] || fail "Rome default ladder: $levels"
grep -Eq "triad +spread +k=1 +the cores of step 1: measured once, linked" "$TMP/plan.txt" ||
    fail "spread k=1 not linked to compact k=1"
grep -Eq "triad +spread +k=128 +the cores of step 8: measured once, linked" "$TMP/plan.txt" ||
    fail "spread k=128 not linked to compact k=128"
grep -Eq "triad +spread +k=2 +about" "$TMP/plan.txt" || fail "spread k=2 not measured"

echo "== the production preset fits the default 30 minutes on both EPYC nodes"
for t in rome-7742 milan-7763; do
    line=$("$OCCBENCH" --dry-run --preset lsst --topology "$TOPO/$t.synthetic" | tail -1)
    [[ "$line" =~ about\ ([0-9]+)\ min ]] && [ "${BASH_REMATCH[1]}" -le 30 ] ||
        fail "$t lsst: $line"
done

echo "== --budget"
line=$("$OCCBENCH" --dry-run --preset lsst --budget 30m --topology "$TOPO/rome-7742.synthetic" | tail -1)
[[ "$line" =~ about\ ([0-9]+)\ min.*window\ ([0-9.]+)\ s ]] || fail "budget plan: $line"
[ "${BASH_REMATCH[1]}" -le 30 ] || fail "--budget 30m planned ${BASH_REMATCH[1]} min"
rc=0
"$OCCBENCH" --dry-run --preset lsst --budget 5m --topology "$TOPO/rome-7742.synthetic" \
    >"$TMP/b.out" 2>"$TMP/b.err" || rc=$?
[ "$rc" -eq 2 ] || fail "--budget 5m: exit $rc, expected 2"
[ "$(wc -l <"$TMP/b.err")" -eq 1 ] && grep -q -- "--budget 5 min: .*slowest: .*--min-reps" "$TMP/b.err" ||
    fail "--budget 5m message: $(cat "$TMP/b.err")"
rc=0
"$OCCBENCH" --dry-run --budget 30m --window 2 2>"$TMP/bw.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "one of them" "$TMP/bw.err" || fail "--budget with --window: rc $rc"
printf 'nonsense:7\n' >"$TMP/bad.synthetic"
rc=0
"$OCCBENCH" --dry-run --topology "$TMP/bad.synthetic" 2>"$TMP/bt.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "hwloc did not accept" "$TMP/bt.err" || fail "bad --topology: rc $rc"

echo "== 8 ranks on the simulated Milan node"
out="$TMP/milan.h5"
timeout 300 mpirun --oversubscribe --bind-to none -n 8 "$OCCBENCH" --topology "$TOPO/milan-7763.synthetic" \
    --kernels freq,triad --occupancy 1,2,8 --preset ci --min-reps 2 --window 0.1 --output "$out" \
    >"$TMP/milan.log" 2>&1 || { cat "$TMP/milan.log"; fail "the simulated 8-rank ladder failed"; }
"$CHECK" "$out" --max-parked-cpu 0.05 || fail "the simulated run's file"
grep -q "^time between steps: median" "$TMP/milan.log" || fail "no time between steps reported"
h5dump -a /system/binding "$out" | grep -q "simulated" || fail "/system binding is not 'simulated'"
h5dump -a /system/topology_source "$out" | grep -q "HWLOC_SYNTHETIC=pack:2" || fail "topology_source"
h5dump -a /system/cores_per_node "$out" | grep -q '"128"' || fail "cores_per_node is not 128"
"$BUILD/occbench-analyze" validate "$out" >"$TMP/v.txt" || true
grep -q "^FAIL  real_binding" "$TMP/v.txt" || { cat "$TMP/v.txt"; fail "validate passed simulated binding"; }
echo "scale: OK"
