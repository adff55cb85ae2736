#!/bin/bash
# occbench on Flux: one exclusive node, one rank per core.
#   flux batch -N1 --exclusive jobscripts/flux.sh     (N nodes: -N4)
#   OCCBENCH_DRY_RUN=1 bash jobscripts/flux.sh
#flux: --job-name=occbench
#flux: -N 1
#flux: --exclusive
#flux: -t 4h
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

OB_BATCH=flux
OB_JOB_ID=${FLUX_JOB_ID:-manual}
if command -v flux >/dev/null 2>&1 && [ -n "${FLUX_JOB_ID:-}" ]; then
    OB_NODES=$(flux resource list -no '{nnodes}' 2>/dev/null || echo 1)
else
    OB_NODES=${OCCBENCH_NODES:-1}
fi
OB_RANKS_PER_NODE=${OCCBENCH_RANKS_PER_NODE:-$(ob_job_cores)}
# No -o cpu-affinity: occbench binds each rank itself.
ob_job_launcher() { # called once the counts are checked
    OB_LAUNCH=(flux run -N "$OB_NODES" --tasks-per-node="$OB_RANKS_PER_NODE" -o cpu-affinity=off)
}
ob_job_main
