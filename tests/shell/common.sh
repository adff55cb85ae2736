# Shared by the shell tests: $1 = build dir, $2 = source dir; a temporary
# directory removed at exit, and the one way a test fails.
set -u
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Debian's python3 (where python3-h5py is), not one a user put first in PATH
py=/usr/bin/python3
[ -x "$py" ] || py=python3
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
