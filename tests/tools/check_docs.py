#!/usr/bin/env python3
"""What docs/ARCHITECTURE.md and docs/CONVENTIONS.md say of the tree holds:
every repository path they name exists (a path in backquotes with a folder
and a file name, templates like <name> aside), and every OCCBENCH_ variable
the code reads is documented in a man page. Prints one line per broken
claim and exits 1, else what it checked."""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
DOCS = ["docs/ARCHITECTURE.md", "docs/CONVENTIONS.md"]
MANS = ["docs/man/occbench.1", "docs/man/occbench-analyze.1"]
TOP = ("include/", "common/", "kernels/", "driver/", "analysis/", "tests/", "bench/", "data/",
       "docs/", "jobscripts/", "scripts/", "cmake/")
PATH = re.compile(r"`([A-Za-z0-9_./-]+\.(?:c|h|inc|md|conf|sh|py|1|txt))`")
CODE_TREES = ["common", "kernels", "driver", "analysis", "jobscripts"]
ENV_READ = re.compile(r'getenv\("(OCCBENCH_[A-Z0-9_]+)"\)|\$\{?(OCCBENCH_[A-Z0-9_]+)')


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        return f.read()


def main():
    errors, paths = [], 0
    for doc in DOCS:
        for p in PATH.findall(read(doc)):
            if p.startswith(TOP) and "<" not in p:
                paths += 1
                if not os.path.exists(os.path.join(ROOT, p)):
                    errors.append(f"{doc} names {p}, which does not exist")
    man = "".join(read(m) for m in MANS)
    envs = set()
    for tree in CODE_TREES:
        for d, _, files in os.walk(os.path.join(ROOT, tree)):
            for f in files:
                text = read(os.path.relpath(os.path.join(d, f), ROOT))
                envs.update(a or b for a, b in ENV_READ.findall(text))
    for e in sorted(envs):
        if e not in man:
            errors.append(f"{e} is read by the code but in no man page's ENVIRONMENT or JOB SCRIPTS")
    for e in errors:
        print("docs: " + e)
    if not errors:
        print(f"docs: {paths} paths named in {', '.join(DOCS)} exist; "
              f"{len(envs)} OCCBENCH_ variables read by the code are in the man pages")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
