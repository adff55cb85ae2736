#!/usr/bin/env bash
# Bad input: one line on rank 0 naming the bad value, exit status 2, no
# rank deadlocks (timeout), and no file created or changed.
source "$(dirname "$0")/common.sh"

# expect_usage_error NEEDLE RANKS ARGS...
expect_usage_error() {
    local needle=$1 n=$2
    shift 2
    local rc=0
    timeout 120 mpirun --oversubscribe --bind-to none -n "$n" "$OCCBENCH" "$@" \
        >"$TMP/out" 2>"$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || { cat "$TMP/err"; fail "'$*' exited $rc, expected 2"; }
    grep -q -- "$needle" "$TMP/err" || { cat "$TMP/err"; fail "'$*': message lacks '$needle'"; }
    local lines
    lines=$(grep -c '^occbench:' "$TMP/err")
    [ "$lines" -eq 1 ] || { cat "$TMP/err"; fail "'$*': $lines error lines, expected 1 (rank 0 only)"; }
}

out="$TMP/new.h5"
common=(--preset ci --kernels freq --window 0.1 --min-reps 1)
expect_usage_error "--bogus" 2 --bogus
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
[ ! -e "$out" ] || fail "a failed start created $out"

# an existing file is neither overwritten without --force nor resumed from another config
timeout 120 mpirun --oversubscribe -n 2 "$OCCBENCH" "${common[@]}" --occupancy 1 --output "$out" \
    >/dev/null 2>&1 || fail "the reference run failed"
sum=$(sha256sum "$out")
expect_usage_error "exists" 2 "${common[@]}" --occupancy 1 --output "$out"
expect_usage_error "occupancy" 2 "${common[@]}" --occupancy 1,2 --resume "$out"
printf 'not hdf5' >"$TMP/junk.h5"
expect_usage_error "junk.h5" 2 "${common[@]}" --resume "$TMP/junk.h5"
[ "$(sha256sum "$out")" = "$sum" ] || fail "a refused start changed $out"

# a preset whose footprint x ranks per node exceeds the node's memory
expect_usage_error "available on this node" 16 --preset lsst --kernels isr --occupancy 16 \
    --output "$TMP/mem.h5"
[ ! -e "$TMP/mem.h5" ] || fail "the memory check created a file"
echo "bad input: OK"
