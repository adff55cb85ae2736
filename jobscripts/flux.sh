#!/bin/bash
# occbench on Flux: one exclusive node, one rank per core.
#   flux batch -N1 --exclusive jobscripts/flux.sh     (N nodes: -N4)
#   OCCBENCH_DRY_RUN=1 bash jobscripts/flux.sh
#flux: --job-name=occbench
#flux: -N 1
#flux: --exclusive
#flux: -t 4h
set -euo pipefail
# Batch systems run a copy of this script from a spool directory: then the
# library is found next to the installed occbench (or set OCCBENCH_JOBSCRIPTS).
here=${OCCBENCH_JOBSCRIPTS:-$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")}
[ -r "$here/lib/occbench-job.sh" ] ||
    here="$(dirname "$(command -v "${OCCBENCH_BIN:-occbench}" || echo /)")/../share/occbench/jobscripts"
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
OB_LAUNCH=(flux run -N "$OB_NODES" --tasks-per-node="$OB_RANKS_PER_NODE" -o cpu-affinity=off)
ob_job_main
