#!/bin/bash
# Bad input: each case exits 2 with one clear line (naming the file), no
# crash. Run by the sanitizer build too (ASan+UBSan abort would fail it).
source "$(dirname "$0")/lib.sh"
export OCCBENCH_ANALYZE_LOAD_TIMEOUT=20
"$MK" good.h5 --placements compact,spread --phases compute,write --level k=1 --level k=2,ghz=2.5
"$MK" goodv.h5 --vlen --placements compact,spread --phases compute,write --level k=1 --level k=2,ghz=2.5
head -c 8192 /dev/urandom > random.h5
echo "not a results file" > text.h5
: > empty.h5
head -c 3000 good.h5 > trunc_head.h5
head -c $(( $(stat -c %s good.h5) / 2 )) good.h5 > trunc_half.h5
head -c $(( $(stat -c %s good.h5) - 100 )) good.h5 > trunc_tail.h5
"$MK" newer.h5 --schema 99
"$MK" foreign.h5 --no-schema
"$MK" nowall.h5 --drop wall
"$MK" nocycles.h5 --drop cycles
expect2() { # expect2 NAME PATTERN CMD...
    local name=$1 pat=$2; shift 2
    "$@" > /dev/null 2> "$name.err"; local rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l < "$name.err")" -eq 1 ] && grep -q -- "$pat" "$name.err"; then
        ok "$name: $(cat "$name.err")"
    else
        fail "$name: rc=$rc, stderr: $(head -c 600 "$name.err")"
    fi
}
"$MK" negschema.h5 --schema -1
"$MK" zeroschema.h5 --schema 0
expect2 negschema "schema_version -1 is not a positive integer" "$A" summary negschema.h5
expect2 zeroschema "schema_version 0 is not a positive integer" "$A" validate zeroschema.h5
if "$py" -c 'import h5py' 2>/dev/null; then
    cp good.h5 nanschema.h5
    "$py" -c "import h5py; h5py.File('nanschema.h5','r+').attrs['schema_version'] = float('nan')"
    expect2 nanschema "schema_version nan is not a positive integer" "$A" compare nanschema.h5 good.h5
fi
for v in abc -1 0 1e3; do
    expect2 "timeout_$v" "OCCBENCH_ANALYZE_LOAD_TIMEOUT=$v is not valid" \
        env OCCBENCH_ANALYZE_LOAD_TIMEOUT="$v" "$A" summary good.h5
done
expect2 random "random.h5: not an HDF5 file" "$A" summary random.h5
expect2 text "text.h5: not an HDF5 file" "$A" summary text.h5
expect2 empty "empty.h5: not an HDF5 file" "$A" summary empty.h5
expect2 missing "nothere.h5: cannot open" "$A" summary nothere.h5
expect2 trunc_head "trunc_head.h5" "$A" summary trunc_head.h5
expect2 trunc_half "trunc_half.h5: .*truncated" "$A" summary trunc_half.h5
expect2 trunc_tail "trunc_tail.h5: .*truncated" "$A" summary trunc_tail.h5
expect2 newer "schema_version 99 is newer" "$A" summary newer.h5
expect2 foreign "not an occbench results file" "$A" summary foreign.h5
expect2 nowall "column 'wall' missing" "$A" summary nowall.h5
expect2 nocycles "column 'cycles' missing" "$A" validate nocycles.h5
expect2 kernel "kernel 'nope' is not in this file" "$A" summary good.h5 --kernel nope
expect2 format "--format 'xml'" "$A" summary good.h5 --format xml
expect2 verb "unknown verb 'frobnicate'" "$A" frobnicate
expect2 noverb "no verb given (accepted: summary" "$A"
expect2 version_extra "version takes no arguments (got 'x')" "$A" version x
expect2 help_extra "--help takes no arguments" "$A" --help x
expect2 validate_two "one results file at a time" "$A" validate good.h5 good.h5
"$A" --help | grep -q "^usage: occbench-analyze VERB" && ok "--help: the usage on stdout" ||
    fail "--help lacks the usage"
expect2 plot_rand "random.h5: not an HDF5 file" "$A" plot random.h5 -o out
expect2 compare_trunc "trunc_half.h5" "$A" compare good.h5 trunc_half.h5
# plan: each bad workload or --node names its own cause
H=task,instances_millions,cpu_hours_millions,max_rss_gb
NODE=cores=64,mem_gb=256,cpu_factor=1.5
printf '%s\nisr,1,2.4,2\n' "$H" >w_ok.csv
printf '%s,extra\nisr,1,2.4,2,9\n' "$H" >w_extra.csv
printf 'task,instances_millions,cpu_hours_millions\nisr,1,2.4\n' >w_missing.csv
printf '\xef\xbb\xbf%s\nisr,1,2.4,2\n' "$H" >w_bom.csv
printf '%s\nis\0r,1,2.4,2\n' "$H" >w_nul.csv
mkdir -p w_dir.csv
expect2 plan_extra "w_extra.csv:1: the header has 5 columns" "$A" plan --workload w_extra.csv --node $NODE
expect2 plan_missing "w_missing.csv:1: the header has 3 columns" "$A" plan --workload w_missing.csv --node $NODE
expect2 plan_bom "w_bom.csv:1: starts with a UTF-8 byte-order mark" "$A" plan --workload w_bom.csv --node $NODE
expect2 plan_nul "w_nul.csv:2: a NUL byte" "$A" plan --workload w_nul.csv --node $NODE
expect2 plan_dir "w_dir.csv: is a directory" "$A" plan --workload w_dir.csv --node $NODE
expect2 plan_nofile "--node nosuch.h5: No such file or directory" "$A" plan --workload w_ok.csv \
    --node nosuch.h5 --kernel synth
expect2 plan_dup "--node: cores given twice" "$A" plan --workload w_ok.csv --node cores=64,cores=8,mem_gb=256
expect2 plan_empty "an empty element" "$A" plan --workload w_ok.csv --node cores=64,,mem_gb=256
expect2 plan_trailing "an empty element" "$A" plan --workload w_ok.csv --node cores=64,mem_gb=256,
"$A" plan --workload w_ok.csv --node $NODE >/dev/null 2>&1 && ok "plan: the good workload still plans" ||
    fail "plan: the good workload"
# no complete flag at all: analysed (exit 0) with a warning
"$MK" noflag.h5 --no-complete --unfinished
"$A" summary noflag.h5 > /dev/null 2> noflag.err && grep -q "not marked complete" noflag.err \
    && ok "no complete flag: warning" || fail "no complete flag: $(cat noflag.err)"
# seeded corruption of real structure (bytes changed, tails cut): never a crash
for src in good.h5 goodv.h5; do
    size=$(stat -c %s "$src")
    for seed in $(seq 1 25); do
        cp "$src" fz.h5
        # change 1..24 bytes at positions drawn from $RANDOM seeded per case
        RANDOM=$seed
        for _ in $(seq 1 $((RANDOM % 24 + 1))); do
            pos=$(( (RANDOM * 32768 + RANDOM) % size ))
            printf "\\x$(printf %02x $((RANDOM % 256)))" | dd of=fz.h5 bs=1 seek=$pos conv=notrunc status=none
        done
        [ $((seed % 4)) -eq 0 ] && truncate -s $(( (RANDOM * 32768 + RANDOM) % size )) fz.h5
        "$A" summary fz.h5 --phases --boot 5 > /dev/null 2> fz.err; rc=$?
        if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
            cp fz.h5 "$BUILD/crash_${src%.h5}_$seed.h5"
            fail "$src seed $seed: rc=$rc (kept as $BUILD/crash_${src%.h5}_$seed.h5): $(head -c 400 fz.err)"
        elif [ $rc -eq 2 ] && [ "$(wc -l < fz.err)" -ne 1 ]; then
            fail "$src seed $seed: $(wc -l < fz.err) lines on stderr"
        fi
    done
done
[ "$FAILS" -eq 0 ] && ok "50 corrupted files: exit 0 or 2, no crash"
finish
