#!/bin/bash
# A corpus of broken results files read with the child-process pre-check
# turned off (OCCBENCH_ANALYZE_NO_PRECHECK=1), so that a crash in the
# analyzer's own reading code cannot hide behind it; in the sanitizer build
# (make test-sanitize runs this test) ASan and UBSan abort on any bad access.
# Every file: summary and validate exit 0/2 (validate also 1), a 2 comes with
# exactly one line on stderr, and no sanitizer report.
# The corpus: empty, text, random bytes, a complete file truncated at ten
# points, single bit flips in the metadata, and gutted groups (links and
# datasets removed or replaced with h5py, as a damaged or hand-edited file).
source "$(dirname "$0")/lib.sh"
export OCCBENCH_ANALYZE_NO_PRECHECK=1
"$py" -c 'import h5py' 2>/dev/null || { fail "python3-h5py is missing (the Makefile installs it)"; finish; }

"$MK" good.h5 --placements compact,spread --phases compute,write --level k=1 --level k=2,ghz=2.5
size=$(stat -c %s good.h5)
mkdir corpus
: >corpus/empty.h5
echo "not a results file" >corpus/text.h5
head -c 8192 /dev/urandom >corpus/random.h5
for i in $(seq 1 10); do
    head -c $((size * i / 11)) good.h5 >"corpus/trunc_$i.h5"
done
# single bit flips: 48 in the first 4 KiB (superblock, root group, object
# headers), 16 anywhere; positions from a fixed LCG so every run reads the same corpus
awk -v size="$size" 'BEGIN { x = 12345
    for (i = 0; i < 64; i++) { x = (x * 1103515245 + 12345) % 2147483648
        lim = i < 48 ? (size < 4096 ? size : 4096) : size
        printf "%d %d\n", x % lim, int(x / 65536) % 8 } }' >flips.txt
n=0
while read -r pos bit; do
    n=$((n + 1))
    cp good.h5 "corpus/flip_$n.h5"
    byte=$(od -An -tu1 -j "$pos" -N1 good.h5 | tr -d ' ')
    printf "\\x$(printf %02x $((byte ^ (1 << bit))))" |
        dd of="corpus/flip_$n.h5" bs=1 seek="$pos" conv=notrunc status=none
done <flips.txt
"$py" - good.h5 corpus <<'EOF' || fail "building the gutted files"
import shutil, sys
import h5py, numpy as np

src, out = sys.argv[1], sys.argv[2]
with h5py.File(src, "r") as f:  # the first step group: steps/KERNEL/PLACEMENT/kNNNN
    kernel = sorted(f["steps"])[0]
    placement = sorted(f["steps"][kernel])[0]
    step = f"steps/{kernel}/{placement}/" + sorted(f["steps"][kernel][placement])[0]

def gutted(name, edit):
    path = f"{out}/gut_{name}.h5"
    shutil.copy(src, path)
    with h5py.File(path, "a") as f:
        edit(f)

def drop_root(f):
    for k in list(f.keys()):
        del f[k]

def only_schema(f):
    drop_root(f)
    for a in list(f.attrs):
        if a != "schema_version":
            del f.attrs[a]

def reps_as_ints(f):
    del f[step + "/reps"]
    f[step + "/reps"] = np.arange(10, dtype=np.int32)

def reps_as_text(f):
    del f[step + "/reps"]
    f[step].attrs["reps"] = "text"
    f[step + "/reps"] = np.array([b"a", b"b"])

def reps_empty(f):
    dt = f[step + "/reps"].dtype
    del f[step + "/reps"]
    f.create_dataset(step + "/reps", shape=(0,), dtype=dt)

def step_is_dataset(f):
    del f[step]
    f[step] = np.zeros(3)

def kernel_is_dataset(f):
    kernel = step.split("/")[1]
    del f["steps/" + kernel]
    f["steps/" + kernel] = np.zeros(3)

def k_attr_text(f):
    f[step].attrs["k"] = "many"

def k_attr_negative(f):
    f[step].attrs["k"] = -7

def system_is_dataset(f):
    del f["system"]
    f["system"] = np.zeros(2)

def steps_is_dataset(f):
    del f["steps"]
    f["steps"] = np.zeros(2)

def schema_text(f):
    f.attrs["schema_version"] = "one"

def monitor_wrong(f):
    for k in list(f["monitor"].keys()) if "monitor" in f else []:
        del f["monitor"][k]
        f["monitor"][k] = np.zeros((2, 2))

def counters_wrong(f):
    if "counters" in f:
        del f["counters"]
    f["counters"] = np.zeros(4)

edits = {
    "no_steps": lambda f: f.__delitem__("steps"),
    "no_system": lambda f: f.__delitem__("system"),
    "no_root_links": drop_root,
    "only_schema": only_schema,
    "no_reps": lambda f: f.__delitem__(step + "/reps"),
    "no_phases": lambda f: f.__delitem__(step + "/phases"),
    "reps_ints": reps_as_ints,
    "reps_text": reps_as_text,
    "reps_empty": reps_empty,
    "step_dataset": step_is_dataset,
    "kernel_dataset": kernel_is_dataset,
    "k_text": k_attr_text,
    "k_negative": k_attr_negative,
    "system_dataset": system_is_dataset,
    "steps_dataset": steps_is_dataset,
    "schema_text": schema_text,
    "monitor_wrong": monitor_wrong,
    "counters_wrong": counters_wrong,
}
for name, edit in edits.items():
    gutted(name, edit)
EOF

checked=0
for file in corpus/*.h5; do
    for verb in summary validate; do
        extra=()
        [ "$verb" = summary ] && extra=(--phases --boot 5)
        timeout 120 "$A" "$verb" "$file" "${extra[@]}" >out.txt 2>err.txt
        rc=$?
        checked=$((checked + 1))
        if grep -q -e "AddressSanitizer" -e "runtime error:" -e "LeakSanitizer" err.txt; then
            fail "$verb $file: sanitizer report: $(grep -m3 -e ERROR -e 'runtime error' -e '#[0-9] ' err.txt | head -c 600)"
        elif [ "$rc" -eq 2 ]; then
            [ "$(grep -vc '^warning:' err.txt)" -eq 1 ] ||
                fail "$verb $file: exit 2 with $(grep -vc '^warning:' err.txt) error lines: $(head -c 300 err.txt)"
        elif [ "$rc" -ne 0 ] && ! { [ "$verb" = validate ] && [ "$rc" -eq 1 ]; }; then
            fail "$verb $file: exit $rc: $(head -c 400 err.txt)"
        fi
    done
done
# the gutted files that lost what every occbench file has are refused, not "no finished steps"
for g in no_steps no_system no_root_links only_schema steps_dataset system_dataset; do
    "$A" summary "corpus/gut_$g.h5" >/dev/null 2>err.txt
    rc=$?
    [ "$rc" -eq 2 ] && grep -q "corrupted or not a results file" err.txt &&
        ok "gut_$g: $(cat err.txt)" || fail "gut_$g: exit $rc: $(cat err.txt)"
done
[ "$FAILS" -eq 0 ] && ok "$checked analyzer runs on $(ls corpus | wc -l) broken files: no crash, no sanitizer report"
finish
