#!/bin/bash
# occbench with plain mpirun (no batch system), on this node or the hosts of
# a hostfile: OCCBENCH_HOSTFILE=hosts OCCBENCH_NODES=2 bash jobscripts/mpirun.sh
#   OCCBENCH_DRY_RUN=1 bash jobscripts/mpirun.sh
set -euo pipefail
# Batch systems run a copy of this script from a spool directory: then the
# library is found next to the installed occbench (or set OCCBENCH_JOBSCRIPTS).
here=${OCCBENCH_JOBSCRIPTS:-$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")}
[ -r "$here/lib/occbench-job.sh" ] ||
    here="$(dirname "$(command -v "${OCCBENCH_BIN:-occbench}" || echo /)")/../share/occbench/jobscripts"
source "$here/lib/occbench-job.sh"

OB_BATCH=none
OB_JOB_ID=$(date -u +%Y%m%d-%H%M%S)
OB_NODES=${OCCBENCH_NODES:-1}
OB_RANKS_PER_NODE=${OCCBENCH_RANKS_PER_NODE:-$(ob_job_cores)}
OB_LAUNCH=(mpirun --bind-to none --map-by ppr:"$OB_RANKS_PER_NODE":node -n $((OB_NODES * OB_RANKS_PER_NODE)))
[ -n "${OCCBENCH_HOSTFILE:-}" ] && OB_LAUNCH+=(--hostfile "$OCCBENCH_HOSTFILE")
[ "$(id -u)" = 0 ] && OB_LAUNCH+=(--allow-run-as-root)
ob_job_main
