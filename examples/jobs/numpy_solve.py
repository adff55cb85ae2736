"""A Python job with phases, for occbench ... -- python3 examples/jobs/numpy_solve.py [N]:
builds a random N x N system (default 400), solves it with numpy and checks the
residual; exits 1 when the solution is wrong. Runs on its own too."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from occbench_phase import phase  # noqa: E402

import numpy as np  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
rng = np.random.default_rng(int(os.environ.get("OCCBENCH_RANK", "0")))
with phase("build"):
    a = rng.standard_normal((n, n)) + n * np.eye(n)
    b = rng.standard_normal(n)
with phase("solve"):
    x = np.linalg.solve(a, b)
with phase("check"):
    residual = np.linalg.norm(a @ x - b) / np.linalg.norm(b)
if not residual < 1e-10:
    print("residual %.3g" % residual, file=sys.stderr)
    sys.exit(1)
