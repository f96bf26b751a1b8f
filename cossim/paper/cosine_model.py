"""Remedy 1 of the paper's Section 3: a model trained with respect to cosine similarity.

:func:`fit_cosine_model` fits Eq. (1) with row-normalised factors: item j
feeds the prediction of item i with weight ``s · cos(A_j, B_i)``::

    min_{A, B, s}  ‖X − s·X Ω_A A (Ω_B B)ᵀ‖²_F + λ s² ‖Ω_A A (Ω_B B)ᵀ‖²_F

with the row normalisers Ω of Eq. (4). The loss sees the embeddings only
through their cosines, so a diagonal rescaling ``(AD, BD⁻¹)`` of Eq. (3)
changes the model (and the loss); it is no longer a free choice (except
D = cI, which changes no cosine). The loss depends on X only through
``XᵀX``, so each evaluation costs O(p²k) for any number of users.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.optimize

from .._validation import (
    InvalidType,
    InvalidValue,
    as_factor,
    as_matrix,
    check_gram_factors,
    check_int,
    check_lambda,
    check_rank,
    check_real,
)
from ..linalg.similarity import unit_rows

__all__ = ["CosineModel", "objective_cosine", "gradient_cosine", "fit_cosine_model"]


class CosineModel(NamedTuple):
    """A fitted cosine model ``X ≈ X · s Ω_A A (Ω_B B)ᵀ``.

    Attributes
    ----------
    A, B : ndarray, shape (p, k)
        Input (encoder) and output (decoder) item embeddings; only the
        direction of each row matters to the model.
    scale : float
        The scale s multiplying every cosine.
    lam : float
        The λ the model was fitted with.
    objective : float
        Final value of :func:`objective_cosine`.
    n_iter : int
        L-BFGS iterations used.
    converged : bool
        Whether L-BFGS reported convergence.
    """

    A: np.ndarray
    B: np.ndarray
    scale: float
    lam: float
    objective: float
    n_iter: int
    converged: bool


def _normalise_backward(G, En, inv):
    """Gradient through ``E → E/‖E‖``: ``(G − En ⟨En, G⟩) / ‖E‖`` per row."""
    return (G - En * np.einsum("ij,ij->i", En, G)[:, None]) * inv[:, None]


def _cosine_value_grad(G, A, B, scale, lam, trace_G):
    """Value of the cosine objective (from the Gram matrix) and its gradient."""
    An, inv_a = unit_rows(A)
    Bn, inv_b = unit_rows(B)
    GA = G @ An
    AtGA, AtA, BtB = An.T @ GA, An.T @ An, Bn.T @ Bn
    cross = float(np.sum(GA * Bn))  # tr(Anᵀ G Bn)
    quad = float(np.sum(AtGA * BtB)) + lam * float(np.sum(AtA * BtB))
    value = trace_G - 2.0 * scale * cross + scale**2 * quad
    gAn = -2.0 * scale * (G @ Bn) + 2.0 * scale**2 * (GA @ BtB + lam * (An @ BtB))
    gBn = -2.0 * scale * GA + 2.0 * scale**2 * (Bn @ AtGA + lam * (Bn @ AtA))
    gs = -2.0 * cross + 2.0 * scale * quad
    return value, _normalise_backward(gAn, An, inv_a), _normalise_backward(gBn, Bn, inv_b), gs, cross, quad


def objective_cosine(G, A, B, scale, lam) -> float:
    """Cosine objective: Eq. (1) with row-normalised factors and a scale s.

    ``‖X − s·X Ω_A A (Ω_B B)ᵀ‖²_F + λ s² ‖Ω_A A (Ω_B B)ᵀ‖²_F``, where Ω are
    the row normalisers of Eq. (4). The weight with which item j feeds the
    prediction of item i is ``s · cos(A_j, B_i)``: the model is built from
    cosine similarities of its embeddings (remedy 1 of the paper's §3). It
    depends on X only through ``G = XᵀX``::

        tr G − 2s tr(AₙᵀGBₙ) + s² tr(AₙᵀGAₙ BₙᵀBₙ) + λs² tr(AₙᵀAₙ BₙᵀBₙ)

    Parameters
    ----------
    G : ndarray, shape (p, p)
        Gram matrix ``XᵀX`` (:func:`cossim.gram_matrix`).
    A, B : ndarray, shape (p, k)
    scale : float
        s.
    lam : float
        λ ≥ 0, as in Eq. (1).
    """
    G, A, B = check_gram_factors(G, A, B)
    lam = check_lambda(lam)
    return _cosine_value_grad(G, A, B, check_real(scale, "scale"), lam, float(np.trace(G)))[0]


def gradient_cosine(G, A, B, scale, lam):
    """Analytic gradient of :func:`objective_cosine` with respect to A, B and s.

    Returns
    -------
    (dA, dB, ds) : (ndarray (p, k), ndarray (p, k), float)
        Zero rows of A or B get zero gradient (Ω leaves them at zero).
    """
    G, A, B = check_gram_factors(G, A, B)
    lam = check_lambda(lam)
    _, gA, gB, gs, _, _ = _cosine_value_grad(G, A, B, check_real(scale, "scale"), lam, float(np.trace(G)))
    return gA, gB, gs


def _initial_factors(p: int, k, init, seed):
    """Starting (A, B) of :func:`fit_cosine_model`: `init`, or Gaussian of rank `k`."""
    if init is None:
        if k is None:
            raise InvalidValue("k is required when init is not given")
        k = check_rank(k, p)
        rng = np.random.default_rng(seed)
        return rng.standard_normal((p, k)), rng.standard_normal((p, k))
    if not isinstance(init, tuple) or len(init) != 2:
        raise InvalidType("init must be a pair (A, B)")
    A0 = as_factor(init[0], "init[0]", rows=p)
    B0 = as_factor(init[1], "init[1]", rows=p, cols=A0.shape[1])
    if k is not None and check_rank(k, p) != A0.shape[1]:
        raise InvalidValue(f"k={k} does not match init with {A0.shape[1]} columns")
    return A0, B0


def fit_cosine_model(G, lam, k: int | None = None, *, init=None, max_iter: int = 1000,
                     tol: float = 1e-12, seed: int = 0) -> CosineModel:
    """Fit the cosine model (remedy 1 of §3) by L-BFGS with analytic gradients.

    Minimises :func:`objective_cosine` over A, B and the scale s. At every
    evaluation s could be set to its least-squares optimum ``s* = c/q`` (c the
    cross term, q the quadratic term); it is instead learned jointly, starting
    from that optimum for the initial factors.

    Parameters
    ----------
    G : ndarray, shape (p, p)
        Gram matrix ``XᵀX`` of the data (:func:`cossim.gram_matrix`).
    lam : float
        λ ≥ 0 (same role and scale as in Eq. (1)).
    k : int, optional
        Rank. Required when `init` is None; otherwise taken from `init`.
    init : (A, B), optional
        Starting factors, e.g. an Eq. (1) solution with some rescaling D.
        Default: Gaussian factors drawn with `seed`.
    max_iter : int
        L-BFGS iteration limit.
    tol : float
        Relative tolerance on the objective (L-BFGS ``ftol``).
    seed : int
        Seed of the random initialisation.

    Returns
    -------
    CosineModel
    """
    G = as_matrix(G, "G", allow_sparse=False)
    p = G.shape[0]
    if G.shape != (p, p):
        raise InvalidValue(f"G must be square (p × p, the Gram matrix XᵀX), got shape {G.shape}")
    lam = check_lambda(lam)
    A0, B0 = _initial_factors(p, k, init, seed)
    k = A0.shape[1]
    max_iter = check_int(max_iter, "max_iter", 1)
    tol = check_real(tol, "tol", 0)
    trace_G = float(np.trace(G))
    _, _, _, _, cross, quad = _cosine_value_grad(G, A0, B0, 1.0, lam, trace_G)
    s0 = cross / quad if quad > 0 else 1.0
    size = p * k

    def fun(theta):
        A = theta[:size].reshape(p, k)
        B = theta[size:2 * size].reshape(p, k)
        value, gA, gB, gs, _, _ = _cosine_value_grad(G, A, B, theta[-1], lam, trace_G)
        return value, np.concatenate([gA.ravel(), gB.ravel(), [gs]])

    theta0 = np.concatenate([A0.ravel(), B0.ravel(), [s0]])
    res = scipy.optimize.minimize(fun, theta0, jac=True, method="L-BFGS-B",
                                  options={"maxiter": int(max_iter), "ftol": float(tol),
                                           "gtol": 1e-9, "maxcor": 30})
    A = res.x[:size].reshape(p, k).copy()
    B = res.x[size:2 * size].reshape(p, k).copy()
    return CosineModel(A, B, float(res.x[-1]), lam, float(res.fun), int(res.nit), bool(res.success))
