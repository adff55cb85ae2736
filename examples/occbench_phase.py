"""occbench phase marks for Python jobs.

    from occbench_phase import phase
    with phase("read", "io"):
        data = load(...)
    with phase("fit"):
        model = fit(data)

Outside occbench (OCCBENCH_PHASE_FD unset) the marks do nothing, so the job
runs unchanged on its own. The marks are one line each on the pipe occbench
passes (kernels/job/job_marks.h has the format).
"""
import contextlib
import os

_FD = os.environ.get("OCCBENCH_PHASE_FD")


def mark(line):
    if _FD is not None:
        os.write(int(_FD), (line + "\n").encode())


@contextlib.contextmanager
def phase(name, kind="compute"):
    """A phase of the job: 'compute' or 'io' (datastore time)."""
    mark("begin %s %s" % (name, kind))
    try:
        yield
    finally:
        mark("end %s" % name)
