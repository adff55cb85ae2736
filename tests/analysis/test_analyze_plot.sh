#!/bin/bash
# plot: every SVG parses as XML and carries its series; index.html refers
# only to files that exist; without gnuplot the tables are still written.
source "$(dirname "$0")/lib.sh"
"$MK" a.h5 --site siteA --placements compact,spread --phases compute,write \
    --level k=1 --level k=2,ghz=2.5,gcycles=3.3,llc=2 --level k=4,ghz=2,gcycles=3.9,blocked=0.2,llc=4
"$MK" b.h5 --site siteB --no-counters --level k=1 --level k=8,ghz=2.2,gcycles=3.6
if command -v gnuplot > /dev/null; then
    "$A" plot a.h5 b.h5 -o out > plot.log 2>&1 || fail "plot exit $?: $(cat plot.log)"
    nsvg=$(ls out/*.svg | wc -l)
    [ "$nsvg" -ge 8 ] && ok "$nsvg figures" || fail "only $nsvg SVG files"
    for f in out/*.svg; do
        xmllint --noout "$f" 2>/dev/null && ok "$f is XML" || fail "$f does not parse as XML"
        [ -s "${f%.svg}.png" ] && head -c 8 "${f%.svg}.png" | grep -q PNG && ok "${f%.svg}.png" || fail "no PNG for $f"
    done
    # expected series (gnuplot writes key titles as SVG text)
    has() { grep -q ">$2<" "out/$1.svg" && ok "$1 has '$2'" || fail "$1 lacks series '$2'"; }
    has throughput_synth "siteA compact"
    has throughput_synth "linear siteA compact"
    has throughput_synth "siteB compact"
    has throughput_synth "siteA spread"
    has efficiency_synth "siteB compact"
    has efficiency_synth "knee bound (90%)"
    has clock_synth "siteA spread"
    for t in clock cycles blocked scheduler other_offcpu; do has decomposition_siteA_synth_compact "$t"; done
    has phases_siteA_synth_compact blocked
    has cycles_vs_llc "siteA synth compact"
    has monitor_siteA "node0 util_parked"
    has cores_siteA_node0 "per-CPU busy"
    # index.html: every referenced file exists
    refs=$(grep -o '\(src\|href\)="[^"]*"' out/index.html | sed 's/.*="\(.*\)"/\1/' | sort -u)
    [ -n "$refs" ] || fail "index.html references nothing"
    for r in $refs; do
        case "$r" in
            '#'*) grep -q "id=\"${r#\#}\"" out/index.html && ok "index.html -> $r" || fail "no anchor for $r" ;;
            *) [ -f "out/$r" ] && ok "index.html -> $r" || fail "index.html refers to missing $r" ;;
        esac
    done
    grep -q '<img src="overview.svg"' out/index.html && ok "the overview figure" || fail "no overview figure"
    grep -q "summary tables" out/index.html && grep -q "clock (power/TDP throttling)" out/index.html \
        && ok "tables in index.html" || fail "no tables in index.html"
    xmllint --html --noout out/index.html 2>/dev/null && ok "index.html parses" || fail "index.html does not parse"
else
    echo "gnuplot not installed: checking the tables-only path only"
fi
# the overview's table and sentences: shares of linear on one basis, and none
# where the slowdown is noise (analysis/shares.c), saying why
"$MK" noise.h5 --noise 0.2 --level k=1 --level k=2
OCCBENCH_GNUPLOT=/nonexistent/gnuplot "$A" plot noise.h5 a.h5 -o shares >/dev/null 2>&1 ||
    fail "plot of the noise file"
grep -q "no significant slowdown: its 95% interval includes zero" shares/index.html &&
    ok "the overview says the noise slowdown has no shares" || fail "no note for the noise file"
grep "<li>synthetic: synth" shares/index.html | grep -q "lost (of linear)\|above linear" &&
    fail "the noise file's sentence gives shares or calls it above linear"
grep -q "siteA.*lost (of linear): [0-9.]*% " shares/index.html &&
    ok "siteA's sentence gives shares of linear, as the table" || fail "siteA's sentence"
# without gnuplot: says so, exit 0, still writes the tables
OCCBENCH_GNUPLOT=/nonexistent/gnuplot "$A" plot a.h5 -o bare > bare.log 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "gnuplot not found" bare.log && ok "says gnuplot is missing" || fail "no-gnuplot rc=$rc: $(cat bare.log)"
[ -s bare/summary.csv ] && [ -s bare/summary.txt ] && [ -s bare/index.html ] && ok "tables written" || fail "tables missing without gnuplot"
[ "$(ls bare/*.svg 2>/dev/null | wc -l)" -eq 0 ] && ok "no figures claimed" || fail "SVGs without gnuplot?"
finish
