#!/usr/bin/env bash
# Two "nodes" on this machine: each is a UTS namespace with its own hostname,
# and Open MPI's rsh launcher starts each node's daemon (orted) in its
# namespace through a launch agent (--mca plm_rsh_agent). Open MPI then sees
# two nodes (MPI_COMM_TYPE_SHARED splits by daemon), and the ranks talk over
# TCP on loopback only. 2 nodes x 2 ranks, checked in the file:
#  - /system nodes = 2 and hostnames in node order;
#  - per-node placement and parking: at every k each node has exactly k
#    active ranks, its own, on the cores the placement gives;
#  - the node leader's sampler on each node: /monitor/node0000 and node0001;
#  - throughput per node = the sum over both nodes' ranks of reps / time in
#    them, divided by 2, and the node's PSS = the sum of its ranks' PSS
#    (recomputed here from the gathered records);
#  - SIGTERM mid-run, then --resume over the same two nodes completes it.
# Needs root for unshare --uts (CI runs as root).
source "$(dirname "$0")/common.sh"

"$py" -c 'import h5py' 2>/dev/null || fail "python3-h5py is missing (the Makefile installs it)"

if ! unshare --uts true 2>/dev/null; then
    [ "$(id -u)" = 0 ] && fail "unshare --uts failed although running as root"
    echo "SKIP: unshare --uts needs root"
    exit 0
fi

# The launch agent: Open MPI calls it as `agent HOST COMMAND...`, as it would
# call ssh. The command is a shell command line (ssh hands it to a shell).
agent="$TMP/node-agent"
cat >"$agent" <<'EOF'
#!/bin/sh
host=$1
shift
exec unshare --uts sh -c "hostname '$host' && exec $*"
EOF
chmod +x "$agent"

nodes=(obnode0 obnode1)
launch=(mpirun --oversubscribe --bind-to none --host "${nodes[0]}:2,${nodes[1]}:2" -n 4
    --mca plm_rsh_agent "$agent" --mca oob_tcp_if_include lo
    --mca btl self,vader,tcp --mca btl_tcp_if_include lo)
args=(--preset ci --kernels freq,triad --placement both --occupancy 1,2 --window 0.3 --min-reps 2
    --io-dir "$TMP")

echo "== 2 nodes x 2 ranks"
out="$TMP/two-nodes.h5"
timeout 300 "${launch[@]}" "$OCCBENCH" "${args[@]}" --output "$out" >"$TMP/run.log" 2>&1 ||
    { cat "$TMP/run.log"; fail "two-node run exited $?"; }
cat "$TMP/run.log"
"$CHECK" "$out" --complete 1 || fail "two-node file"

check_file() {
    "$py" - "$1" "${nodes[@]}" <<'EOF'
import sys
from collections import defaultdict
import h5py

path, want_hosts = sys.argv[1], sys.argv[2:]
f = h5py.File(path, "r")
errors = []
def check(ok, what):
    if not ok:
        errors.append(what)

system = f["system"]
check(system.attrs["nodes"].decode() == "2", f"/system nodes = {system.attrs['nodes']}")
hosts = [h.decode() for h in system["hostnames"][:]]
check(hosts == want_hosts, f"/system/hostnames = {hosts}, expected {want_hosts}")

for node in ("node0000", "node0001"):
    group = f.get(f"monitor/{node}")
    check(group is not None and group["samples"].shape[0] > 0, f"/monitor/{node} has no samples")
check("monitor/node0002" not in f, "a third /monitor node")

steps = 0
for kernel in f["steps"]:
    for placement in f["steps"][kernel]:
        rows = {int(r["k"]): r for r in f["summary"][kernel][placement][:]}
        for name, step in f["steps"][kernel][placement].items():
            k = int(step.attrs["k"])
            steps += 1
            where = f"{kernel}/{placement}/{name}"
            reps = step["reps"][:]
            per_node = defaultdict(set)
            for r in reps:
                per_node[int(r["node"])].add((int(r["rank"]), int(r["core"])))
            check(sorted(per_node) == [0, 1], f"{where}: records from nodes {sorted(per_node)}")
            for node, ranks in per_node.items():
                check(len(ranks) == k, f"{where}: node {node} has {len(ranks)} active ranks")
                # world ranks 2n, 2n+1 are on node n (mpirun --host fills in order)
                check(all(rank // 2 == node for rank, _ in ranks),
                      f"{where}: node {node} ran ranks {sorted(ranks)}")
                cores = sorted(core for _, core in ranks)
                check(cores == list(range(k)), f"{where}: node {node} used cores {cores}")
            wall, count = defaultdict(float), defaultdict(int)
            for r in reps:
                if r["rep"] >= 1:
                    wall[int(r["rank"])] += r["wall"]
                    count[int(r["rank"])] += 1
            # PSS: one reading per active rank (its last repetition), the summary
            # has the larger node's sum
            pss = defaultdict(float)
            for rank in {int(r["rank"]) for r in reps}:
                mine = reps[reps["rank"] == rank]
                finite = mine["pss_kb"][mine["pss_kb"] == mine["pss_kb"]]
                check(len(finite) == 1 and finite[0] > 0 and mine["pss_kb"][-1] == finite[0],
                      f"{where}: rank {rank} PSS readings {list(mine['pss_kb'])}")
                pss[int(mine["node"][0])] += finite[0] if len(finite) else 0
            check(abs(float(rows[k]["pss_node_kb"]) - max(pss.values())) < 1e-6,
                  f"{where}: pss_node_kb {rows[k]['pss_node_kb']}, records give {dict(pss)}")
            expected = sum(count[i] / wall[i] for i in wall) / 2
            got = float(rows[k]["throughput_per_node"])
            if k == 1:  # one rank parked on each node: its CPU is measured
                parked = float(rows[k]["parked_cpu"])
                check(parked == parked and parked < 0.05, f"{where}: parked CPU {parked}")
            check(int(rows[k]["nodes"]) == 2, f"{where}: summary nodes {rows[k]['nodes']}")
            check(abs(got - expected) <= 1e-9 * expected,
                  f"{where}: throughput per node {got}, records give {expected}")
check(steps == 8, f"{steps} steps, expected 8")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print(f"{path}: 2 nodes {hosts}, {steps} steps: placement, parking, monitors and throughput agree")
EOF
}
check_file "$out" || fail "two-node file contents"
"$BUILD/occbench-analyze" summary "$out" >"$TMP/summary.txt" || fail "analyzer on the two-node file"

echo "== SIGTERM mid-run on both nodes, then --resume over the same two nodes"
out="$TMP/resumed.h5"
"${launch[@]}" "$OCCBENCH" "${args[@]}" --output "$out" >"$TMP/term.log" 2>&1 &
launcher=$!
for _ in $(seq 1 1200); do
    [ "$(grep -c 'Solution Validates' "$TMP/term.log" 2>/dev/null)" -ge 1 ] && break
    sleep 0.1
done
# every rank on both nodes, as a batch system's signal would reach them
# (the ranks only: mpirun would forward it, then exit 1 by its own convention)
pkill -TERM -f -- "^$OCCBENCH .*--output $out" || fail "no rank to signal"
timeout 120 tail --pid="$launcher" -f /dev/null || fail "the SIGTERMed run did not end"
wait "$launcher" 2>/dev/null
grep -q "interrupted by SIGTERM" "$TMP/term.log" || { cat "$TMP/term.log"; fail "no SIGTERM message"; }
"$CHECK" "$out" --complete 0 --min-steps 1 || fail "file after SIGTERM"
timeout 300 "${launch[@]}" "$OCCBENCH" "${args[@]}" --resume "$out" >"$TMP/resume.log" 2>&1 ||
    { cat "$TMP/resume.log"; fail "resume on two nodes exited $?"; }
grep -q "already in" "$TMP/resume.log" || fail "resume did not skip the finished steps"
"$CHECK" "$out" --complete 1 || fail "resumed two-node file"
check_file "$out" || fail "resumed two-node file contents"
echo "multi-node: OK"
