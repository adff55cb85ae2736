#!/usr/bin/env bash
# Bad input: one line on rank 0 naming the bad value, exit status 2, no
# rank deadlocks (timeout), and no file created or changed.
source "$(dirname "$0")/common.sh"

# expect_usage_error NEEDLE RANKS ARGS...: a case, run in the background (a
# refused launch spends most of its 1.5 s waiting for mpirun, so four run at
# once); its failure goes to $TMP/failures, which settle reports. A --resume
# runs alone: two resumes of one file are refused for each other's claim.
cases=0
expect_usage_error() {
    local needle=$1 n=$2
    shift 2
    local alone=0 a
    for a in "$@"; do [ "$a" = --resume ] && alone=1; done
    [ "$alone" = 0 ] || wait
    cases=$((cases + 1))
    local out="$TMP/out.$cases" err="$TMP/err.$cases"
    (
        rc=0
        timeout 120 mpirun --oversubscribe --bind-to none -n "$n" "$OCCBENCH" "$@" \
            >"$out" 2>"$err" || rc=$?
        lines=$(grep -c '^occbench:' "$err")
        why=""
        if [ "$rc" -ne 2 ]; then why="exited $rc, expected 2"
        elif ! grep -q -- "$needle" "$err"; then why="message lacks '$needle'"
        elif [ "$lines" -ne 1 ]; then why="$lines error lines, expected 1 (rank 0 only)"
        fi
        [ -z "$why" ] || { echo "'$*': $why"; cat "$err"; } >>"$TMP/failures"
    ) &
    [ "$alone" = 0 ] || wait
    while [ "$(jobs -rp | wc -l)" -ge 4 ]; do wait -n; done
}
# Wait for the cases started so far; fail naming every one that failed.
settle() {
    wait
    [ ! -s "$TMP/failures" ] || { cat "$TMP/failures"; fail "usage errors not as expected (above)"; }
}

out="$TMP/new.h5"
common=(--preset ci --kernels freq --window 0.1 --min-reps 1)
expect_usage_error "--bogus" 2 --bogus
OCCBENCH_DATA_DIR=/nonexistent expect_usage_error "OCCBENCH_DATA_DIR=/nonexistent: No such file" 2 \
    "${common[@]}" --output "$out"
settle
[ ! -e "$out" ] || fail "a bad OCCBENCH_DATA_DIR created the results file"
echo 'pack:100000 core:100000 pu:1' >"$TMP/huge.synthetic"
expect_usage_error "1e+10 PUs (accepted: a machine of at most" 2 --topology "$TMP/huge.synthetic" \
    --dry-run
expect_usage_error "nosuch" 2 --kernels nosuch
expect_usage_error "huge" 2 --preset huge
expect_usage_error "diagonal" 2 --placement diagonal
expect_usage_error "'0'" 2 --occupancy 0
expect_usage_error "'-1'" 2 --occupancy -1
expect_usage_error "'x'" 2 --occupancy x
expect_usage_error "3 is above the 2 rank" 2 "${common[@]}" --occupancy 3 --output "$out"
expect_usage_error "/nonexistent-dir" 2 "${common[@]}" --output /nonexistent-dir/r.h5
expect_usage_error "/proc" 2 "${common[@]}" --output /proc/r.h5
expect_usage_error "--io-dir /nonexistent" 2 "${common[@]}" --io-dir /nonexistent --output "$out"
expect_usage_error "unknown metric 'bogus'" 2 "${common[@]}" --events bogus=X --output "$out"
expect_usage_error "events cycles=bogus::NOSUCH: not countable here" 2 "${common[@]}" \
    --events cycles=bogus::NOSUCH --output "$out"
: > "$TMP/plainfile"
expect_usage_error "io-dir $TMP/plainfile: not a directory" 2 "${common[@]}" --io-dir "$TMP/plainfile" \
    --output "$out"
# kernel options: checked against the kernel's declarations before anything exists
expect_usage_error "--kopt grid.style=bogus: one of es,ddf" 2 --preset ci --kernels grid \
    --kopt grid.style=bogus --output "$out"
expect_usage_error "grid has no option 'nope'" 2 --kernels grid --kopt grid.nope=1 --output "$out"
expect_usage_error "kernel grid is not in --kernels" 2 "${common[@]}" --kopt grid.style=ddf \
    --output "$out"
expect_usage_error "wstack=1 needs style=es" 2 --preset ci --kernels grid --kopt grid.style=ddf \
    --kopt grid.wstack=1 --output "$out"
OCCBENCH_GRID_EPS=huge expect_usage_error "OCCBENCH_GRID_EPS=huge (fallback of --kopt grid.eps)" \
    2 --preset ci --kernels grid --output "$out"
# list syntax: duplicates, empty elements, a trailing comma, a negative zero
expect_usage_error "1 given twice" 2 "${common[@]}" --occupancy 1,1 --output "$out"
expect_usage_error "'freq,,': an empty element" 2 "${common[@]}" --kernels freq,, --output "$out"
expect_usage_error "'1,2,': an empty element" 2 "${common[@]}" --occupancy 1,2, --output "$out"
expect_usage_error "--events ',': an empty element" 2 "${common[@]}" --events , --output "$out"
expect_usage_error "'-0' is not a valid duration" 2 "${common[@]}" --window -0 --output "$out"
# a directory as --output: say so (--force would only refuse again)
mkdir -p "$TMP/outdir"
expect_usage_error "--output $TMP/outdir is a directory" 2 "${common[@]}" --output "$TMP/outdir"
expect_usage_error "--output $TMP/outdir is a directory" 2 "${common[@]}" --force --output "$TMP/outdir"
# --dry-run creates nothing but still checks what it can without the node
expect_usage_error "--events ',': an empty element" 1 --dry-run --events ,
expect_usage_error "io-dir $TMP/plainfile: not a directory" 1 --dry-run --io-dir "$TMP/plainfile"
settle
[ ! -e "$out" ] || fail "a failed start created $out"

# an existing file is neither overwritten without --force nor resumed from another config
timeout 120 mpirun --oversubscribe -n 2 "$OCCBENCH" "${common[@]}" --occupancy 1 --output "$out" \
    >/dev/null 2>&1 || fail "the reference run failed"
sum=$(sha256sum "$out")
expect_usage_error "exists" 2 "${common[@]}" --occupancy 1 --output "$out"
expect_usage_error "occupancy" 2 "${common[@]}" --occupancy 1,2 --resume "$out"
# what /system records of the launch may not change on resume either
expect_usage_error "config differs at 'io_dir'" 2 "${common[@]}" --occupancy 1 --io-dir "$TMP" \
    --resume "$out"
expect_usage_error "config differs at 'site': file has '', now 'other'" 2 "${common[@]}" \
    --occupancy 1 --site other --resume "$out"
expect_usage_error "config differs at 'probe_seconds'" 2 "${common[@]}" --occupancy 1 \
    --probe-seconds 0.02 --resume "$out"
expect_usage_error "config differs at 'sample_period'" 2 "${common[@]}" --occupancy 1 \
    --sample-period 0.25 --resume "$out"
printf 'not hdf5' >"$TMP/junk.h5"
expect_usage_error "junk.h5" 2 "${common[@]}" --resume "$TMP/junk.h5"
settle
[ "$(sha256sum "$out")" = "$sum" ] || fail "a refused start changed $out"

# a resume with other kernel options is refused, naming the option; the
# step groups name the options they ran with
kopt_out="$TMP/kopt.h5"
grid_run=(--preset ci --kernels grid --window 0.1 --min-reps 1 --occupancy 1 --placement compact)
timeout 120 mpirun --oversubscribe -n 2 "$OCCBENCH" "${grid_run[@]}" --kopt grid.style=ddf \
    --output "$kopt_out" >/dev/null 2>&1 || fail "the --kopt run failed"
h5dump -a /steps/grid/compact/k0001/kernel_options "$kopt_out" |
    grep -q '"style=ddf;eps=1e-05;wstack=0;wproj=0"' || fail "step lacks its kernel_options"
h5dump -a /steps/grid/compact/k0001/plan "$kopt_out" | grep -q 'ddf W=7' ||
    fail "step lacks its plan description"
sum=$(sha256sum "$kopt_out")
expect_usage_error "config differs at 'kopt.grid.style': file has 'ddf', now 'es'" 2 \
    "${grid_run[@]}" --kopt grid.style=es --resume "$kopt_out"
OCCBENCH_GRID_STYLE=es expect_usage_error "config differs at 'kopt.grid.style'" 2 \
    "${grid_run[@]}" --resume "$kopt_out"
settle
[ "$(sha256sum "$kopt_out")" = "$sum" ] || fail "a refused resume changed $kopt_out"

# a preset whose footprint x ranks per node exceeds the node's memory
expect_usage_error "available on this node" 16 --preset lsst --kernels isr --occupancy 16 \
    --output "$TMP/mem.h5"
settle
[ ! -e "$TMP/mem.h5" ] || fail "the memory check created a file"
echo "bad input: OK"
