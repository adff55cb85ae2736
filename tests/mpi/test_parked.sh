#!/usr/bin/env bash
# Parked ranks sleep: with k=1 of 2 ranks for a 3 s window, the parked rank
# (its whole process, MPI threads included) uses under 5% of a core.
source "$(dirname "$0")/common.sh"

out="$TMP/parked.h5"
ob_mpirun 2 --preset ci --kernels triad,freq --placement compact --occupancy 1 --window 3 \
    --output "$out" >"$TMP/log" 2>&1 || { cat "$TMP/log"; fail "occbench exited $?"; }
"$CHECK" "$out" --max-parked-cpu 0.05 --print-parked || fail "parked ranks used too much CPU"
