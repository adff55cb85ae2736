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
ob_job_launcher() { # called once the counts are checked
    OB_LAUNCH=(mpirun --bind-to none --map-by ppr:"$OB_RANKS_PER_NODE":node -n $((OB_NODES * OB_RANKS_PER_NODE)))
}

# Optional control run at a fixed clock (needs write access to cpufreq, e.g.
# a site prologue): for f in /sys/devices/system/cpu/cpu*/cpufreq/scaling_max_freq; do
#   echo 2000000 > "$f"; done   and OCCBENCH_SITE=<site>-fixed2GHz
ob_job_main
