#!/bin/sh
# A job with phases, for occbench ... -- sh examples/jobs/xz-roundtrip.sh:
# write 16 MiB of text to the I/O directory (io), compress it with xz
# (compute), decompress and compare (compute), remove the files. Runs on its
# own too (the marks then do nothing).
set -e
. "$(dirname "$0")/../occbench-phase.sh"
f="${OCCBENCH_IO_DIR:-/tmp}/xz-roundtrip.${OCCBENCH_RANK:-0}"
trap 'rm -f "$f" "$f.xz"' EXIT
occbench_phase begin write io
seq 1 2000000 >"$f"
sync "$f" 2>/dev/null || sync
occbench_phase end write
occbench_phase begin compress
xz -1 -T1 -k -f "$f"
occbench_phase end compress
occbench_phase begin verify
xz -dc "$f.xz" | cmp - "$f"
occbench_phase end verify
