"""Numerical checks of the closed forms: generic optimisers and restricted optima.

The closed forms of Sections 2.2 and 2.3 (:func:`cossim.fit_eq1`,
:func:`cossim.fit_eq2`) are derived analytically; this module provides what
is needed to check them without the derivation:

* :func:`minimize_eq1` / :func:`minimize_eq2`: L-BFGS (SciPy) on A and B from
  a random start, using the analytic gradients of :mod:`cossim.models`;
* :func:`eq1_optimal_value`: the closed-form minimum of Eq. (1) for a set of
  kept singular directions, ``‖X‖² − Σ_{i∈S} σ_i⁴/(σ_i² + λ)``;
* :func:`eq1_value_on_subspace`: the minimum of Eq. (1) when the item factor
  B is confined to a given k-dimensional subspace (a ridge regression), so
  that random subspaces can be compared with the top-k singular subspace.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.optimize

from .._validation import (
    InvalidValue,
    as_factor,
    as_matrix,
    check_int,
    check_lambda,
    check_rank,
    check_real,
    check_vector,
)
from ..linalg.gram import gram_matrix
from .models import Factors, gradient_eq1, gradient_eq2, objective_eq1, objective_eq2, squared_norm

__all__ = [
    "OptimizationResult",
    "minimize_eq1",
    "minimize_eq2",
    "eq1_optimal_value",
    "eq1_value_on_subspace",
    "gram_matrix",
]


class OptimizationResult(NamedTuple):
    """Result of :func:`minimize_eq1` / :func:`minimize_eq2`.

    Attributes
    ----------
    factors : Factors
        The (A, B) found.
    value : float
        Objective value at `factors`.
    grad_norm : float
        Largest absolute entry of the gradient at `factors`.
    n_iter : int
        L-BFGS iterations used.
    """

    factors: Factors
    value: float
    grad_norm: float
    n_iter: int


def _minimize(objective, gradient, X, k, lam, seed, init_scale, maxiter, gtol):
    """SciPy's L-BFGS-B (30 correction pairs, ``ftol = 0``: it stops on `gtol` or `maxiter`) on
    ``z = (A, B)`` row-major, from ``init_scale · default_rng(seed).standard_normal(2pk)``."""
    X = as_matrix(X, "X")
    p = X.shape[1]
    k = check_rank(k, p)
    lam = check_lambda(lam)
    maxiter = check_int(maxiter, "maxiter", 1)
    init_scale = check_real(init_scale, "init_scale", 0, low_open=True)
    gtol = check_real(gtol, "gtol", 0)
    rng = np.random.default_rng(seed)
    x0 = init_scale * rng.standard_normal(2 * p * k)

    def split(z):
        return z[: p * k].reshape(p, k), z[p * k:].reshape(p, k)

    def fun(z):
        A, B = split(z)
        gA, gB = gradient(X, A, B, lam)
        return objective(X, A, B, lam), np.concatenate([gA.ravel(), gB.ravel()])

    res = scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B",
                                  options={"maxiter": maxiter, "gtol": gtol, "ftol": 0.0,
                                           "maxcor": 30})
    A, B = split(res.x)
    gA, gB = gradient(X, A, B, lam)
    grad = float(max(np.abs(gA).max(), np.abs(gB).max()))
    return OptimizationResult(Factors(A, B), float(objective(X, A, B, lam)), grad, int(res.nit))


def minimize_eq1(X, k: int, lam, *, seed: int = 0, init_scale: float = 0.1,
                 maxiter: int = 20000, gtol: float = 1e-10) -> OptimizationResult:
    """Minimise Eq. (1) ``‖X − XABᵀ‖² + λ‖ABᵀ‖²`` numerically from a random start.

    Knows nothing of the SVD: a check on the closed form of §2.2. Which member
    of the Eq. (3) family it lands on depends on the start (`seed`).
    """
    return _minimize(objective_eq1, gradient_eq1, X, k, lam, seed, init_scale, maxiter, gtol)


def minimize_eq2(X, k: int, lam, *, seed: int = 0, init_scale: float = 0.1,
                 maxiter: int = 20000, gtol: float = 1e-10) -> OptimizationResult:
    """Minimise Eq. (2) ``‖X − XABᵀ‖² + λ(‖XA‖² + ‖B‖²)`` numerically from a random start.

    A check on Eq. (6) of §2.3; the optimum is unique up to a rotation.
    """
    return _minimize(objective_eq2, gradient_eq2, X, k, lam, seed, init_scale, maxiter, gtol)


def eq1_optimal_value(X, sigma, lam, keep=None, *, squared_norm_x=None) -> float:
    """Closed-form minimum of Eq. (1) when the singular directions `keep` are used.

    Each kept direction i contributes ``λσ_i²/(σ_i² + λ)`` (the minimum of the
    scalar problem ``σ²(1 − w)² + λw²``), each dropped one ``σ_i²``; so the
    value is ``‖X‖²_F − Σ_{i∈keep} σ_i⁴/(σ_i² + λ)``.

    Parameters
    ----------
    X : array_like or sparse, shape (n, p)
        Only ``‖X‖²_F`` is used.
    sigma : array_like
        Singular values of X (any subset that contains the kept ones).
    lam : float
    keep : array_like of int, optional
        Indices into `sigma` of the kept directions (default: all of `sigma`).
    squared_norm_x : float, optional
        ``‖X‖²_F`` when the caller has it already, e.g. for many subsets of one
        X (Chapter 2.2's competing subspaces); X is then not read at all.
    """
    if squared_norm_x is None:
        x2 = squared_norm(as_matrix(X, "X"))
    else:
        x2 = check_real(squared_norm_x, "squared_norm_x", 0)
    lam = check_lambda(lam)
    s = check_vector(sigma, "sigma", min_size=0, low=0)
    idx = np.arange(s.size) if keep is None else np.asarray(keep)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer) \
            or np.any(idx < 0) or np.any(idx >= s.size) or np.unique(idx).size != idx.size:
        raise InvalidValue("keep must hold distinct integer indices into sigma")
    s2 = s[idx] ** 2
    gain = np.zeros_like(s2)
    pos = s2 > 0
    gain[pos] = s2[pos] ** 2 / (s2[pos] + lam)
    return x2 - float(gain.sum())


def eq1_value_on_subspace(X, Q, lam, *, gram=None) -> float:
    """Minimum of Eq. (1) over A when B = Q, a p × k matrix with orthonormal columns.

    Every rank-k ``W = ABᵀ`` whose row space is span(Q) can be written as
    ``A Qᵀ``; then ``‖AQᵀ‖ = ‖A‖`` and the problem is the ridge regression
    ``min_A ‖XQ − XA‖² + λ‖A‖²`` plus the constant ``‖X(I − QQᵀ)‖²``, solved by
    ``A = (G + λI)⁻¹ G Q`` with ``G = XᵀX``. Minimising this over all Q gives
    the rank-k optimum of Eq. (1); the top-k right singular vectors attain it.

    Parameters
    ----------
    X : array_like or sparse, shape (n, p)
    Q : ndarray, shape (p, k)
        Orthonormal columns.
    lam : float
        λ > 0 (λ = 0 is allowed if XᵀX is invertible).
    gram : ndarray, shape (p, p), optional
        Precomputed ``XᵀX`` (see :func:`gram_matrix`), to reuse across many Q.

    Returns
    -------
    float
        The value, computed from G alone:
        ``tr(G) − 2 tr(QᵀGA) + tr(AᵀGA) + λ‖A‖²``.
    """
    X = as_matrix(X, "X")
    lam = check_lambda(lam)
    p = X.shape[1]
    Q = as_factor(Q, "Q", rows=p)
    if not np.allclose(Q.T @ Q, np.eye(Q.shape[1]), atol=1e-8):
        raise InvalidValue("Q must have orthonormal columns")
    if gram is None:
        G = gram_matrix(X)
    else:
        G = as_factor(gram, "gram", rows=p, cols=p)
    GQ = G @ Q
    try:
        A = np.linalg.solve(G + lam * np.eye(p), GQ)
    except np.linalg.LinAlgError:
        raise InvalidValue("XᵀX + λI is singular; use lam > 0") from None
    GA = G @ A
    value = np.trace(G) - 2.0 * np.sum(GQ * A) + np.sum(A * GA) + lam * np.sum(A * A)
    return float(max(value, 0.0))
