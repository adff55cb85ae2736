#!/bin/bash
# occbench with plain mpirun, on this node or the hosts of a hostfile:
#   OCCBENCH_HOSTFILE=hosts OCCBENCH_NODES=2 bash jobscripts/mpirun.sh
#   OCCBENCH_DRY_RUN=1 bash jobscripts/mpirun.sh
# or in a Slurm allocation (one rank per core needs that many task slots):
#   sbatch --exclusive --ntasks-per-node=128 jobscripts/mpirun.sh
# There mpirun starts the first node's ranks itself, outside any job step:
# end it with `scancel --batch --signal=TERM JOB` (the script passes it on).
set -euo pipefail
# The library: OCCBENCH_JOBSCRIPTS, else next to this script. A batch system
# runs a spooled copy of the script, so also: next to the submitted script
# (Slurm's Command=), the submit directory's jobscripts/, next to occbench.
ob_jobscripts() {
    if [ -n "${OCCBENCH_JOBSCRIPTS:-}" ]; then
        [ -r "$OCCBENCH_JOBSCRIPTS/lib/occbench-job.sh" ] && echo "$OCCBENCH_JOBSCRIPTS"
        return 0
    fi
    local submitted="" d
    [ -n "${SLURM_JOB_ID:-}" ] && submitted=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null |
        sed -n 's/^ *Command=\([^ ]*\).*/\1/p')
    for d in "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" "${submitted:+$(dirname "$submitted")}" \
        "${SLURM_SUBMIT_DIR:-${PBS_O_WORKDIR:-.}}/jobscripts" \
        "$(dirname "$(command -v "${OCCBENCH_BIN:-occbench}" || echo /)")/../share/occbench/jobscripts"; do
        [ -n "$d" ] && [ -r "$d/lib/occbench-job.sh" ] && { echo "$d"; return 0; }
    done
    return 0
}
here=$(ob_jobscripts)
[ -n "$here" ] || {
    echo "occbench-job: lib/occbench-job.sh not found (${OCCBENCH_JOBSCRIPTS:+OCCBENCH_JOBSCRIPTS=$OCCBENCH_JOBSCRIPTS has none; }a batch system runs a copy of this script): set OCCBENCH_JOBSCRIPTS to occbench's jobscripts directory" >&2
    exit 1
}
source "$here/lib/occbench-job.sh"

OB_BATCH=none
OB_JOB_ID=$(date -u +%Y%m%d-%H%M%S)
OB_NODES=${OCCBENCH_NODES:-1}
OB_RANKS_PER_NODE=${OCCBENCH_RANKS_PER_NODE:-$(ob_job_cores)}
if [ -n "${SLURM_JOB_ID:-}" ]; then
    # submitted with sbatch: mpirun takes its hosts and slots from the allocation
    OB_BATCH="slurm (mpirun)"
    OB_JOB_ID=$SLURM_JOB_ID
    OB_NODES=${OCCBENCH_NODES:-${SLURM_JOB_NUM_NODES:-1}}
    OB_LAUNCHER_SLOTS=slurm
fi
ob_job_launcher() { # called once the counts are checked
    OB_LAUNCH=(mpirun --bind-to none --map-by ppr:"$OB_RANKS_PER_NODE":node -n $((OB_NODES * OB_RANKS_PER_NODE)))
    [ -n "${OCCBENCH_HOSTFILE:-}" ] && OB_LAUNCH+=(--hostfile "$OCCBENCH_HOSTFILE")
    [ "$(id -u)" = 0 ] && OB_LAUNCH+=(--allow-run-as-root)
    return 0
}
ob_job_main
