# Shared by the MPI tests: $1 = build dir, $2 = source dir.
set -u
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
OCCBENCH="$BUILD/occbench"
CHECK="$BUILD/tests/check_results"
export OCCBENCH_DATA_DIR="$SRC/data"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI's shared-memory transport wants a writable session dir; keep runs quiet.
export OMPI_MCA_rmaps_base_oversubscribe=1
export HDF5_USE_FILE_LOCKING=FALSE
# Debian's python3 (where python3-h5py is), not one a user put first in PATH
py=/usr/bin/python3
[ -x "$py" ] || py=python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/occbench-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# ob_mpirun N ARGS...: occbench on N ranks (oversubscribed on this small machine).
ob_mpirun() {
    local n=$1
    shift
    mpirun --oversubscribe --bind-to none -n "$n" "$OCCBENCH" "$@"
}
