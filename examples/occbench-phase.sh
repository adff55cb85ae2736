# occbench phase marks for shell jobs: source this file, then
#     occbench_phase begin NAME [compute|io]
#     ...
#     occbench_phase end NAME
# Outside occbench (OCCBENCH_PHASE_FD unset) the marks do nothing, so a job
# script runs unchanged on its own.
occbench_phase() {
    [ -n "${OCCBENCH_PHASE_FD:-}" ] || return 0
    case "$1" in
    begin) printf 'begin %s %s\n' "$2" "${3:-compute}" >&"$OCCBENCH_PHASE_FD" ;;
    end) printf 'end %s\n' "$2" >&"$OCCBENCH_PHASE_FD" ;;
    *) echo "occbench_phase: begin NAME [compute|io] or end NAME" >&2; return 2 ;;
    esac
}
