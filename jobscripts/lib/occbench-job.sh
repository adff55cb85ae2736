# occbench job logic shared by every batch system's script (sourced).
#
# A wrapper sets OB_NODES and OB_RANKS_PER_NODE, defines ob_job_launcher
# (which sets OB_LAUNCH, the launcher command as an array without the
# occbench arguments; called once the counts are checked), then calls
# ob_job_main. Everything a site changes is an environment variable:
#
#   OCCBENCH_BIN         occbench binary (default: `occbench` on PATH)
#   OCCBENCH_SITE        site label stored in the file (default: cluster name or host)
#   OCCBENCH_OUTPUT_DIR  where results go: a shared, persistent file system (default: $PWD/results)
#   OCCBENCH_IO_LOCAL    node-local directory for the I/O kernels (default: $TMPDIR or /tmp)
#   OCCBENCH_IO_SHARED   shared file-system directory for the second I/O run (default: OUTPUT_DIR/io)
#   OCCBENCH_PRESET      ci | small | lsst (default lsst: production-representative)
#   OCCBENCH_WINDOW      measuring time per step (default 20s)
#   OCCBENCH_ARGS        extra occbench options (a --kernels here applies to the local run;
#                        the shared-I/O run keeps the I/O kernels among them, or is skipped)
#   OCCBENCH_RANKS_PER_NODE  ranks per node (default: the allocation's tasks per node, else
#                        the node's physical cores)
#   OCCBENCH_RESUME      the -local.h5 file of an earlier job of this script that was cut short:
#                        resubmit the same script with it set and both runs continue their files
#   OCCBENCH_JOBSCRIPTS  the directory holding lib/occbench-job.sh, when a batch system runs a
#                        spooled copy of the script and it cannot be found otherwise
#   OCCBENCH_DRY_RUN=1   check, print the launch lines, launch nothing
#
# Exit status: occbench's (0 ok, 1 a step failed, 2 bad input, 3 interrupted by SIGTERM: resubmit
# with OCCBENCH_RESUME). A SIGTERM reaching this script is passed on to the launcher, and a
# launcher that exits 1 after its ranks were interrupted (mpirun's convention) is reported as 3.
# Under Slurm, `scancel --signal=TERM JOB` signals the job steps (srun); with mpirun.sh there
# are none on the first node: use `scancel --batch --signal=TERM JOB`, which reaches the script.
#
# Binding is left to occbench: it binds each active rank to the core its
# placement gives, before the kernel allocates. A launcher that binds too
# (srun's default, mpirun --bind-to core) would pin ranks to other cores
# than occbench chooses, so every script turns launcher binding off.

ob_job_die() {
    echo "occbench-job: $*" >&2
    exit 1
}

# Task slots per node of a Slurm allocation (SLURM_TASKS_PER_NODE "2(x3),1": the first node's),
# empty outside Slurm.
ob_job_slurm_slots() {
    [ -n "${SLURM_JOB_ID:-}" ] && [ -n "${SLURM_TASKS_PER_NODE:-}" ] || return 0
    echo "${SLURM_TASKS_PER_NODE%%[(,]*}"
}

# Physical cores of this node (one rank per core is the normal launch).
ob_job_cores() {
    local n
    n=$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l)
    [ "${n:-0}" -gt 0 ] && echo "$n" || nproc
}

ob_job_writable_dir() { # WHAT DIR KNOB
    local what=$1 dir=$2 knob=$3
    if [ "${OCCBENCH_DRY_RUN:-0}" = 1 ] && [ ! -e "$dir" ]; then
        # a dry run creates nothing: the nearest existing parent must take it
        local up=$dir probe
        while [ ! -e "$up" ]; do up=$(dirname "$up"); done
        probe="$up/.occbench-write-test.$$"
        [ -d "$up" ] && (: >"$probe") 2>/dev/null ||
            ob_job_die "$what $dir does not exist and cannot be created (set $knob)"
        rm -f "$probe"
        echo "dry run: would create $what $dir"
        return 0
    fi
    mkdir -p "$dir" 2>/dev/null || true
    [ -d "$dir" ] || ob_job_die "$what $dir does not exist and cannot be created (set $knob)"
    local probe="$dir/.occbench-write-test.$$"
    (: >"$probe") 2>/dev/null || ob_job_die "$what $dir is not writable (set $knob)"
    rm -f "$probe"
}

# Checks that cost nothing, before node hours are spent.
ob_job_check() {
    OCCBENCH_BIN=${OCCBENCH_BIN:-$(command -v occbench || true)}
    [ -n "$OCCBENCH_BIN" ] && [ -x "$OCCBENCH_BIN" ] ||
        ob_job_die "occbench binary not found (set OCCBENCH_BIN or put occbench on PATH)"
    [ "${OB_NODES:-0}" -ge 1 ] 2>/dev/null ||
        ob_job_die "node count '${OB_NODES:-}' is not a positive integer (it comes from the batch system; outside one set OCCBENCH_NODES)"
    local cores
    cores=$(ob_job_cores)
    [ "${OB_RANKS_PER_NODE:-0}" -ge 1 ] 2>/dev/null ||
        ob_job_die "ranks per node '${OB_RANKS_PER_NODE:-}' is not a positive integer (set OCCBENCH_RANKS_PER_NODE)"
    [ "$OB_RANKS_PER_NODE" -le "$cores" ] ||
        ob_job_die "$OB_RANKS_PER_NODE ranks per node but this node has $cores physical cores (accepted: at most $cores, one rank per core; set OCCBENCH_RANKS_PER_NODE)"
    # mpirun inside a Slurm job starts only as many ranks as the allocation has task slots
    local slots
    slots=$(ob_job_slurm_slots)
    if [ "${OB_LAUNCHER_SLOTS:-}" = slurm ] && [ -n "$slots" ] && [ "$slots" -lt "$OB_RANKS_PER_NODE" ]; then
        ob_job_die "the Slurm allocation has $slots task slot(s) per node, $OB_RANKS_PER_NODE ranks need $OB_RANKS_PER_NODE (accepted: sbatch --exclusive --ntasks-per-node=$OB_RANKS_PER_NODE, or OCCBENCH_RANKS_PER_NODE=$slots)"
    fi
    # srun starts a task per CPU of the allocation at most
    local cpus=${SLURM_CPUS_ON_NODE:-}
    if [ "${OB_LAUNCHER_SLOTS:-}" = srun ] && [ -n "$cpus" ] && [ "$cpus" -lt "$OB_RANKS_PER_NODE" ]; then
        ob_job_die "the Slurm allocation has $cpus CPU(s) on this node, $OB_RANKS_PER_NODE ranks need $OB_RANKS_PER_NODE (accepted: sbatch --exclusive, or OCCBENCH_RANKS_PER_NODE=$cpus)"
    fi
    if [ -n "${OCCBENCH_RESUME:-}" ]; then
        case "$OCCBENCH_RESUME" in
            *-local.h5) ;;
            *) ob_job_die "OCCBENCH_RESUME=$OCCBENCH_RESUME is not the -local.h5 file of an earlier job (accepted: the SITE-JOB-local.h5 path that job printed)" ;;
        esac
        [ -f "$OCCBENCH_RESUME" ] || ob_job_die "OCCBENCH_RESUME=$OCCBENCH_RESUME: no such file (accepted: the SITE-JOB-local.h5 path an earlier job printed)"
    fi
    ob_job_writable_dir "output directory" "$OCCBENCH_OUTPUT_DIR" OCCBENCH_OUTPUT_DIR
    ob_job_writable_dir "node-local I/O directory" "$OCCBENCH_IO_LOCAL" OCCBENCH_IO_LOCAL
    ob_job_writable_dir "shared I/O directory" "$OCCBENCH_IO_SHARED" OCCBENCH_IO_SHARED
}

ob_job_defaults() {
    OCCBENCH_SITE=${OCCBENCH_SITE:-${SLURM_CLUSTER_NAME:-$(hostname -s 2>/dev/null || hostname)}}
    OCCBENCH_OUTPUT_DIR=${OCCBENCH_OUTPUT_DIR:-$PWD/results}
    OCCBENCH_IO_LOCAL=${OCCBENCH_IO_LOCAL:-${TMPDIR:-/tmp}}
    OCCBENCH_IO_SHARED=${OCCBENCH_IO_SHARED:-$OCCBENCH_OUTPUT_DIR/io}
    OCCBENCH_PRESET=${OCCBENCH_PRESET:-lsst}
    OCCBENCH_WINDOW=${OCCBENCH_WINDOW:-20s}
}

# The results file of run TAG: a new one, or with OCCBENCH_RESUME the earlier job's.
ob_job_output() {
    local tag=$1
    if [ -n "${OCCBENCH_RESUME:-}" ]; then
        echo "${OCCBENCH_RESUME%-local.h5}-${tag}.h5"
    else
        echo "$OCCBENCH_OUTPUT_DIR/${OCCBENCH_SITE}-${OB_JOB_ID:-manual}-${tag}.h5"
    fi
}

# Runs the launcher in the background so that a SIGTERM to this script is
# passed on at once (bash runs traps only between commands); its output goes
# to this job's log and to LOG. Returns the launcher's status.
ob_job_run_forwarding() {
    local log=$1
    shift
    : >>"$log"
    OB_LOG_START=$(($(stat -c %s "$log") + 1)) # a resumed run appends to its file's log
    "$@" >>"$log" 2>&1 &
    local pid=$! rc=0
    tail -c +"$OB_LOG_START" --pid="$pid" -f "$log" &
    local tailer=$!
    trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
    while :; do
        rc=0
        wait "$pid" || rc=$?
        kill -0 "$pid" 2>/dev/null || break # wait was interrupted by a trapped signal
    done
    trap - TERM INT
    wait "$tailer" 2>/dev/null || true
    return "$rc"
}

# ob_job_launch TAG IO_DIR [occbench args...]
ob_job_launch() {
    local tag=$1 io=$2
    shift 2
    local out
    out=$(ob_job_output "$tag")
    local target=(--output "$out")
    [ -e "$out" ] && [ -n "${OCCBENCH_RESUME:-}" ] && target=(--resume "$out")
    # shellcheck disable=SC2206
    local cmd=("${OB_LAUNCH[@]}" "$OCCBENCH_BIN" --site "$OCCBENCH_SITE" --preset "$OCCBENCH_PRESET"
               --window "$OCCBENCH_WINDOW" --io-dir "$io" "${target[@]}" "$@")
    echo "occbench-job: $(date -u +%FT%TZ) ${tag}: ${cmd[*]}"
    if [ "${OCCBENCH_DRY_RUN:-0}" = 1 ]; then
        echo "DRY RUN: ${cmd[*]}"
        return 0
    fi
    # The output is kept next to the results as well: mpirun, signalled
    # itself (SIGTERM at a time limit), forwards the signal to the ranks,
    # which finish the step's write and exit 3, but then exits 1 by Open MPI's
    # own convention; the ranks' line in the log tells the two apart.
    local rc=0 log="${out%.h5}.log"
    ob_job_run_forwarding "$log" "${cmd[@]}" || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] &&
        tail -c +"$OB_LOG_START" "$log" | grep -q "^occbench: interrupted by SIG"; then
        echo "occbench-job: ${tag}: the launcher exited $rc but the ranks were interrupted: status 3"
        rc=3
    fi
    local next="no results file was written"
    [ -e "$out" ] && next="to continue, resubmit with OCCBENCH_RESUME=$(ob_job_output local)"
    echo "occbench-job: ${tag} exited with status $rc (0 ok, 1 a step failed, 2 bad input, 3 interrupted: $next)"
    return $rc
}

# The words of OCCBENCH_ARGS without its --kernels (printed one per line),
# and in OB_USER_KERNELS the kernels it named (empty: none named).
ob_job_split_args() {
    OB_USER_KERNELS=""
    OB_OTHER_ARGS=()
    local words want_value=0 w
    # shellcheck disable=SC2206
    words=(${OCCBENCH_ARGS:-})
    for w in "${words[@]}"; do
        if [ "$want_value" = 1 ]; then
            OB_USER_KERNELS=$w
            want_value=0
        elif [ "$w" = --kernels ]; then
            want_value=1
        elif [ "${w#--kernels=}" != "$w" ]; then
            OB_USER_KERNELS=${w#--kernels=}
        else
            OB_OTHER_ARGS+=("$w")
        fi
    done
}

# The I/O kernels of the shared run: io,isr, or those of them OCCBENCH_ARGS named.
ob_job_shared_kernels() {
    [ -z "$OB_USER_KERNELS" ] && { echo io,isr; return; }
    local k out="" ks
    IFS=, read -r -a ks <<<"$OB_USER_KERNELS"
    for k in "${ks[@]}"; do
        case "$k" in io | isr) out="${out:+$out,}$k" ;; esac
    done
    echo "$out"
}

ob_job_main() {
    ob_job_defaults
    ob_job_check
    ob_job_launcher
    echo "occbench-job: site $OCCBENCH_SITE, $OB_NODES node(s) x $OB_RANKS_PER_NODE ranks, job ${OB_JOB_ID:-none} (${OB_BATCH:-no batch system})"
    echo "occbench-job: binary $OCCBENCH_BIN ($("$OCCBENCH_BIN" --version 2>/dev/null | head -n1))"
    ob_job_split_args
    # Run 1: every kernel (or OCCBENCH_ARGS' --kernels), I/O on the node-local disk.
    local user_kernels=()
    [ -n "$OB_USER_KERNELS" ] && user_kernels=(--kernels "$OB_USER_KERNELS")
    ob_job_launch local "$OCCBENCH_IO_LOCAL" "${user_kernels[@]}" "${OB_OTHER_ARGS[@]}" || return $?
    # Run 2: the I/O-bearing kernels again on the shared file system, where
    # datastore contention between nodes shows.
    local shared
    shared=$(ob_job_shared_kernels)
    if [ -z "$shared" ]; then
        echo "occbench-job: shared: skipped: OCCBENCH_ARGS --kernels $OB_USER_KERNELS has no I/O kernel (io, isr)"
        return 0
    fi
    ob_job_launch shared "$OCCBENCH_IO_SHARED" --kernels "$shared" "${OB_OTHER_ARGS[@]}" || return $?
}
