#!/usr/bin/env bash
# occbench --info names the libraries it runs with by their own versions:
# hwloc's library version (hwloc_runtime, as hwloc-info reports it) is not
# its API version (hwloc_runtime_api moves only when the API changes).
source "$(dirname "$0")/common.sh"
export OCCBENCH_DATA_DIR="$SRC/data" OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
info=$("$BUILD/occbench" --info 2>&1) || { echo "$info"; fail "occbench --info exited $?"; }
runtime=$(awk '$1 == "hwloc_runtime" { print $2 }' <<<"$info")
api=$(awk '$1 == "hwloc_runtime_api" { print $2 }' <<<"$info")
[ -n "$runtime" ] && [ -n "$api" ] || fail "--info lacks hwloc_runtime or hwloc_runtime_api"
# hwloc-info is built from the same package as the library occbench loads
command -v hwloc-info >/dev/null || fail "hwloc-info not installed (package hwloc)"
tool=$(hwloc-info --version | awk '{ print $NF }')
[ "$runtime" = "$tool" ] || fail "hwloc_runtime $runtime, hwloc-info says $tool"
echo "info: OK (hwloc library $runtime, API $api)"
