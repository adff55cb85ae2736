#!/usr/bin/env bash
# The options the code accepts, --help lists and the man pages document are
# one set, for occbench and for each verb of occbench-analyze
# (tests/tools/check_help_man.py says which disagree).
source "$(dirname "$0")/common.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OCCBENCH_DATA_DIR="$SRC/data"
"$BUILD/occbench" --help >"$TMP/occbench.help" 2>&1 || fail "occbench --help exited $?"
"$BUILD/occbench-analyze" --help >"$TMP/analyze.help" 2>&1 || fail "occbench-analyze --help exited $?"
python3 "$SRC/tests/tools/check_help_man.py" "$SRC" "$TMP/occbench.help" "$TMP/analyze.help" ||
    fail "--help, the man pages and the code disagree (above)"
