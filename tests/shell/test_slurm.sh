#!/usr/bin/env bash
# The job scripts under a real Slurm (Debian's slurm-wlm and munge): this test
# starts munged, slurmctld and slurmd on this machine with a configuration of
# its own (private ports, sockets and spool under a temporary directory) and
# stops them at the end. Submitted as a user would, with the documented knobs only:
#  - slurm.sbatch from the source tree (the spooled copy must find its library)
#    completes both runs (local and shared I/O);
#  - mpirun.sh without task slots is refused naming the knob; with
#    --exclusive --ntasks-per-node it completes;
#  - slurm.sbatch cancelled with `scancel --signal=TERM` exits 3 and says how
#    to continue; resubmitted with OCCBENCH_RESUME it completes the same files;
#    the step SIGTERM cut short says so in the file and validate fails it;
#  - the README's `srun` line (tests/tools/readme_launches.py: 2 tasks for
#    128, /local/scratch a directory here, a ci preset and short windows)
#    runs to exit 0 and writes a file summary reads.
# Needs root (slurmd runs jobs as their user; CI runs as root). Skipped, with
# the reason, when slurm-wlm or munge is not installed and we are not root.
source "$(dirname "$0")/common.sh"
for tool in munged slurmctld slurmd sbatch scontrol scancel; do
    if ! command -v "$tool" >/dev/null; then
        [ "$(id -u)" = 0 ] && fail "$tool is missing (the Makefile installs slurm-wlm and munge)"
        echo "SKIP: $tool is not installed"
        exit 0
    fi
done
[ "$(id -u)" = 0 ] || { echo "SKIP: a private slurmd needs root"; exit 0; }

T=$TMP # removed by stop_daemons, which replaces common.sh's trap
mkdir -p "$T/state" "$T/spool" "$T/log" "$T/out" "$T/jobs"
stop_daemons() {
    for d in slurmd slurmctld munged; do
        [ -f "$T/$d.pid" ] && kill "$(cat "$T/$d.pid")" 2>/dev/null
    done
    sleep 1
    for d in slurmd slurmctld munged; do
        [ -f "$T/$d.pid" ] && kill -KILL "$(cat "$T/$d.pid")" 2>/dev/null
    done
    rm -rf "$T"
}
trap stop_daemons EXIT

# munge with its own key and socket
dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none
chmod 600 "$T/munge.key"
munged --force --socket="$T/munge.socket" --key-file="$T/munge.key" --pid-file="$T/munged.pid" \
    --log-file="$T/log/munged.log" --seed-file="$T/munge.seed" || fail "munged did not start"

host=$(hostname -s)
node=$(slurmd -C | head -n1) # this machine as slurmd sees it: NodeName=... CPUs=... RealMemory=...
# everything on loopback: the host name need not resolve
cat >"$T/slurm.conf" <<EOF
ClusterName=occbenchtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=26817
SlurmdPort=26818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/munge.socket
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool/%n
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
SchedulerType=sched/backfill
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
KillWait=30
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
slurmctld -c || fail "slurmctld did not start: $(tail -5 "$T/log/slurmctld.log")"
slurmd || fail "slurmd did not start: $(tail -5 "$T/log/slurmd.log")"
for _ in $(seq 1 60); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 0.5
done
sinfo -h -o %T | grep -q idle || fail "the node is not idle: $(sinfo 2>&1; tail -5 "$T/log/slurmd.log")"

# What a user sets: the binary, where results go, a small preset. No OCCBENCH_JOBSCRIPTS:
# the spooled copy of the script must find its library by itself.
export OCCBENCH_BIN="$BUILD/occbench" OCCBENCH_DATA_DIR="$SRC/data" OCCBENCH_OUTPUT_DIR="$T/out"
export OCCBENCH_IO_LOCAL="$T/local" OCCBENCH_IO_SHARED="$T/shared" OCCBENCH_SITE=slurmtest
export OCCBENCH_PRESET=ci OCCBENCH_WINDOW=0.3 HDF5_USE_FILE_LOCKING=FALSE
export OCCBENCH_ARGS="--kernels freq,io --occupancy 1,2 --min-reps 2"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset OCCBENCH_JOBSCRIPTS OCCBENCH_RESUME

# submit NAME SBATCH-ARGS... SCRIPT: prints the job id
submit() {
    local name=$1
    shift
    sbatch --parsable --chdir="$T/jobs" --output="$T/jobs/$name-%j.log" "$@" | cut -d';' -f1
}
state_of() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
exit_of() { scontrol show job "$1" 2>/dev/null | sed -n 's/.* ExitCode=\([0-9]*\):.*/\1/p'; }
await() { # await JOB SECONDS: until it has ended
    local s
    for _ in $(seq 1 $(($2 * 2))); do
        s=$(state_of "$1")
        case "$s" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) return 0 ;; esac
        sleep 0.5
    done
    fail "job $1 still $s after $2 s: $(cat "$T"/jobs/*-"$1".log 2>/dev/null | tail -20)"
}
job_log() { cat "$T"/jobs/*-"$1".log; }
check_file() { "$BUILD/tests/check_results" "$@" || fail "check_results $*"; }

echo "== slurm.sbatch, submitted from the source tree"
j=$(submit sbatch "$SRC/jobscripts/slurm.sbatch") || fail "sbatch refused slurm.sbatch"
await "$j" 300
[ "$(state_of "$j")" = COMPLETED ] && [ "$(exit_of "$j")" = 0 ] ||
    { job_log "$j"; fail "slurm.sbatch job $j: $(state_of "$j") exit $(exit_of "$j")"; }
check_file "$T/out/slurmtest-$j-local.h5" --complete 1
check_file "$T/out/slurmtest-$j-shared.h5" --complete 1
# the shared-I/O run kept the I/O kernel of OCCBENCH_ARGS' --kernels, not all of them
h5ls "$T/out/slurmtest-$j-shared.h5/steps" | grep -q '^io ' || fail "shared run lacks io"
! h5ls "$T/out/slurmtest-$j-shared.h5/steps" | grep -q '^freq ' || fail "shared run ran freq"
! job_log "$j" | grep -Eiq "rsmi|drm root|Exception caught" || fail "device noise in the log"

echo "== mpirun.sh: refused without task slots, completes with them"
j=$(submit mpirun-noslots "$SRC/jobscripts/mpirun.sh")
await "$j" 120
[ "$(exit_of "$j")" = 1 ] && job_log "$j" | grep -q "task slot(s) per node.*--ntasks-per-node=" ||
    { job_log "$j"; fail "mpirun.sh without slots: exit $(exit_of "$j")"; }
! ls "$T/out/slurmtest-$j-local.h5" 2>/dev/null || fail "a refused job wrote a file"
cores=$(lscpu -p=CORE,SOCKET | grep -v '^#' | sort -u | wc -l)
j=$(submit mpirun --exclusive --ntasks-per-node="$cores" "$SRC/jobscripts/mpirun.sh")
await "$j" 300
[ "$(state_of "$j")" = COMPLETED ] && [ "$(exit_of "$j")" = 0 ] ||
    { job_log "$j"; fail "mpirun.sh job $j: $(state_of "$j") exit $(exit_of "$j")"; }
check_file "$T/out/slurmtest-$j-local.h5" --complete 1

echo "== scancel --signal=TERM, then resubmit with OCCBENCH_RESUME"
export OCCBENCH_WINDOW=2
j=$(submit cut "$SRC/jobscripts/slurm.sbatch")
for _ in $(seq 1 600); do
    job_log "$j" 2>/dev/null | grep -q "Solution Validates" && break
    sleep 0.2
done
sleep 1 # well into the next step's 2 s window, past its minimum repetitions
scancel --signal=TERM "$j" || fail "scancel"
await "$j" 120
job_log "$j" | grep -q "status 3 .*resubmit with OCCBENCH_RESUME=$T/out/slurmtest-$j-local.h5" ||
    { job_log "$j"; fail "the cancelled job did not say how to continue"; }
[ "$(exit_of "$j")" = 3 ] || { job_log "$j"; fail "cancelled job exit $(exit_of "$j"), expected 3"; }
first="$T/out/slurmtest-$j-local.h5"
check_file "$first" --complete 0 --min-steps 1
resumed=$(OCCBENCH_RESUME="$first" submit resume "$SRC/jobscripts/slurm.sbatch")
await "$resumed" 300
[ "$(state_of "$resumed")" = COMPLETED ] && [ "$(exit_of "$resumed")" = 0 ] ||
    { job_log "$resumed"; fail "resubmitted job: $(state_of "$resumed") exit $(exit_of "$resumed")"; }
job_log "$resumed" | grep -q -- "--resume $first" || fail "the resubmitted job did not resume $first"
job_log "$resumed" | grep -q "already in" || fail "the resubmitted job redid finished steps"
check_file "$first" --complete 1
check_file "$T/out/slurmtest-$j-shared.h5" --complete 1
[ ! -e "$T/out/slurmtest-$resumed-local.h5" ] || fail "the resubmitted job started a new file"
# the step SIGTERM ended early (kept: it had its minimum repetitions) is marked, and
# validate fails the file for it although the resumed run completed
"$BUILD/occbench-analyze" validate "$first" >"$T/validate.txt" 2>&1
grep -q "^FAIL  completed .*cut short by SIGTERM" "$T/validate.txt" ||
    { cat "$T/validate.txt"; fail "validate does not say a step was cut short"; }
grep "cut short" "$T/validate.txt"

echo "== the README's srun line"
srun_line=$("$py" "$SRC/tests/tools/readme_launches.py" "$SRC/README.md" --launcher srun --ranks 2 \
    --map "/local/scratch=$T/localscratch" --default "--preset ci" --default "--window 0.3" \
    --default "--occupancy 1,2" --default "--min-reps 2" --default "--kernels freq,io") ||
    fail "readme_launches.py"
[ "$(wc -l <<<"$srun_line")" -eq 1 ] && [ -n "$srun_line" ] || fail "want one srun line in README.md: $srun_line"
mkdir -p "$T/readme" "$T/localscratch"
rc=0
(cd "$T/readme" && PATH="$BUILD:$PATH" timeout 300 bash -c "$srun_line") </dev/null >"$T/srun.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { cat "$T/srun.log"; fail "exit $rc: $srun_line"; }
srun_file=$(ls "$T"/readme/results/*.h5 2>/dev/null | head -n1)
[ -n "$srun_file" ] || { cat "$T/srun.log"; fail "no results file from: $srun_line"; }
check_file "$srun_file" --complete 1
"$BUILD/occbench-analyze" summary "$srun_file" >"$T/srun.summary" 2>&1 ||
    { cat "$T/srun.summary"; fail "summary of the README's srun run"; }
echo "ok: $srun_line"
echo "slurm: OK"
