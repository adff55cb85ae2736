#!/usr/bin/env python3
"""--help, the man page and the code name the same options.

occbench: the options driver/run/options.c accepts (its strcmp literals and
its list of options with a value), those `occbench --help` lists (lines that
start with an option), and those docs/man/occbench.1 documents in OPTIONS
and YOUR OWN JOB (each .TP's first line) must be one set.
occbench-analyze, per verb: the options its source compares (the verb's own
file, and the shared --format/--boot/--min-reps its row of the verb table in
analysis/main.c accepts), those its usage line in `occbench-analyze --help`
shows, and those its SYNOPSIS line in docs/man/occbench-analyze.1 shows.
Usage: check_help_man.py SRC_DIR OCCBENCH_HELP_FILE ANALYZE_HELP_FILE
Prints one line per disagreement and exits 1, or one summary line."""
import re
import sys

OPT = r"--[a-z][a-z0-9-]*"


def roff_text(s):
    """Groff source to plain text: \\- is -, font escapes go."""
    return re.sub(r"\\f[BIRP]", "", s.replace("\\-", "-"))


def occbench_code(src):
    text = open(f"{src}/driver/run/options.c").read()
    opts = set(re.findall(r'strcmp\([^,()]+,\s*"(' + OPT + r')"\)', text))
    block = re.search(r"valued_options\[\]\s*=\s*\{(.*?)\};", text, re.S)
    opts |= set(re.findall(r'"(' + OPT + r')"', block.group(1)))
    return opts


def occbench_help(path):
    opts = set()
    for line in open(path):
        m = re.match(r"  (--[a-z].*?)(?:  |$)", line)
        if m:  # "  --help, --version" lists two
            opts |= set(re.findall(OPT, m.group(1)))
    return opts


def occbench_man(src):
    text = open(f"{src}/docs/man/occbench.1").read()
    # OPTIONS, and YOUR OWN JOB for the job's options
    section = "".join(re.search(r"^\.SH " + name + r"\n(.*?)^\.SH ", text, re.S | re.M).group(1)
                      for name in ("OPTIONS", "YOUR OWN JOB"))
    opts = set()
    lines = section.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines):
            opts |= set(re.findall(OPT, roff_text(lines[i + 1])))
    return opts


SHARED = {"AN_SHARED_FORMAT": "--format", "AN_SHARED_BOOT": "--boot",
          "AN_SHARED_MIN_REPS": "--min-reps"}
VERB_FILES = {"summary": "summary_verb.c", "compare": "compare.c", "plan": "plan.c",
              "validate": "validate.c", "plot": "plot.c", "calibrate": "calibrate.c"}


def analyze_code(src):
    table = open(f"{src}/analysis/main.c").read()
    verbs = {}
    for verb, flags in re.findall(r'\{"([a-z]+)",\s*(?:"[^"]*"\s*)+,\s*([A-Z_| 0]+),\s*an_cmd_',
                                  table):
        text = open(f"{src}/analysis/{VERB_FILES[verb]}").read()
        opts = set(re.findall(r'strcmp\([^,()]+,\s*"(' + OPT + r')"\)', text))
        opts |= {SHARED[f.strip()] for f in flags.split("|") if f.strip() in SHARED}
        verbs[verb] = opts
    return verbs


def analyze_help(path):
    verbs = {}
    for line in open(path):
        m = re.match(r"  ([a-z]+) (.*)", line)
        if m:  # what follows three spaces is a remark: "(a file of occbench --calibrate)"
            verbs[m.group(1)] = set(re.findall(OPT, m.group(2).split("   ")[0]))
    return verbs


def analyze_man(src):
    text = roff_text(open(f"{src}/docs/man/occbench-analyze.1").read())
    synopsis = re.search(r"^\.SH SYNOPSIS\n(.*?)^\.SH ", text, re.S | re.M).group(1)
    verbs = {}
    for part in synopsis.split(".br\n"):
        m = re.match(r"\.B occbench-analyze ([a-z]+)", part)
        if m:
            verbs[m.group(1)] = set(re.findall(OPT, part))
    return verbs


def main():
    src, occ_help, an_help = sys.argv[1:4]
    bad = []
    code, helped, man = occbench_code(src), occbench_help(occ_help), occbench_man(src)
    for name, got in (("occbench --help", helped), ("occbench(1) OPTIONS", man)):
        for o in sorted(code - got):
            bad.append(f"occbench accepts {o}, {name} does not list it")
        for o in sorted(got - code):
            bad.append(f"{name} lists {o}, occbench does not accept it")
    acode, ahelp, aman = analyze_code(src), analyze_help(an_help), analyze_man(src)
    for verb, opts in sorted(acode.items()):
        for name, table in (("occbench-analyze --help", ahelp),
                            ("occbench-analyze(1) SYNOPSIS", aman)):
            got = table.get(verb)
            if got is None:
                bad.append(f"{name} has no line for the verb {verb}")
                continue
            for o in sorted(opts - got):
                bad.append(f"occbench-analyze {verb} accepts {o}, {name} does not show it")
            for o in sorted(got - opts):
                bad.append(f"{name} shows {o} for {verb}, the verb does not accept it")
    for line in bad:
        print(line)
    if bad:
        return 1
    nverbs = len(acode)
    print(f"help and man: occbench's {len(code)} options and occbench-analyze's {nverbs} verbs "
          f"agree in the code, --help and the man pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
