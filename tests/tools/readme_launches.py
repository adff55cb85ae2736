#!/usr/bin/env python3
"""The README's launch lines, made runnable on a 2-core test machine.

Prints, one per line, every indented `mpirun ...` or `srun ...` command of
README.md (continuation lines joined) whose launcher is given, or with
--man every such line of a man page's EXAMPLES (its .nf blocks), rewritten
by these rules and no others, so that a test runs what the document tells a
user to type:

  - the rank count a 128-core node wants (`-n 128`, `--ntasks-per-node=128`)
    becomes --ranks (the cores of the test machine: one rank per core, as
    the README says);
  - each `--map FROM=TO` replaces a site path (/scratch/$USER) by a
    directory of the test;
  - each option of --defaults that the line does not set itself is added
    before the job separator ` -- ` (or at the end): a `ci` preset and short
    windows keep the run short; `--kernels` is added only to lines without a
    job (a line with a job and no --kernels runs the job alone).

A line that needs software the test machine cannot have (the LSST science
pipelines' `pipetask`) is not printed; it is named on stderr, with why, as
"skip: ...". Exit status 2 on a usage error.
"""
import argparse
import re
import shlex
import sys

NEEDS_SOFTWARE = {"pipetask": "needs the LSST science pipelines (pipetask)"}


def launch_lines(readme, launcher):
    lines, current = [], None
    for raw in open(readme, encoding="utf-8"):
        line = raw.rstrip("\n")
        if current is not None:
            current += " " + line.strip()
        elif line.startswith("    " + launcher + " "):
            current = line.strip()
        else:
            continue
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        lines.append(re.sub(r"\s+", " ", current))
        current = None
    return lines


def man_example_lines(page, launcher):
    lines, section, literal = [], None, False
    for raw in open(page, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.startswith(".SH "):
            section = line[4:].strip()
        elif line.startswith(".nf"):
            literal = True
        elif line.startswith(".fi"):
            literal = False
        elif section == "EXAMPLES" and literal:
            line = line.replace("\\-", "-")
            if line.startswith(launcher + " "):
                lines.append(line)
    return lines


def sets_option(words, option):
    return any(w == option or w.startswith(option + "=") for w in words)


def rewrite(line, ranks, maps, defaults):
    line = re.sub(r"(^| )-n 128( |$)", r"\1-n %d\2" % ranks, line)
    line = line.replace("--ntasks-per-node=128", "--ntasks-per-node=%d" % ranks)
    for old, new in maps:
        line = line.replace(old, new)
    head, sep, job = line.partition(" -- ")
    words = shlex.split(head)
    extra = []
    for opt in defaults:
        name = opt.split()[0]
        if sets_option(words, name):
            continue
        if name == "--kernels" and sep:
            continue
        extra.append(opt)
    head = " ".join([head] + extra)
    return head + sep + job


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("document")
    ap.add_argument("--man", action="store_true", help="the document is a man page")
    ap.add_argument("--launcher", required=True, choices=["mpirun", "srun"])
    ap.add_argument("--ranks", type=int, required=True)
    ap.add_argument("--map", action="append", default=[], metavar="FROM=TO")
    ap.add_argument("--default", action="append", default=[], metavar="'--option value'")
    args = ap.parse_args()
    maps = []
    for m in args.map:
        if "=" not in m:
            ap.error("--map %s: want FROM=TO" % m)
        maps.append(tuple(m.split("=", 1)))
    read = man_example_lines if args.man else launch_lines
    for line in read(args.document, args.launcher):
        why = next((w for word, w in NEEDS_SOFTWARE.items() if word in line.split()), None)
        if why:
            print("skip: %s (%s)" % (line, why), file=sys.stderr)
            continue
        print(rewrite(line, args.ranks, maps, args.default))


if __name__ == "__main__":
    main()
