# Shared helpers of the occbench-analyze CLI tests (sourced; $1 build dir, $2 source dir).
set -u
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
A=$BUILD/occbench-analyze
MK=$BUILD/tests/ob_mkfixture
TMP=$(mktemp -d /tmp/ob_analyze_test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
FAILS=0
# Debian's python3 (where python3-h5py is), not one a user put first in PATH
py=/usr/bin/python3
[ -x "$py" ] || py=python3

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
finish() { [ "$FAILS" -eq 0 ] && { echo "all passed"; exit 0; }; echo "$FAILS failure(s)"; exit 1; }

# csv_get FILE COLUMN KEYCOL=VALUE [KEYCOL=VALUE...]: the column's value on the first matching row.
csv_get() {
    local file=$1 col=$2; shift 2
    awk -F, -v col="$col" -v conds="$*" '
        NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; n = split(conds, c, " "); next }
        { okrow = 1
          for (j = 1; j <= n; j++) { split(c[j], kv, "="); if ($(idx[kv[1]]) != kv[2]) okrow = 0 }
          if (okrow) { print $(idx[col]); exit } }' "$file"
}

# approx GOT WANT TOL_ABS: |got - want| <= tol
approx() { awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && g != "nan" && d <= t) }'; }

# expect_term FILE K COLUMN WANT TOL [extra conditions]: checks one CSV value.
expect_col() {
    local file=$1 k=$2 col=$3 want=$4 tol=$5; shift 5
    local got
    got=$(csv_get "$file" "$col" "k=$k" "$@")
    if approx "$got" "$want" "$tol"; then ok "$file k=$k $col=$got (want $want)"; else fail "$file k=$k $col=$got, want $want +- $tol"; fi
}
