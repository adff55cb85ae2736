#!/usr/bin/env bash
# The layout of docs/ARCHITECTURE.md holds (tests/tools/check_layout.py: no
# include circle, kernel families apart, the driver through
# kernels/framework.h only, unique header names), and the checker and the
# framework header's guard refuse what they must.
source "$(dirname "$0")/common.sh"
CHECK="$SRC/tests/tools/check_layout.py"

python3 "$CHECK" "$SRC" || fail "the source tree breaks the layout rules"

# Each broken rule on a copy of the tree must be found.
broken() { # NAME FILE LINE EXPECTED: add LINE at the top of FILE, expect EXPECTED
    rm -rf "$TMP/tree" && mkdir "$TMP/tree"
    (cd "$SRC" && cp -r include common kernels driver analysis "$TMP/tree/")
    sed -i "1i $3" "$TMP/tree/$2"
    out=$(python3 "$CHECK" "$TMP/tree") && fail "$1: not found"
    grep -q -- "$4" <<<"$out" || fail "$1: said '$out', expected '$4'"
}
broken "kernel reaches the context" kernels/probes/triad.c '#include "kernels/framework.h"' \
    'only the framework and harnesses'
broken "family crosses" kernels/rubin/conv.c '#include "kernels/radio/gridder.h"' \
    'kernel family rubin includes kernels/radio/gridder.h'
broken "driver reaches a kernel" driver/run/step.c '#include "kernels/lib/datastore.h"' \
    'the driver includes kernels/lib/datastore.h'
broken "layer upward" driver/node/park.c '#include "driver/run/options.h"' 'of a higher driver layer'
broken "circle" driver/measure/metrics.h '#include "driver/measure/measure.h"' 'circle'
broken "PAPI outside its file" driver/record/provenance.c '#include <papi.h>' 'PAPI is called in'
cp "$SRC/kernels/probes/probes.h" "$TMP/tree/kernels/lib/probes.h"
python3 "$CHECK" "$TMP/tree" | grep -q 'headers share the name probes.h' || fail "twin header not found"

# The framework header stops a kernel at compile time.
printf '#include "kernels/framework.h"\n' >"$TMP/kernel.c"
cc -fsyntax-only -I"$SRC" -I"$SRC/include" "$TMP/kernel.c" 2>"$TMP/err" && fail "framework.h compiled in a kernel"
grep -q "kernels include occbench/kernel.h only" "$TMP/err" || fail "no guard message: $(cat "$TMP/err")"
cc -fsyntax-only -DOB_KERNEL_FRAMEWORK_SIDE -I"$SRC" -I"$SRC/include" "$TMP/kernel.c" ||
    fail "framework.h does not compile for the framework"
echo "layout: rules hold and each broken rule is found"

# The docs' claims about the tree (tests/tools/check_docs.py), and that the
# check finds a stale path and an undocumented variable.
python3 "$SRC/tests/tools/check_docs.py" "$SRC" || fail "docs and tree disagree"
rm -rf "$TMP/tree" && mkdir "$TMP/tree"
(cd "$SRC" && cp -r docs common kernels driver analysis jobscripts "$TMP/tree/")
echo 'See `driver/events.c`.' >>"$TMP/tree/docs/ARCHITECTURE.md"
printf 'static const char *x(void) { return getenv("OCCBENCH_NOT_DOCUMENTED"); }\n' >"$TMP/tree/common/x.c"
out=$(python3 "$SRC/tests/tools/check_docs.py" "$TMP/tree") && fail "stale docs not found"
grep -q 'names driver/events.c, which does not exist' <<<"$out" || fail "stale path: $out"
grep -q 'OCCBENCH_NOT_DOCUMENTED is read by the code' <<<"$out" || fail "undocumented variable: $out"
echo "docs: claims about the tree hold and a stale one is found"
