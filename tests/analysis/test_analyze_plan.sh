#!/bin/bash
# plan against hand-computed node-days, including a memory-limited task.
source "$(dirname "$0")/lib.sh"
cat > w.csv <<'CSV'
# hand-computed for cores=64, mem_gb=256, cpu_factor=1.5, linear scaling:
# isr:   min(64, floor(256/2))  = 64 (cores):  2.4e6*1.5/64/24 = 2343.75
# coadd: min(64, floor(256/16)) = 16 (memory): 0.96e6*1.5/16/24 = 3750
task,instances_millions,cpu_hours_millions,max_rss_gb
isr,1.0,2.4,2
coadd,0.01,0.96,16
CSV
"$A" plan --workload w.csv --node cores=64,mem_gb=256,cpu_factor=1.5 --format csv > p.csv || fail "plan exit $?"
expected='task,concurrency,limited_by,node_days
isr,64,cores,2343.75
coadd,16,memory,3750
TOTAL,,,6093.75'
[ "$(cat p.csv)" = "$expected" ] && ok "plan csv" || fail "plan csv: $(cat p.csv)"
"$A" plan --workload w.csv --node cores=64,mem_gb=256,cpu_factor=1.5 | grep -q "^TOTAL.*6093.75" \
    && ok "plan text" || fail "plan text"
# measured curve from a file: 8 cores, 32 GB; k=8 takes 2 s vs 1 s at k=1 -> efficiency 0.5,
# k=1..8 interpolated linearly: eff(4) = 1 - 3/7*0.5 = 0.785714
# small: rss 2 -> 8 (cores), 0.024e6/(8*0.5)/24 = 250
# big:   rss 8 -> 4 (memory), 0.024e6/(4*0.785714)/24 = 318.182
"$MK" node.h5 --cores 8 --mem-gb 32 --level k=1 --level k=8,ghz=1.5
printf 'task,instances_millions,cpu_hours_millions,max_rss_gb\nsmall,1,0.024,2\nbig,1,0.024,8\n' > w2.csv
"$A" plan --workload w2.csv --node node.h5 --kernel synth --format csv > p2.csv || fail "plan --node FILE exit"
v() { awk -F, -v t="$1" -v c="$2" '$1==t{print $c}' p2.csv; }
[ "$(v small 2),$(v small 3)" = "8,cores" ] && approx "$(v small 4)" 250 2.5 && ok "measured small" || fail "measured small: $(cat p2.csv)"
[ "$(v big 2),$(v big 3)" = "4,memory" ] && approx "$(v big 4)" 318.182 3.2 && ok "measured big" || fail "measured big: $(cat p2.csv)"
"$A" plan --workload w2.csv --node node.h5 --kernel synth --scaling linear --format csv | grep -q '^small,8,cores,125$' \
    && ok "scaling linear" || fail "scaling linear"
# --mem-gb overrides the file's memory: 16 GB -> big fits 2 (memory), eff(2) = 1 - 1/7*0.5
"$A" plan --workload w2.csv --node node.h5 --kernel synth --mem-gb 16 --format csv > p3.csv || fail "--mem-gb"
awk -F, '$1=="big"{exit !($2==2 && $3=="memory")}' p3.csv && ok "--mem-gb" || fail "--mem-gb: $(cat p3.csv)"
# the example workload plans
"$A" plan --workload "$SRC/examples/workload.csv" --node cores=128,mem_gb=512,cpu_factor=1 --format csv > ex.csv \
    && [ "$(tail -1 ex.csv | cut -d, -f1)" = TOTAL ] && ok "example workload" || fail "example workload"
# bad inputs: one line naming line and column, exit 2
printf 'task,instances_millions,cpu_hours_millions,max_rss_gb\nisr,1,2.4,2\ncoadd,0.01,oops,16\n' > bad.csv
"$A" plan --workload bad.csv --node cores=4,mem_gb=8 > /dev/null 2> bad.err; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < bad.err)" -eq 1 ] && grep -q "bad.csv:3: column 3 (cpu_hours_millions)" bad.err \
    && ok "malformed workload" || fail "malformed workload rc=$rc: $(cat bad.err)"
"$A" plan --workload w.csv --node cores=4,mem_gb=x > /dev/null 2> n.err; [ $? -eq 2 ] && grep -q mem_gb n.err && ok "bad node" || fail "bad node"
"$A" plan --workload w.csv --node node.h5 --kernel nope > /dev/null 2> k.err; [ $? -eq 2 ] && grep -q "kernel 'nope'" k.err && ok "missing kernel" || fail "missing kernel"
# memory per job from the file: max_rss_gb "measured" takes the median PSS of the kernel's
# ranks at its top k (1953125 KiB = 2.0 GB): small then fits 8 jobs (cores), as with 2 GB above
"$MK" pss.h5 --cores 8 --mem-gb 32 --level k=1 --level k=8,ghz=1.5 --pss-kb 1953125
printf 'task,instances_millions,cpu_hours_millions,max_rss_gb\nsmall,1,0.024,measured\n' > wm.csv
"$A" plan --workload wm.csv --node pss.h5 --kernel synth --format csv > pm.csv || fail "plan measured memory exit"
[ "$(awk -F, '$1=="small"{print $2","$3}' pm.csv)" = "8,cores" ] && ok "measured memory: 8 jobs" || fail "measured memory: $(cat pm.csv)"
"$A" plan --workload wm.csv --node pss.h5 --kernel synth | grep -q "memory per job measured: 2 GB (median PSS of synth at k=8)" \
    && ok "measured memory named" || fail "measured memory line"
"$MK" pss64.h5 --cores 8 --mem-gb 32 --level k=1 --level k=8,ghz=1.5 --pss-kb 7812500 # 8 GB
"$A" plan --workload wm.csv --node pss64.h5 --kernel synth --format csv | grep -q '^small,4,memory,' \
    && ok "measured 8 GB per job: memory-limited at 4" || fail "measured 8 GB"
"$MK" nopss.h5 --cores 8 --mem-gb 32 --level k=1 --level k=8
"$A" plan --workload wm.csv --node nopss.h5 --kernel synth > /dev/null 2> nopss.err; rc=$?
[ $rc -eq 2 ] && grep -q "max_rss_gb 'measured' needs --node FILE.h5 --kernel K whose file has PSS" nopss.err \
    && ok "no PSS in the file: refused" || fail "no PSS: rc=$rc $(cat nopss.err)"
"$A" plan --workload wm.csv --node cores=8,mem_gb=32 > /dev/null 2>&1; [ $? -eq 2 ] && ok "measured without a file: refused" || fail "measured without file"
# a measured efficiency above linear (k=1 slower than k=8: a disturbed baseline)
# is planned at linear, with one warning; 8 cores, rss 2 -> 8 jobs at efficiency 1
"$MK" fast.h5 --cores 8 --mem-gb 32 --level k=1,ghz=2 --level k=8,ghz=2.4 >/dev/null
"$A" plan --workload w2.csv --node fast.h5 --kernel synth --format csv > pf.csv 2> pf.err ||
    fail "plan above linear exit"
grep -q "efficiency 1.[0-9]* at k=8 is above linear.*planned at 1" pf.err && ok "above linear: warned" ||
    fail "no above-linear warning: $(cat pf.err)"
awk -F, '$1 == "small" { exit !($4 > 124.9 && $4 < 125.1) }' pf.csv && ok "above linear: planned at 1" ||
    fail "above linear planned as: $(cat pf.csv)"
# a measured memory per job the tasks do not use is said to be unused
"$A" plan --workload w2.csv --node pss.h5 --kernel synth | grep -q "memory per job measured: 2 GB .*not used" &&
    ok "unused measured memory said so" || fail "measured memory line without its use"
finish
