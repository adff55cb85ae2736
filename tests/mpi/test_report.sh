#!/usr/bin/env bash
# The report a site reads first, end to end: a real ladder of three kernels
# (isr with its many phases among them), `occbench-analyze plot`, then the
# page in a real headless browser (Debian's chromium):
#  - index.html opens with the overview: overview.svg first, one table row
#    and one sentence per kernel and placement, each kernel linked to its
#    section, and the lost shares adding up to 1 - efficiency;
#  - the phase plot of isr gets vertical labels (they overlapped);
#  - in chromium every image loads, the page logs nothing to the console,
#    and a screenshot is produced.
source "$(dirname "$0")/common.sh"
A="$BUILD/occbench-analyze"
command -v gnuplot >/dev/null || fail "gnuplot is missing (the Makefile installs gnuplot-nox)"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || fail "chromium is missing (the Makefile installs it)"

out="$TMP/run.h5"
ob_mpirun 2 --preset ci --kernels isr,freq,triad --occupancy 1,2 --window 0.3 --min-reps 2 \
    --io-dir "$TMP" --output "$out" >"$TMP/run.log" 2>&1 || { cat "$TMP/run.log"; fail "the run"; }
"$A" plot "$out" -o "$TMP/report" >"$TMP/plot.log" 2>&1 || { cat "$TMP/plot.log"; fail "plot"; }
html="$TMP/report/index.html"

echo "== the overview comes first"
first_img=$(grep -o '<img src="[^"]*"' "$html" | head -n1)
[ "$first_img" = '<img src="overview.svg"' ] || fail "the first figure is $first_img, not overview.svg"
[ "$(grep -n 'id="overview"' "$html" | cut -d: -f1)" -lt "$(grep -n 'id="kernel-' "$html" | head -n1 | cut -d: -f1)" ] ||
    fail "the overview is not above the kernel sections"
# 2 cores: spread gives the compact cores, its steps are linked and not repeated
rows=$(grep -c '^<tr><td></td><td><a href="#kernel-' "$html")
[ "$rows" -eq 3 ] || fail "overview table: $rows rows, expected 3 (3 kernels, spread linked)"
grep -q "3 spread placement(s) not repeated" "$html" || fail "the linked spread rows are not said"
for k in isr freq triad; do
    grep -q "id=\"kernel-$k\"" "$html" || fail "no section for kernel $k"
    grep -Eq "<li>$k \\(compact\\): [0-9.]+ of linear at 2 ranks per node" "$html" ||
        fail "no sentence for $k compact"
    grep -q "<li>$k (spread)" "$html" && fail "a linked spread sentence for $k"
done
# lost shares add up to 1 - efficiency on every row (to the table's rounding)
awk -F'</td><td>' '/^<tr><td><\/td><td><a href="#kernel-/ {
    eff = $6; sum = 0
    for (i = 8; i <= 12; i++) { v = $i; gsub(/<[^>]*>|%/, "", v); if (v != "&ndash;") sum += v }
    if ($8 ~ /ndash/) next  # no split measured: nothing to add up
    d = (1 - eff) * 100 - sum; if (d < 0) d = -d
    if (d > 0.3) { print "row does not add up: " $0; bad = 1 }
} END { exit bad }' "$html" || fail "the overview's shares do not add up to 1 - efficiency"
xmllint --noout "$TMP/report/overview.svg" || fail "overview.svg is not XML"
grep -q ">lost: clock<" "$TMP/report/overview.svg" &&
    grep -q ">throughput (efficiency, less gains)<" "$TMP/report/overview.svg" ||
    fail "overview.svg lacks its series"
# no bar passes the linear line unless its throughput did: above zero each bar
# (green + losses) is 1 - (the gains drawn below zero) ... = exactly 1 where
# shares are given, the efficiency alone where not
dat=$(sed -n "s/^plot '\([^']*\)'.*/\1/p" "$TMP/report/overview.gp" | head -n1)
[ -s "$TMP/report/$dat" ] || fail "no overview data file ($dat)"
awk '{ top = 0; for (i = NF - 10; i <= NF - 5; i++) top += $i
       eff = $(NF - 10); for (i = NF - 4; i <= NF; i++) eff -= $i
       if (top > 1 + 1e-6 && eff <= 1) { print "bar to " top " at efficiency " eff; bad = 1 } }
     END { exit bad }' "$TMP/report/$dat" || fail "an overview bar passes the linear line"
# the validate verdict, with its failing rules, before the overview
v=$(grep -n 'class="verdict"' "$html" | head -n1 | cut -d: -f1)
o=$(grep -n '<img src="overview.svg"' "$html" | cut -d: -f1)
[ -n "$v" ] && [ "$v" -lt "$o" ] || fail "no validate verdict above the overview"
grep -q 'NOT REPORTABLE</strong> (occbench-analyze validate: [0-9]* of 13 rules failed)' "$html" &&
    grep -q "<li>production_preset: preset ci" "$html" ||
    fail "the verdict does not name the failing rules: $(grep -A3 verdict "$html")"

echo "== the isr phase plot: vertical labels"
svg=$(ls "$TMP"/report/phases_*_isr_compact.svg)
# gnuplot's "rotate by -90" is SVG's rotate(90): one per bar label (18 phases x 2 levels)
vertical=$(grep -Ec 'rotate\((-?90|270)\)' "$svg")
[ "$vertical" -ge 30 ] || fail "isr phase labels are not vertical in $svg ($vertical rotated)"

echo "== in a real browser"
cat >"$TMP/report/check.html" <<'EOF'
<!DOCTYPE html><html><body><iframe id="f" src="index.html" width="1280" height="900"></iframe>
<pre id="result">not loaded</pre>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, imgs = d ? d.images : [], ok = 0, bad = [];
  for (var i = 0; i < imgs.length; i++)
    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; else bad.push(imgs[i].getAttribute('src'));
  document.getElementById('result').textContent =
      d ? 'images ' + imgs.length + ' loaded ' + ok + ' broken:' + bad.join(' ') : 'no access';
};
</script></body></html>
EOF
chrome=("$browser" --headless --no-sandbox --disable-gpu --allow-file-access-from-files
    --enable-logging=stderr --v=0 --virtual-time-budget=20000)
timeout 120 "${chrome[@]}" --dump-dom "file://$TMP/report/check.html" >"$TMP/dom.html" 2>"$TMP/chrome.err" ||
    { tail -5 "$TMP/chrome.err"; fail "chromium failed"; }
nimg=$(grep -o '<img ' "$html" | wc -l)
result=$(sed -n 's/.*<pre id="result">\(.*\)<\/pre>.*/\1/p' "$TMP/dom.html")
echo "$result"
[ "$result" = "images $nimg loaded $nimg broken:" ] || fail "in chromium: $result (index.html has $nimg images)"
! grep "CONSOLE" "$TMP/chrome.err" | grep -q "index.html" ||
    fail "console messages: $(grep CONSOLE "$TMP/chrome.err" | head -3)"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --window-size=1280,1600 \
    --screenshot="$TMP/report/screenshot.png" "file://$html" >/dev/null 2>&1 || fail "no screenshot"
head -c 8 "$TMP/report/screenshot.png" | grep -q PNG || fail "the screenshot is not a PNG"
[ "$(stat -c %s "$TMP/report/screenshot.png")" -gt 20000 ] || fail "the screenshot is nearly empty"
echo "report: OK ($nimg figures load; screenshot $(stat -c %s "$TMP/report/screenshot.png") bytes)"
