"""The paper's discussion: linear autoencoders deeper than one layer, with weight decay on every layer.

The paper closes by noting that deep models combine several regularisers, so
that how their cosine similarities are pinned down is even less transparent
than for Eq. (1) or Eq. (2). This module trains the smallest such family:

* depth 1: ``X ≈ X A Bᵀ`` with ``λ(‖A‖² + ‖B‖²)``;
* depth 2: ``X ≈ X W₁ W₂ Bᵀ`` (W₁: p × h, W₂: h × k) with ``λ(‖W₁‖² + ‖W₂‖² + ‖B‖²)``;

item embeddings are the rows of B, as in the paper. Both losses depend on X
only through ``G = XᵀX = V dMat(w) Vᵀ``, and weight decay is unchanged by
rotating the item index, so training runs in the eigen-coordinates
``Ã = VᵀA``, ``B̃ = VᵀB`` where ``‖X − XABᵀ‖² = Σw − 2tr(Ãᵀ dMat(w) B̃) +
tr(Ãᵀ dMat(w) Ã B̃ᵀB̃)``: O(p k h) per evaluation for any number of users.

What to expect at a global optimum (:func:`balanced_optimum`): weight decay
on the F = depth + 1 factors whose product is ``W = (encoder)Bᵀ`` is at least
``Fλ Σ_i t_i^{2/F}`` on the singular values t_i of W, with equality for
balanced factors, so that ``B = V_k dMat(t^{1/F}) R`` (R a rotation) with each
t_i the best ``w_i (1 − t)² + Fλ t^{2/F}`` over t ≥ 0. Depth thus picks its
own rescaling of the item embeddings (exponent 1/F). For depth 1 (F = 2, a
nuclear-norm penalty) the problem in W is convex and ``t = (1 − λ/w)₊``; for
depth 2 (F = 3) the scalar problems are not convex, and gradient training can
stop in a local minimum.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.optimize

from .._validation import InvalidValue, as_matrix, check_int, check_lambda, check_rank, check_real, check_vector
from ._fitting import FitInfo, lbfgs, one_blas_thread

__all__ = [
    "EigenGram",
    "eigen_gram",
    "top_directions",
    "DeepLinear",
    "deep_objective",
    "deep_gradient",
    "fit_deep_linear",
    "balanced_optimum",
    "balanced_embeddings",
    "balanced_value",
]


class EigenGram(NamedTuple):
    """``G = V dMat(w) Vᵀ`` with w descending (all p eigenpairs)."""

    w: np.ndarray
    V: np.ndarray


def eigen_gram(G) -> EigenGram:
    """Full eigen-decomposition of a symmetric PSD Gram matrix, eigenvalues descending (clipped at 0)."""
    G = as_matrix(G, "G", allow_sparse=False)
    if G.shape[0] != G.shape[1]:
        raise InvalidValue(f"G must be square, got shape {G.shape}")
    with one_blas_thread():
        w, V = np.linalg.eigh(0.5 * (G + G.T))
    return EigenGram(np.clip(w[::-1], 0.0, None), V[:, ::-1].copy())


def top_directions(eig: EigenGram, r: int) -> EigenGram:
    """The r leading eigen-directions of G: train in their span only.

    The global optimum of every depth lies in the span of the k ≤ r leading
    directions (:func:`balanced_optimum`), so restricting the factors' item
    coordinates to the top r leaves it unchanged; the objective loses the
    constant ``Σ_{i>r} w_i``. Training is r/p times cheaper per step, but the
    path from a random start differs from that of the full problem.
    """
    w = check_vector(eig.w, "w", low=0)
    r = check_rank(r, w.size, "r")
    return EigenGram(w[:r].copy(), np.asarray(eig.V)[:, :r].copy())


def _check_factors(w, factors):
    p = w.size
    mats = [as_matrix(F, f"factors[{j}]", allow_sparse=False) for j, F in enumerate(factors)]
    if len(mats) < 2:
        raise InvalidValue("factors must hold at least A (or W₁, …) and B")
    if mats[0].shape[0] != p or mats[-1].shape[0] != p:
        raise InvalidValue(f"the first and the last factor must have {p} rows (one per item)")
    for j in range(len(mats) - 2):
        if mats[j].shape[1] != mats[j + 1].shape[0]:
            raise InvalidValue(f"factors[{j}] and factors[{j + 1}] do not chain")
    if mats[-2].shape[1] != mats[-1].shape[1]:
        raise InvalidValue("the last encoder factor and B must have the same number of columns")
    return mats


def _chain(mats):
    """Products ``W₁…W_j`` for j = 1..L (prefix products) of the encoder."""
    prefix = [mats[0]]
    for M in mats[1:]:
        prefix.append(prefix[-1] @ M)
    return prefix


def _deep_value_grad(w, mats, lam):
    """Objective in eigen-coordinates and its gradient for each factor."""
    enc, B = mats[:-1], mats[-1]
    prefix = _chain(enc)
    A = prefix[-1]
    wA, wB = w[:, None] * A, w[:, None] * B
    BtB, AtwA = B.T @ B, A.T @ wA
    value = float(w.sum() - 2.0 * np.sum(A * wB) + np.sum(AtwA * BtB))
    value += lam * sum(float(np.sum(M * M)) for M in mats)
    gA = 2.0 * (wA @ BtB - wB)
    gB = 2.0 * (B @ AtwA - wA) + 2.0 * lam * B
    grads, suffix = [], np.eye(A.shape[1])      # suffix = W_{j+1}…W_L
    for j in range(len(enc) - 1, -1, -1):
        left = prefix[j - 1] if j > 0 else None
        g = (gA @ suffix.T) if left is None else left.T @ (gA @ suffix.T)
        grads.append(g + 2.0 * lam * enc[j])
        if j:  # W_j…W_L is needed for the next factor only
            suffix = enc[j] @ suffix
    return value, grads[::-1] + [gB]


def deep_objective(eig: EigenGram, factors, lam) -> float:
    """``‖X − X W₁…W_L Bᵀ‖² + λ Σ‖factor‖²`` with every factor in eigen-coordinates (``Vᵀ·`` for p-row ones).

    Parameters
    ----------
    eig : EigenGram
        From :func:`eigen_gram` of ``XᵀX``.
    factors : sequence of ndarray
        ``[Ã, B̃]`` (depth 1) or ``[W̃₁, W₂, B̃]`` (depth 2), …
    lam : float
    """
    w = check_vector(eig.w, "w", low=0)
    return _deep_value_grad(w, _check_factors(w, factors), check_lambda(lam))[0]


def deep_gradient(eig: EigenGram, factors, lam) -> list:
    """Gradient of :func:`deep_objective`, one array per factor."""
    w = check_vector(eig.w, "w", low=0)
    return _deep_value_grad(w, _check_factors(w, factors), check_lambda(lam))[1]


class DeepLinear(NamedTuple):
    """A fitted linear autoencoder: `factors` in eigen-coordinates, item embeddings ``B = V B̃``."""

    factors: list
    B: np.ndarray
    depth: int
    lam: float
    info: FitInfo


def fit_deep_linear(eig: EigenGram, k: int, lam, *, depth: int = 1, hidden: int | None = None,
                    seed: int = 0, init_scale: float = 0.1, max_iter: int = 3000,
                    tol: float = 1e-15) -> DeepLinear:
    """Train a depth-1 or depth-2 linear autoencoder with weight decay by L-BFGS from a random start.

    Parameters
    ----------
    eig : EigenGram
        :func:`eigen_gram` of ``XᵀX``.
    k : int
        Embedding dimension (columns of B).
    lam : float
        Weight decay on every factor.
    depth : int
        Number of encoder factors (1 or 2).
    hidden : int, optional
        Width h of the hidden layer for depth 2 (default 2k).
    seed : int
        Seed of the Gaussian start (entries ``init_scale · N(0, 1)``).
    max_iter : int
    tol : float
        Relative tolerance on the objective.
    """
    w = check_vector(eig.w, "w", low=0)
    p = w.size
    k = check_rank(k, p)
    depth = check_int(depth, "depth", 1, 2)
    lam = check_lambda(lam)
    h = 2 * k if hidden is None else check_int(hidden, "hidden", k)
    rng = np.random.default_rng(seed)
    shapes = [(p, k)] if depth == 1 else [(p, h), (h, k)]
    scale = check_real(init_scale, "init_scale", 0, low_open=True)
    start = [scale * rng.standard_normal(s) for s in shapes + [(p, k)]]
    mats, info = lbfgs(lambda *f: _deep_value_grad(w, f, lam), start,
                       max_iter=check_int(max_iter, "max_iter", 1), tol=check_real(tol, "tol", 0), gtol=0.0)
    return DeepLinear(mats, np.asarray(eig.V) @ mats[-1], depth, lam, info)


def _scalar_best(wi: float, lam: float, n_factors: int) -> float:
    """Global minimiser over t ≥ 0 of ``wi (1 − t)² + F·λ·t^{2/F}`` (F = `n_factors`)."""
    if wi <= 0:
        return 0.0
    if n_factors == 2:
        return max(0.0, 1.0 - lam / wi)
    f = lambda t: wi * (1.0 - t) ** 2 + n_factors * lam * t ** (2.0 / n_factors)  # noqa: E731
    res = scipy.optimize.minimize_scalar(f, bounds=(0.0, 1.0), method="bounded",
                                         options={"xatol": 1e-14})
    return float(res.x) if f(res.x) < f(0.0) else 0.0


def balanced_optimum(w, lam, k: int, depth: int) -> np.ndarray:
    """Singular values t of ``W = (W₁…)Bᵀ`` at the global optimum of the depth-`depth` model.

    With F = depth + 1 factors, weight decay ``λ Σ‖factor‖²`` is at least
    ``Fλ Σ t_i^{2/F}`` (AM–GM on the factors' singular values), with equality
    for balanced factors; the loss ``Σ w_i (1 − t_i)²`` is smallest for W
    diagonal in the eigenbasis of G. Each direction then solves
    ``min_{t ≥ 0} w_i (1 − t)² + Fλ t^{2/F}``: for depth 1, ``t = (1 − λ/w)₊``;
    for depth 2 the minimiser is 0 or the larger stationary point, found
    numerically on [0, 1]. Returned for the k largest w, in descending order
    (the rank-k optimum keeps them, as t grows with w).
    """
    w = check_vector(w, "w", low=0)
    k = check_rank(k, w.size)
    lam = check_real(lam, "lam", 0, low_open=True)
    depth = check_int(depth, "depth", 1)
    return np.array([_scalar_best(float(wi), lam, depth + 1) for wi in np.sort(w)[::-1][:k]])


def balanced_value(w, lam, k: int, depth: int) -> float:
    """Objective of the global optimum: ``Σw − Σ_{i≤k} w_i(1 − (1 − t_i)²) + Fλ Σ t_i^{2/F}`` (F = depth + 1)."""
    w = check_vector(w, "w", low=0)
    t = balanced_optimum(w, lam, k, depth)
    top = np.sort(w)[::-1][:t.size]
    F = depth + 1
    return float(w.sum() - np.sum(top * (1.0 - (1.0 - t) ** 2)) + F * lam * np.sum(t ** (2.0 / F)))


def balanced_embeddings(eig: EigenGram, lam, k: int, depth: int) -> np.ndarray:
    """Item embeddings ``B = V_k dMat(t^{1/F})`` (F = depth + 1) of the global optimum, up to a rotation."""
    t = balanced_optimum(eig.w, lam, k, depth)
    return np.asarray(eig.V)[:, :k] * t ** (1.0 / (depth + 1))
