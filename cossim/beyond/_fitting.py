"""Shared plumbing of the training-time remedies: L-BFGS on packed parameters.

The models of :mod:`cossim.beyond.normalised_training`,
:mod:`cossim.beyond.negative_sampling` and :mod:`cossim.beyond.deep_model`
have a handful of parameter blocks (matrices and scalars). :func:`lbfgs`
packs them into one vector, runs SciPy's L-BFGS-B with analytic gradients and
unpacks the result.

BLAS threads: the evaluations are products of a few hundred thousand numbers,
where OpenBLAS's thread start-up and, on a shared machine, contention for the
cores cost more than the second thread gains (measured: one L-BFGS-B step on
10⁵ parameters took 38 ms with two threads and 5 ms with one on the book's
2-core build machine under load). :func:`lbfgs` therefore runs with one BLAS
thread (``threadpoolctl``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

__all__ = ["FitInfo", "lbfgs", "one_blas_thread", "pack", "unpack"]


class FitInfo(NamedTuple):
    """How an L-BFGS run ended.

    Attributes
    ----------
    objective : float
        Final objective value.
    n_iter : int
        Iterations taken.
    converged : bool
        Whether L-BFGS-B reported convergence (``ftol`` or ``gtol`` met).
    grad_norm : float
        Largest absolute entry of the final gradient.
    """

    objective: float
    n_iter: int
    converged: bool
    grad_norm: float


def one_blas_thread():
    """Context manager: run the enclosed BLAS/LAPACK calls on one thread (see the module docstring)."""
    return threadpool_limits(limits=1, user_api="blas")


def pack(blocks) -> np.ndarray:
    """Concatenate arrays (or floats) into one float64 vector."""
    return np.concatenate([np.ravel(np.asarray(b, dtype=np.float64)) for b in blocks])


def unpack(theta, shapes) -> list:
    """Inverse of :func:`pack`: a list of arrays of the given shapes (``()`` → float)."""
    out, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape)) if shape else 1
        piece = theta[start:start + size]
        out.append(float(piece[0]) if shape == () else piece.reshape(shape).copy())
        start += size
    return out


def lbfgs(value_and_grads: Callable, blocks, *, max_iter: int, tol: float = 1e-12,
          gtol: float = 1e-10) -> tuple[list, FitInfo]:
    """Minimise ``value_and_grads(*blocks) -> (value, [grad per block])`` by L-BFGS-B.

    Parameters
    ----------
    value_and_grads : callable
        Takes the parameter blocks (arrays, or floats for shape ``()``) and
        returns the objective and a list of gradients of the same shapes.
    blocks : list of array_like or float
        Starting values.
    max_iter : int
        Iteration limit.
    tol, gtol : float
        L-BFGS-B's ``ftol`` (relative decrease) and ``gtol`` (projected gradient).

    Returns
    -------
    (blocks, FitInfo)
    """
    shapes = [np.shape(b) for b in blocks]

    def fun(theta):
        value, grads = value_and_grads(*unpack(theta, shapes))
        return float(value), pack(grads)

    with one_blas_thread():
        res = scipy.optimize.minimize(fun, pack(blocks), jac=True, method="L-BFGS-B",
                                      options={"maxiter": int(max_iter), "ftol": float(tol),
                                               "gtol": float(gtol), "maxcor": 10})
    info = FitInfo(float(res.fun), int(res.nit), bool(res.success),
                   float(np.max(np.abs(res.jac))) if res.jac.size else 0.0)
    return unpack(res.x, shapes), info
