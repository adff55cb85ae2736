#!/usr/bin/env bash
# A results file from another site is untrusted input: names and labels made
# of script, markup, quotes with a gnuplot system() call, ../, a comma, a
# newline, ESC and BEL, and a 10 kB name, put through summary, compare (text
# and CSV) and plot. No script runs and no element is injected in the report
# (headless chromium, where installed), no file is written outside the
# output directory, gnuplot runs nothing, CSV rows keep their columns and no
# control byte reaches the terminal.
source "$(dirname "$0")/lib.sh"

pwned="$TMP/pwned"
site_script="<script>document.title='PWNED'</script>"
kernel_img='"><img src=x onerror=document.title="PWNED">'
site_gnuplot="x'); system('touch $pwned'); print('"
site_ctl=$(printf 'evil,site\nline2\033[31mred\007bell')
site_long=$(head -c 10000 /dev/zero | tr '\0' 'L')
"$MK" h1.h5 --site "$site_script" --kernel "$kernel_img" >/dev/null || fail "fixture 1"
"$MK" h2.h5 --site "$site_gnuplot" --kernel "a,b" >/dev/null || fail "fixture 2"
"$MK" h3.h5 --site "$site_ctl" >/dev/null || fail "fixture 3"
"$MK" h4.h5 --site "../../escape-$site_long" >/dev/null || fail "fixture 4"
files="h1.h5 h2.h5 h3.h5 h4.h5"

# terminal: no ESC, BEL or other control byte but newline
for verb in summary compare; do
    # shellcheck disable=SC2086
    "$A" $verb $files >"$verb.out" 2>"$verb.err" || fail "$verb of hostile files: exit $?"
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$verb.out" "$verb.err"; then
        fail "$verb lets a control byte through"
    else
        ok "$verb: no control byte reaches the terminal"
    fi
done

# CSV: every row has the header's columns (RFC 4180 quoting)
# shellcheck disable=SC2086
"$A" compare $files --format csv >compare.csv || fail "compare --format csv"
# shellcheck disable=SC2086
"$A" summary $files --format csv >summary.csv || fail "summary --format csv"
for csv in compare.csv summary.csv; do
    "$py" - "$csv" <<'PY' && ok "$csv: every row keeps its columns" || fail "$csv: a row lost its columns"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]
PY
done

# the report: escaped, nothing outside the directory, gnuplot ran nothing
mkdir -p out/report logs
before=$(find "$TMP" -maxdepth 1 | sort)
# shellcheck disable=SC2086
"$A" plot $files -o out/report >logs/plot.out 2>&1 || { cat logs/plot.out; fail "plot of hostile files"; }
after=$(find "$TMP" -maxdepth 1 | sort)
[ "$before" = "$after" ] && ok "plot wrote nothing beside its directory" || fail "plot wrote outside out/report"
[ -z "$(find "$TMP/out" -mindepth 1 -maxdepth 1 ! -name report)" ] || fail "plot wrote beside the report"
[ ! -e "$pwned" ] && ok "gnuplot ran no command from a name" || fail "gnuplot ran a command from a file"
html=out/report/index.html
if grep -q "<script>" "$html" || grep -q '<img src=x' "$html"; then
    fail "markup from a file reached index.html raw"
else
    ok "index.html: the file's markup is escaped"
fi
grep -q '&lt;script&gt;document.title' "$html" && ok "the hostile site is shown, escaped" ||
    fail "the hostile site is not shown"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$browser" ]; then
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
        --virtual-time-budget=5000 --dump-dom "file://$TMP/$html" >dom.html 2>chrome.err ||
        fail "chromium failed on the report"
    if grep -q '<title>PWNED' dom.html || grep -q '<img src="x"' dom.html; then
        fail "chromium: script ran or an element was injected"
    else
        ok "chromium: no script ran, no element injected"
    fi
    [ "$(grep -c '<script' dom.html)" -eq 0 ] || fail "chromium: a script element in the DOM"
else
    echo "SKIP: chromium not installed: the report is checked as text only"
fi
finish
