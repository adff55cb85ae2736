#!/usr/bin/env python3
"""The layout rules of docs/ARCHITECTURE.md, checked on the source tree.

A module is a .c file and the header of the same name beside it (with its
private NAME_internal.h). Module A
depends on module B when A's .c or .h includes B's header. The rules:
  1. no circle among modules (nor among headers);
  2. a kernel family (kernels/FAMILY/) includes only its own headers, those of
     kernels/lib/, occbench/ and common/; kernels/lib/ neither a family nor
     the framework; no file under kernels/ but the framework includes
     kernels/framework.h;
  3. the driver's layers include only their own and lower ones (node,
     measure, record, run, then main.c); the driver reaches kernels/ only through kernels/framework.h (the public
     occbench/kernel.h aside); common/ and analysis/ include nothing of
     kernels/ or driver/;
  4. no two headers share a base name;
  5. every PAPI call is in driver/measure/papi_counters.c: no other file
     includes <papi.h>.
Prints one line per broken rule and exits 1, else prints what it checked.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
TREES = ["include", "common", "kernels", "driver", "analysis"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for tree in TREES:
        for d, _, files in os.walk(os.path.join(ROOT, tree)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), ROOT)


def resolve(src, inc):
    """Repository path of an include, or None for a system/generated header."""
    local = os.path.normpath(os.path.join(os.path.dirname(src), inc))
    for cand in (inc, os.path.join("include", inc), local):
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def includes_of(files):
    out = {}
    for f in files:
        with open(os.path.join(ROOT, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        out[f] = [r for r in (resolve(f, i) for i in INCLUDE.findall(text)) if r and r.endswith(".h")]
    return out


def find_cycle(graph):
    """One circle of the graph as a list of nodes, or None."""
    state = {}
    stack = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


DRIVER_LAYERS = ["node", "measure", "record", "run"]


def driver_layer(path):
    parts = path.split("/")
    if parts[0] != "driver":
        return None
    return DRIVER_LAYERS.index(parts[1]) if parts[1] in DRIVER_LAYERS else len(DRIVER_LAYERS)


def family(path):
    parts = path.split("/")
    if parts[0] != "kernels":
        return None
    return "framework" if len(parts) == 2 else parts[1]


def main():
    files = sorted(sources())
    incs = includes_of(files)
    errors = []

    headers = find_cycle({f: set(v) for f, v in incs.items() if f.endswith(".h")})
    if headers:
        errors.append("header circle: " + " -> ".join(headers))
    def module(path):
        stem = os.path.splitext(path)[0]
        return stem[:-len("_internal")] if stem.endswith("_internal") else stem

    modules = {}
    for f, v in incs.items():
        a = module(f)
        modules.setdefault(a, set()).update(module(h) for h in v if module(h) != a)
    circle = find_cycle(modules)
    if circle:
        errors.append("module circle: " + " -> ".join(circle))

    for f, v in incs.items():
        fam = family(f)
        top = f.split("/")[0]
        for h in v:
            hfam = family(h)
            if h == "kernels/framework.h" and top == "kernels" and fam != "framework":
                errors.append(f"{f}: includes {h}, which only the framework and harnesses may")
            elif fam == "lib" and hfam not in (None, "lib"):
                errors.append(f"{f}: kernels/lib includes {h} (lib serves families, uses none)")
            elif fam not in (None, "framework", "lib") and hfam not in (None, "lib", fam):
                errors.append(f"{f}: kernel family {fam} includes {h} of {hfam}")
            elif fam and h.startswith(("driver/", "analysis/")):
                errors.append(f"{f}: kernels include {h}")
            elif top == "driver" and hfam and h != "kernels/framework.h":
                errors.append(f"{f}: the driver includes {h} (only kernels/framework.h)")
            elif top == "driver" and h.startswith("driver/") and driver_layer(h) > driver_layer(f):
                errors.append(f"{f}: includes {h} of a higher driver layer")
            elif top in ("common", "analysis") and (hfam or h.startswith("driver/")):
                errors.append(f"{f}: {top}/ includes {h}")

    for f in files:
        with open(os.path.join(ROOT, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
            if f != "driver/measure/papi_counters.c" and re.search(r"#\s*include\s*<papi\.h>", text):
                errors.append(f"{f}: includes <papi.h> (PAPI is called in "
                              "driver/measure/papi_counters.c only)")

    seen = {}
    for f in files:
        if f.endswith(".h"):
            seen.setdefault(os.path.basename(f), []).append(f)
    for base, paths in sorted(seen.items()):
        if len(paths) > 1:
            errors.append(f"headers share the name {base}: {', '.join(paths)}")

    for e in errors:
        print("layout: " + e)
    if errors:
        return 1
    nh = sum(1 for f in files if f.endswith(".h"))
    print(f"layout: {len(files)} files, {nh} headers, {sum(map(len, incs.values()))} includes: "
          "no circle, kernel families apart, driver layers downward only, the driver through "
          "kernels/framework.h only, "
          "header names unique, PAPI in one file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
