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
    as_dense_matrix,
    as_factor,
    check_gram_factors,
    check_int,
    check_lambda,
    check_rank,
    check_real,
)
from ..linalg.similarity import unit_rows

__all__ = ["CosineModel", "objective_cosine", "gradient_cosine", "fit_cosine_model",
           "best_unit_rows", "direction_gradient_norm"]

#: The optimisers of :func:`fit_cosine_model`.
METHODS = ("joint", "exact_b")


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
        Whether L-BFGS stopped on its convergence criterion (a small projected
        gradient or a stalled objective) rather than on `max_iter`.
    grad_norm, grad_norm_start : float
        Norm of the gradient with respect to the *directions* of the rows of A
        and B and to s (:func:`direction_gradient_norm`) at the fit and at the
        starting point: the model depends on nothing else, so the fit is
        stationary exactly when this is 0.
    method : str
        ``"joint"`` or ``"exact_b"`` (see :func:`fit_cosine_model`).
    path : tuple
        ``(iteration, objective, scale, B)`` at the iterations asked for with
        `checkpoints` (empty by default).
    """

    A: np.ndarray
    B: np.ndarray
    scale: float
    lam: float
    objective: float
    n_iter: int
    converged: bool
    grad_norm: float = float("nan")
    grad_norm_start: float = float("nan")
    method: str = "joint"
    path: tuple = ()


def _normalise_backward(G, En, inv):
    """Gradient through ``E → E/‖E‖``: ``(G − En ⟨En, G⟩) / ‖E‖`` per row."""
    return (G - En * np.einsum("ij,ij->i", En, G)[:, None]) * inv[:, None]


def _cosine_value_grad(G, A, B, scale, lam, trace_G):
    """Value of the cosine objective (from the Gram matrix) and its gradient."""
    return _cosine_value_grad_with(G, B, scale, lam, trace_G, _a_products(G, A))


def _a_products(G, A):
    """What the objective needs of A alone: ``(Aₙ, 1/‖A_j‖, GAₙ, AₙᵀGAₙ, AₙᵀAₙ)``, Aₙ the unit rows."""
    An, inv_a = unit_rows(A)
    GA = G @ An
    return An, inv_a, GA, An.T @ GA, An.T @ An


def _cosine_value_grad_with(G, B, scale, lam, trace_G, a_products):
    """:func:`_cosine_value_grad` given :func:`_a_products` ``(G, A)`` (computed once per A)."""
    An, inv_a, GA, AtGA, AtA = a_products
    Bn, inv_b = unit_rows(B)
    BtB = Bn.T @ Bn
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


def best_unit_rows(M, C, scale) -> np.ndarray:
    """Exact minimiser over unit rows b_i of ``s² b_iᵀ M b_i − 2 s c_iᵀ b_i``, row by row.

    For fixed A and s, the cosine objective is a sum of such terms over the
    rows of Bₙ (with ``M = AₙᵀGAₙ + λAₙᵀAₙ`` and ``C = GAₙ``), so its best Bₙ
    is a set of independent trust-region subproblems on the unit sphere. With
    ``M = Q dMat(μ) Qᵀ`` (μ ascending) and ``ĉ = Qᵀc``, the global minimiser is
    ``b̂_j = ĉ_j / (s (μ_j − ν))`` for the ν < μ_1 with ``‖b̂‖ = 1`` (Moré &
    Sorensen 1983); ν is found by bisection on ``log(μ_1 − ν)`` between two
    bounds that bracket it, then polished by Newton steps.

    Parameters
    ----------
    M : ndarray, shape (k, k)
        Symmetric positive semi-definite.
    C : ndarray, shape (p, k)
    scale : float
        s (non-zero; for s = 0 every unit row is optimal and the eigenvector
        of μ_1 is returned in every row).

    Returns
    -------
    ndarray, shape (p, k)
        Unit rows.
    """
    mu, Q = np.linalg.eigh(0.5 * (M + M.T))
    Ch = np.asarray(C) @ Q
    p, k = Ch.shape
    out = np.zeros((p, k))
    out[:, 0] = 1.0
    if scale == 0:
        return out @ Q.T
    w = Ch**2 / scale**2
    tiny = np.finfo(np.float64).tiny
    # ‖b‖² = Σ_j w_j / (μ_j − μ_1 + g)² with gap g = μ_1 − ν > 0, decreasing in g;
    # g = √w_1 gives ‖b‖ ≥ 1 and g = √(Σ w) gives ‖b‖ ≤ 1: a bracket
    lo = 0.5 * np.log(np.maximum(w[:, 0], tiny))
    hi = 0.5 * np.log(np.maximum(w.sum(axis=1), tiny))
    shift = (mu - mu[0])[None, :]
    gap = _unit_gap(w, shift, lo, hi)
    out = Ch / (scale * (shift + gap[:, None]))
    # rows with ĉ ⊥ the first eigenvector (the "hard case") or c = 0 fall short of
    # unit length: complete them along that eigenvector, which costs nothing more
    # (a shortfall of rounding size, ~kε, is left to the final normalisation)
    short = 1.0 - (out**2).sum(axis=1)
    hard = short > 1e-10
    out[hard, 0] += np.sqrt(short[hard])
    return (out / np.linalg.norm(out, axis=1, keepdims=True)) @ Q.T


def _unit_gap(w, shift, lo, hi):
    """The gap g = μ_1 − ν of :func:`best_unit_rows` per row, bracketed in log g by (lo, hi).

    ``w / (shift + g)²`` is formed in two preallocated (p, k) buffers, with the
    same operations on the same operands as the expression itself: the
    evaluations are bit-identical, without a fresh temporary per step.
    """
    buf, d = np.empty(w.shape), np.empty(w.shape)
    for _ in range(30):  # the bracket is at most ~40 wide in log g: width < 4e-8 after 30 halvings
        mid = 0.5 * (lo + hi)
        np.add(shift, np.exp(mid)[:, None], out=buf)
        big = np.divide(w, np.square(buf, out=buf), out=buf).sum(axis=1) > 1.0  # Σ w/(shift + e^mid)²
        lo, hi = np.where(big, mid, lo), np.where(big, hi, mid)
    gap = np.exp(lo)
    with np.errstate(divide="ignore", invalid="ignore"):  # rows with c = 0 keep their gap
        for _ in range(4):  # Newton on 1/‖b‖ − 1, from the side ‖b‖ ≥ 1 where it is monotone
            np.add(shift, gap[:, None], out=d)
            phi = np.divide(w, np.square(d, out=buf), out=buf).sum(axis=1)  # Σ w/d²
            dphi = -2.0 * np.divide(w, np.power(d, 3, out=buf), out=buf).sum(axis=1)  # −2 Σ w/d³
            step = (phi**-0.5 - 1.0) / (-0.5 * phi**-1.5 * dphi)
            gap = np.where(np.isfinite(step) & (gap - step > 0), gap - step, gap)
    return gap


def direction_gradient_norm(G, A, B, scale, lam) -> float:
    """Norm of the gradient of :func:`objective_cosine` w.r.t. the row directions and s.

    The objective depends on A and B only through their unit rows, so the
    gradient with respect to a row's direction (on the sphere) is the raw
    gradient times the row's norm (:func:`gradient_cosine` divides by it).
    Zero exactly at a stationary point, whatever the row norms.
    """
    G, A, B = check_gram_factors(G, A, B)
    lam = check_lambda(lam)
    _, gA, gB, gs, _, _ = _cosine_value_grad(G, A, B, check_real(scale, "scale"), lam,
                                             float(np.trace(G)))
    return _direction_norm(A, B, gA, gB, gs)


def _direction_norm(A, B, gA, gB, gs) -> float:
    gA = gA * np.linalg.norm(A, axis=1, keepdims=True)
    gB = gB * np.linalg.norm(B, axis=1, keepdims=True)
    return float(np.sqrt(np.sum(gA**2) + np.sum(gB**2) + gs**2))


def fit_cosine_model(G, lam, k: int | None = None, *, init=None, max_iter: int = 1000,
                     tol: float = 1e-12, seed: int = 0, method: str = "joint",
                     gtol: float = 1e-9, checkpoints=()) -> CosineModel:
    """Fit the cosine model (remedy 1 of §3) by L-BFGS with analytic gradients.

    Minimises :func:`objective_cosine` over A, B and the scale s, starting
    from `init` with s at its least-squares optimum ``s* = c/q`` (c the cross
    term, q the quadratic term) for the initial factors.

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
    method : {"joint", "exact_b"}
        ``"joint"``: L-BFGS over (A, B, s) together. ``"exact_b"`` (variable
        projection): L-BFGS over (A, s) only, each evaluation replacing Bₙ by
        its exact best value for that A and s (:func:`best_unit_rows`); the
        rows of `init` are normalised first (which changes no model).
    gtol : float
        L-BFGS stops when every entry of the projected gradient is at most
        `gtol` times the largest entry at the start (a relative criterion).
    checkpoints : sequence of int
        Iterations after which ``(iteration, objective, scale, B)`` is recorded in
        ``path`` (e.g. to score the fit along the way); 0 is the point L-BFGS
        starts from (for ``"exact_b"``: `init`'s A with its best B).

    Returns
    -------
    CosineModel
    """
    G = as_dense_matrix(G, "G")
    p = len(G)
    if G.shape != (p, p):
        raise InvalidValue(f"G must be square (p × p, the Gram matrix XᵀX), got shape {G.shape}")
    lam = check_lambda(lam)
    if method not in METHODS:
        raise InvalidValue(f"method must be one of {METHODS}, got {method!r}")
    A0, B0 = _initial_factors(p, k, init, seed)
    max_iter = check_int(max_iter, "max_iter", 1)
    tol = check_real(tol, "tol", 0)
    gtol = check_real(gtol, "gtol", 0)
    checkpoints = {check_int(c, "checkpoints", 0) for c in checkpoints}
    if method == "exact_b":
        A0, B0 = unit_rows(A0)[0], unit_rows(B0)[0]
    trace_G = float(np.trace(G))
    cross, quad = _cosine_value_grad(G, A0, B0, 1.0, lam, trace_G)[4:]
    s0 = cross / quad if quad > 0 else 1.0
    start_norm = direction_gradient_norm(G, A0, B0, s0, lam)
    problem = _JointProblem(G, lam, A0.shape, trace_G) if method == "joint" else \
        _ExactBProblem(G, lam, A0.shape, trace_G)
    theta0 = problem.pack(A0, B0, s0)
    f0, g0 = problem(theta0)
    path = [(0, f0, s0, problem.unpack(theta0)[1].copy())] if 0 in checkpoints else []

    def callback(theta):
        problem.n_iter += 1
        if problem.n_iter in checkpoints:
            _, B, s = problem.unpack(theta)
            path.append((problem.n_iter, problem(theta)[0], s, B.copy()))

    res = scipy.optimize.minimize(problem, theta0, jac=True, method="L-BFGS-B", callback=callback,
                                  options={"maxiter": int(max_iter), "ftol": float(tol),
                                           "gtol": float(gtol * np.abs(g0).max()), "maxcor": 30})
    A, B, s = problem.unpack(res.x)
    A, B = A.copy(), B.copy()
    value = objective_cosine(G, A, B, s, lam)
    return CosineModel(A, B, float(s), lam, float(value), int(res.nit), bool(res.success),
                       direction_gradient_norm(G, A, B, s, lam), start_norm, method, tuple(path))


class _JointProblem:
    """The objective over θ = (A, B, s), for L-BFGS."""

    def __init__(self, G, lam, shape, trace_G):
        self.G, self.lam, self.shape, self.trace_G = G, lam, shape, trace_G
        self.size = shape[0] * shape[1]
        self.n_iter = 0

    def pack(self, A, B, s):
        return np.concatenate([A.ravel(), B.ravel(), [s]])

    def unpack(self, theta):
        n = self.size
        return theta[:n].reshape(self.shape), theta[n:2 * n].reshape(self.shape), float(theta[-1])

    def __call__(self, theta):
        A, B, s = self.unpack(theta)
        value, gA, gB, gs, _, _ = _cosine_value_grad(self.G, A, B, s, self.lam, self.trace_G)
        return value, np.concatenate([gA.ravel(), gB.ravel(), [gs]])


class _ExactBProblem(_JointProblem):
    """The objective over θ = (A, s) with Bₙ at its exact optimum (variable projection).

    By the envelope theorem the gradient in (A, s) is the partial gradient at
    the optimal Bₙ, which does not depend on A through a constraint.
    """

    def pack(self, A, B, s):
        return np.concatenate([A.ravel(), [s]])

    def unpack(self, theta):
        A = theta[:self.size].reshape(self.shape)
        return A, self._best_b(A, float(theta[-1]))[0], float(theta[-1])

    def _best_b(self, A, s):
        a_products = _a_products(self.G, A)
        _, _, GA, AtGA, AtA = a_products
        return best_unit_rows(AtGA + self.lam * AtA, GA, s), a_products

    def __call__(self, theta):
        A, s = theta[:self.size].reshape(self.shape), float(theta[-1])
        B, a_products = self._best_b(A, s)
        value, gA, _, gs, _, _ = _cosine_value_grad_with(self.G, B, s, self.lam, self.trace_G, a_products)
        return value, np.concatenate([gA.ravel(), [gs]])
