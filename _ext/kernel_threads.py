"""Sphinx extension: the kernels that execute the chapters use one BLAS/OpenMP thread each.

Why: on a machine that is busy with other work, multi-threaded OpenBLAS slows down 10–20
times (its threads wait for each other while other processes hold the cores): issue 16
reports a build of 19.5 minutes on a busy machine, and a build measured with two threads
per kernel executed the chapters in 701 s against 373 s with one (benchmarks/README.md).
MyST-NB starts
each chapter's kernel with the environment of the build, so setting the thread variables
here, before any kernel starts, reaches every kernel. A variable the user has set is kept.
The chapters' numbers do not depend on the thread count (tests/book/test_determinism.py
checks the pipeline at one and two threads), and the test suite executes them with one
thread too.
"""

from __future__ import annotations

import os

#: OpenBLAS, OpenMP (NumPy/SciPy builds that use it) and MKL read these at start-up.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread_unless_set(environ=os.environ) -> dict:
    """Set every unset thread variable of `environ` to "1"; return the ones this set."""
    added = {name: "1" for name in THREAD_VARIABLES if not environ.get(name)}
    environ.update(added)
    return added


def setup(app):
    one_thread_unless_set()
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
