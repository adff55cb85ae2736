#!/bin/bash
# occbench on PBS Pro / OpenPBS: one exclusive node, one rank per core.
#   qsub jobscripts/pbs.sh               (N nodes: qsub -l select=4:ncpus=128:mpiprocs=128)
#   OCCBENCH_DRY_RUN=1 bash jobscripts/pbs.sh
#PBS -N occbench
#PBS -l select=1:ncpus=128:mpiprocs=128
#PBS -l place=excl
#PBS -l walltime=04:00:00
#PBS -j oe
set -euo pipefail
cd "${PBS_O_WORKDIR:-$PWD}"
# Batch systems run a copy of this script from a spool directory: then the
# library is found next to the installed occbench (or set OCCBENCH_JOBSCRIPTS).
here=${OCCBENCH_JOBSCRIPTS:-$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")}
[ -r "$here/lib/occbench-job.sh" ] ||
    here="$(dirname "$(command -v "${OCCBENCH_BIN:-occbench}" || echo /)")/../share/occbench/jobscripts"
source "$here/lib/occbench-job.sh"

OB_BATCH=pbs
OB_JOB_ID=${PBS_JOBID:-manual}
if [ -n "${PBS_NODEFILE:-}" ] && [ -r "$PBS_NODEFILE" ]; then
    OB_NODES=$(sort -u "$PBS_NODEFILE" | wc -l)
    OB_RANKS_PER_NODE=$(( $(wc -l <"$PBS_NODEFILE") / OB_NODES ))
else
    OB_NODES=${OCCBENCH_NODES:-1}
    OB_RANKS_PER_NODE=${OCCBENCH_RANKS_PER_NODE:-$(ob_job_cores)}
fi
# --bind-to none: occbench binds each rank itself.
OB_LAUNCH=(mpirun --bind-to none --map-by ppr:"$OB_RANKS_PER_NODE":node -n $((OB_NODES * OB_RANKS_PER_NODE)))

# Optional control run at a fixed clock (needs write access to cpufreq, e.g.
# a site prologue): for f in /sys/devices/system/cpu/cpu*/cpufreq/scaling_max_freq; do
#   echo 2000000 > "$f"; done   and OCCBENCH_SITE=<site>-fixed2GHz
ob_job_main
