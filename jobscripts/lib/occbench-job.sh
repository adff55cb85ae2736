# occbench job logic shared by every batch system's script (sourced).
#
# A wrapper sets OB_LAUNCH (the launcher command as an array, without the
# occbench arguments), OB_NODES and OB_RANKS_PER_NODE, then calls
# ob_job_main. Everything a site changes is an environment variable:
#
#   OCCBENCH_BIN         occbench binary (default: `occbench` on PATH)
#   OCCBENCH_SITE        site label stored in the file (default: cluster name or host)
#   OCCBENCH_OUTPUT_DIR  where results go: a shared, persistent file system (default: $PWD/results)
#   OCCBENCH_IO_LOCAL    node-local directory for the I/O kernels (default: $TMPDIR or /tmp)
#   OCCBENCH_IO_SHARED   shared file-system directory for the second I/O run (default: OUTPUT_DIR/io)
#   OCCBENCH_PRESET      ci | small | lsst (default lsst: production-representative)
#   OCCBENCH_WINDOW      measuring time per step (default 20s)
#   OCCBENCH_ARGS        extra occbench options
#   OCCBENCH_DRY_RUN=1   check, print the launch lines, launch nothing
#
# Binding is left to occbench: it binds each active rank to the core its
# placement gives, before the kernel allocates. A launcher that binds too
# (srun's default, mpirun --bind-to core) would pin ranks to other cores
# than occbench chooses, so every script turns launcher binding off.

ob_job_die() {
    echo "occbench-job: $*" >&2
    exit 1
}

# Physical cores of this node (one rank per core is the normal launch).
ob_job_cores() {
    local n
    n=$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l)
    [ "${n:-0}" -gt 0 ] && echo "$n" || nproc
}

ob_job_writable_dir() {
    local what=$1 dir=$2
    mkdir -p "$dir" 2>/dev/null || true
    [ -d "$dir" ] || ob_job_die "$what $dir does not exist and cannot be created"
    local probe="$dir/.occbench-write-test.$$"
    (: >"$probe") 2>/dev/null || ob_job_die "$what $dir is not writable"
    rm -f "$probe"
}

# Checks that cost nothing, before node hours are spent.
ob_job_check() {
    OCCBENCH_BIN=${OCCBENCH_BIN:-$(command -v occbench || true)}
    [ -n "$OCCBENCH_BIN" ] && [ -x "$OCCBENCH_BIN" ] ||
        ob_job_die "occbench binary not found (set OCCBENCH_BIN or put occbench on PATH)"
    [ "${OB_NODES:-0}" -ge 1 ] 2>/dev/null || ob_job_die "node count '${OB_NODES:-}' is not a positive integer"
    local cores
    cores=$(ob_job_cores)
    [ "${OB_RANKS_PER_NODE:-0}" -ge 1 ] 2>/dev/null ||
        ob_job_die "ranks per node '${OB_RANKS_PER_NODE:-}' is not a positive integer"
    [ "$OB_RANKS_PER_NODE" -le "$cores" ] ||
        ob_job_die "$OB_RANKS_PER_NODE ranks per node but this node has $cores physical cores (accepted: at most $cores, one rank per core)"
    ob_job_writable_dir "output directory" "$OCCBENCH_OUTPUT_DIR"
    ob_job_writable_dir "node-local I/O directory" "$OCCBENCH_IO_LOCAL"
    ob_job_writable_dir "shared I/O directory" "$OCCBENCH_IO_SHARED"
}

ob_job_defaults() {
    OCCBENCH_SITE=${OCCBENCH_SITE:-${SLURM_CLUSTER_NAME:-$(hostname -s 2>/dev/null || hostname)}}
    OCCBENCH_OUTPUT_DIR=${OCCBENCH_OUTPUT_DIR:-$PWD/results}
    OCCBENCH_IO_LOCAL=${OCCBENCH_IO_LOCAL:-${TMPDIR:-/tmp}}
    OCCBENCH_IO_SHARED=${OCCBENCH_IO_SHARED:-$OCCBENCH_OUTPUT_DIR/io}
    OCCBENCH_PRESET=${OCCBENCH_PRESET:-lsst}
    OCCBENCH_WINDOW=${OCCBENCH_WINDOW:-20s}
}

# ob_job_launch TAG IO_DIR [occbench args...]
ob_job_launch() {
    local tag=$1 io=$2
    shift 2
    local out="$OCCBENCH_OUTPUT_DIR/${OCCBENCH_SITE}-${OB_JOB_ID:-manual}-${tag}.h5"
    # shellcheck disable=SC2206
    local cmd=("${OB_LAUNCH[@]}" "$OCCBENCH_BIN" --site "$OCCBENCH_SITE" --preset "$OCCBENCH_PRESET"
               --window "$OCCBENCH_WINDOW" --io-dir "$io" --output "$out" "$@" ${OCCBENCH_ARGS:-})
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
    if "${cmd[@]}" 2>&1 | tee -a "$log"; then rc=0; else rc=${PIPESTATUS[0]}; fi
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && grep -q "^occbench: interrupted by SIG" "$log"; then
        echo "occbench-job: ${tag}: the launcher exited $rc but the ranks were interrupted: status 3"
        rc=3
    fi
    echo "occbench-job: ${tag} exited with status $rc (0 ok, 1 a step failed, 3 interrupted: rerun with --resume $out)"
    return $rc
}

ob_job_main() {
    ob_job_defaults
    ob_job_check
    echo "occbench-job: site $OCCBENCH_SITE, $OB_NODES node(s) x $OB_RANKS_PER_NODE ranks, job ${OB_JOB_ID:-none} (${OB_BATCH:-no batch system})"
    echo "occbench-job: binary $OCCBENCH_BIN ($("$OCCBENCH_BIN" --version 2>/dev/null | head -n1))"
    # Run 1: every kernel, I/O on the node-local disk.
    ob_job_launch local "$OCCBENCH_IO_LOCAL" || return $?
    # Run 2: the I/O-bearing kernels again on the shared file system, where
    # datastore contention between nodes shows.
    ob_job_launch shared "$OCCBENCH_IO_SHARED" --kernels io,isr || return $?
}
