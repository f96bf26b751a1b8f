"""Plain gradient descent for the objectives Eq. (1) and Eq. (2).

The closed forms of the paper (Eq. (5) with the rescaling Eq. (3), and
Eq. (6)) say *which* factorisations are optimal. This module asks where a
practitioner's optimiser actually lands: full-batch gradient descent from a
random initialisation, with the analytic gradients of Eq. (1) and Eq. (2)
(:func:`cossim.paper.models.gradient_from_products`, the formula behind
:func:`cossim.gradient_eq1` and :func:`cossim.gradient_eq2`), evaluated
through the p × p Gram matrix ``G = XᵀX`` (:func:`cossim.gram_matrix`),
formed once, so that one step costs ``O(p²k)`` whatever the number of users.

Step size: for fixed B each objective is a quadratic in A (and vice versa)
whose Hessian is a Kronecker product, so each block has an exact Lipschitz
constant at the current point (:func:`block_lipschitz`). With
``steps="block"`` both blocks move by ``step_scale / L`` times their gradient,
each with its own L; with ``steps="ratio"`` the two step sizes keep a fixed
ratio ``η_A/η_B = ρ``. Updating both blocks at once can still overshoot, so a
step that would raise the objective is rejected and ``step_scale`` is halved:
the recorded objective never increases, by construction.

What is conserved depends on the steps. Eq. (1) depends on ABᵀ only; gradient
flow with steps in a fixed ratio ρ conserves ``C = AᵀA − ρ BᵀB`` (ρ = 1: one
shared step), and gradient descent changes C only by second-order terms, which
:class:`TrainingRun` records (``imbalance0``, ``imbalance``,
``drift_bound``). With block steps the ratio changes every step and nothing is
conserved. Eq. (2) has no such conserved quantity, and every run ends at
Eq. (6) up to a rotation.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._validation import (
    InvalidValue,
    as_dense_matrix,
    as_matrix,
    check_choice,
    check_gram_factors,
    check_int,
    check_lambda,
    check_rank,
    check_real,
)
from ..linalg.gram import gram_matrix
from ..linalg.similarity import item_item_cosine, neighbour_overlap, top_k_neighbours
from ..paper.models import (
    OBJECTIVES,
    GramProducts,
    gradient_from_products,
    gram_products,
    objective_from_products,
)

_TINY = np.finfo(np.float64).tiny

__all__ = ["TrainingRun", "gradient_descent", "train_runs", "block_lipschitz", "cosine_spread",
           "item_item_cosine_diff", "relative_error", "OBJECTIVES"]


class TrainingRun(NamedTuple):
    """Result of one gradient-descent run.

    Attributes
    ----------
    A, B : ndarray, shape (p, k)
        Final factors; the model is ``X A Bᵀ``.
    history : ndarray
        Objective value after every recorded step (every `record_every` steps,
        first entry: at the initialisation).
    n_steps : int
        Number of gradient steps taken.
    step_scale : float
        Final multiplier of the block step sizes ``1/L_A``, ``1/L_B`` (after any halvings).
    converged : bool
        True if the relative change of the objective fell below `tol`.
    ratio : float
        ρ = η_A / η_B, the ratio of the two step sizes: fixed during the run
        for ``steps="ratio"``; for ``steps="block"`` the ratio of the first
        step (it then changes every step).
    imbalance0, imbalance : ndarray, shape (k, k)
        ``C = AᵀA − ρ BᵀB`` at the start and at the end. With a fixed ratio,
        gradient flow on Eq. (1) conserves C (see :func:`gradient_descent`).
    drift_bound : float
        ``Σ_t ‖η_A (η_A ∇_Aᵀ∇_A − η_B ∇_Bᵀ∇_B)‖_F`` over the accepted steps
        of a fixed-ratio run on Eq. (1): by the triangle inequality an upper
        bound on ``‖imbalance − imbalance0‖_F`` (NaN otherwise).
    """

    A: np.ndarray
    B: np.ndarray
    history: np.ndarray
    n_steps: int
    step_scale: float
    converged: bool
    ratio: float = float("nan")
    imbalance0: np.ndarray | None = None
    imbalance: np.ndarray | None = None
    drift_bound: float = float("nan")


def _lipschitz(s2: float, lam: float, which: str, prod: GramProducts, buf=None):
    """``(L_A, L_B)`` from σ₁² and the k × k products (see :func:`block_lipschitz`).

    Both spectra come from one ``eigvalsh`` call on the stack ``[BᵀB, M]`` (`buf`, shape
    (2, k, k), reused by a caller; default: a new one): the gufunc solves each matrix of the
    stack as it would alone, so the values are those of two separate calls.
    """
    if buf is None:
        buf = np.empty((2,) + prod.BtB.shape)
    buf[0] = prod.BtB
    if which == "eq1":
        np.add(prod.AtGA, lam * prod.AtA, out=buf[1])
    else:
        buf[1] = prod.AtGA
    w = np.linalg.eigvalsh(buf)
    nB, top = w[0, -1], w[1, -1]  # ‖BᵀB‖₂ and ‖M‖₂
    if which == "eq1":
        return 2.0 * (s2 + lam) * nB, 2.0 * top
    return 2.0 * s2 * (nB + lam), 2.0 * (top + lam)


def _top_eigenvalue(G) -> float:
    """σ₁² = the largest eigenvalue of G = XᵀX (clipped at 0 against rounding)."""
    return max(float(np.linalg.eigvalsh(G)[-1]), 0.0)


def block_lipschitz(G, A, B, lam, objective, sigma_max=None):
    """Lipschitz constants ``(L_A, L_B)`` of the two blocks of the gradient at (A, B).

    For fixed B each objective is a quadratic in A whose Hessian is a
    Kronecker product, so its Lipschitz constant is exact:

    * Eq. (1): ``L_A = 2(σ₁² + λ)‖BᵀB‖₂``, ``L_B = 2‖Aᵀ(G + λI)A‖₂``;
    * Eq. (2): ``L_A = 2σ₁²(‖BᵀB‖₂ + λ)``, ``L_B = 2(‖AᵀGA‖₂ + λ)``,

    with ``G = XᵀX`` and σ₁² its largest eigenvalue. The step sizes of
    :func:`gradient_descent` are ``step_scale / L``.
    """
    objective = check_choice(objective, "objective", OBJECTIVES)
    lam = check_lambda(lam)
    G, A, B = check_gram_factors(G, A, B)
    if sigma_max is None:
        s2 = _top_eigenvalue(G)
    else:
        s2 = check_real(sigma_max, "sigma_max", 0) ** 2
    return _lipschitz(s2, lam, objective, gram_products(G, A, B))


def _check_init_scale(init_scale):
    """``(scale_A, scale_B)`` from one positive number or a pair of them."""
    pair = init_scale if np.ndim(init_scale) else (init_scale, init_scale)
    if np.shape(pair) != (2,):
        raise InvalidValue(f"init_scale must be a positive number or a pair of them, got {init_scale!r}")
    try:
        return tuple(check_real(v, "init_scale", 0, low_open=True) for v in pair)
    except (TypeError, ValueError):
        raise InvalidValue(
            f"init_scale must be a positive number or a pair of them, got {init_scale!r}") from None


def _initial_factors(p: int, k: int, seed, init_scale, A0, B0):
    """A₀ and B₀: given, or i.i.d. ``N(0, scale²/p)`` (A₀ drawn first, from `seed`)."""
    scale_A, scale_B = _check_init_scale(init_scale)
    rng = np.random.default_rng(seed)
    if A0 is None:
        A = rng.standard_normal((p, k)) * scale_A / np.sqrt(p)
    else:
        A = np.array(as_dense_matrix(A0, "A0"))
    if B0 is None:
        B = rng.standard_normal((p, k)) * scale_B / np.sqrt(p)
    else:
        B = np.array(as_dense_matrix(B0, "B0"))
    for name, M in (("A0", A), ("B0", B)):
        if M.shape != (p, k):
            raise InvalidValue(f"{name} has shape {M.shape}, expected {(p, k)}")
    return A, B


def _imbalance(prod: GramProducts, ratio: float) -> np.ndarray:
    """``C = AᵀA − ρ BᵀB`` from the k × k products."""
    return prod.AtA - ratio * prod.BtB


def _step_sizes(L_A, L_B, scale, ratio):
    """``(η_A, η_B)``: each block ``scale/L`` (ratio None) or a fixed ratio η_A/η_B = ρ."""
    if ratio is None:
        return scale / max(L_A, _TINY), scale / max(L_B, _TINY)
    eta_A = scale * min(1.0 / max(L_A, _TINY), ratio / max(L_B, _TINY))
    return eta_A, eta_A / ratio


def _step_products(G, A, B, which: str) -> GramProducts:
    """:func:`gram_products`, without ``AᵀA`` for Eq. (2): its objective, gradient and
    Lipschitz constants never read it (:func:`_descend` forms it for the last point only)."""
    if which == "eq1":
        return gram_products(G, A, B)
    GA = G @ A
    return GramProducts(GA, A.T @ GA, B.T @ B, None)


def _descend(G, A, B, lam, which, n_steps, step_scale, tol, record_every, ratio=None) -> TrainingRun:
    """The loop of :func:`gradient_descent` on validated input (`ratio` None: block steps).

    The Lipschitz constants and the gradient at (A, B) are formed once per point: a rejected
    step only halves the step sizes, and the constants of the start serve its first step.
    """
    x2 = float(G.trace())
    s2 = np.sqrt(_top_eigenvalue(G)) ** 2  # σ₁², rounded as σ₁ then squared
    scale, buf = step_scale, np.empty((2, A.shape[1], A.shape[1]))
    prod = gram_products(G, A, B)
    L = _lipschitz(s2, lam, which, prod, buf)
    rho = float(ratio) if ratio is not None else L[1] / L[0]  # the first step's ratio
    C0 = _imbalance(prod, rho)
    drift = 0.0 if (ratio is not None and which == "eq1") else np.nan
    f = objective_from_products(x2, B, lam, which, prod)
    history, converged, f_rec, t, grad = [f], False, f, 0, None
    while t < n_steps:
        if grad is None:  # a new point (A, B)
            if L is None:
                L = _lipschitz(s2, lam, which, prod, buf)
            grad = gradient_from_products(A, B, G @ B, lam, which, prod)
        dA, dB = grad
        eta_A, eta_B = _step_sizes(L[0], L[1], scale, ratio)
        A_new, B_new = A - eta_A * dA, B - eta_B * dB
        prod_new = _step_products(G, A_new, B_new, which)
        f_new = objective_from_products(x2, B_new, lam, which, prod_new)
        if not math.isfinite(f_new) or f_new > f + 1e-13 * abs(f):
            scale /= 2.0  # safeguard: the simultaneous step overshot
            if scale < 1e-12:
                break
            continue
        if drift == drift:  # second-order change of C in this step (Eq. (1), fixed ratio)
            drift += eta_A * float(np.linalg.norm(eta_A * (dA.T @ dA) - eta_B * (dB.T @ dB)))
        A, B, f, prod, L, grad = A_new, B_new, f_new, prod_new, None, None
        t += 1
        scale = min(step_scale, scale * 1.01)  # let a halved step recover slowly
        if t % record_every == 0:
            history.append(f)
            if tol > 0 and abs(f_rec - f) <= tol * max(abs(f), _TINY):
                converged = True
                break
            f_rec = f
    if prod.AtA is None:
        prod = prod._replace(AtA=A.T @ A)
    return TrainingRun(A, B, np.asarray(history), t, scale, converged, rho, C0,
                       _imbalance(prod, rho), drift)


def gradient_descent(X, k: int, lam, objective: str = "eq1", *, seed=0, n_steps: int = 3000,
                     init_scale=1.0, step_scale: float = 1.0, tol: float = 0.0,
                     record_every: int = 10, A0=None, B0=None, steps: str = "block",
                     ratio=None) -> TrainingRun:
    """Fit Eq. (1) or Eq. (2) by full-batch gradient descent.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
    k : int
        Rank, ``1 <= k <= p``.
    lam : float
        λ ≥ 0 (on the σ² scale for Eq. (1), the σ scale for Eq. (2)).
    objective : {"eq1", "eq2"}
        ``"eq1"``: ‖X − XABᵀ‖² + λ‖ABᵀ‖²; ``"eq2"``: ‖X − XABᵀ‖² + λ(‖XA‖² + ‖B‖²).
    seed : int
        Seed of the initialisation: entries of A₀ and B₀ are i.i.d.
        ``N(0, init_scale² / p)``, so columns have norm ≈ `init_scale`.
        A₀ is drawn before B₀ from the same generator.
    n_steps : int
        Maximum number of steps.
    init_scale : float or (float, float)
        Size of the initialisation (see `seed`); a pair gives A₀ and B₀
        different sizes. Its *imbalance* ``A₀ᵀA₀ − B₀ᵀB₀``
        is what gradient flow on Eq. (1) conserves, and what fixes the
        implicit rescaling D a run lands on.
    step_scale : float
        Multiplier of the step sizes (see `steps`). If a step would increase
        the objective it is rejected and the multiplier halved (it then grows
        back by 1 % per accepted step, up to `step_scale`); so the recorded
        objective never increases, by construction.
    tol : float
        Stop when the relative decrease of the objective over `record_every`
        steps is below `tol` (0: run all `n_steps`).
    record_every : int
        Record the objective every this many steps.
    A0, B0 : ndarray, optional
        Explicit initialisation (overrides `seed` / `init_scale`).
    steps : {"block", "ratio"}
        ``"block"``: each block moves by ``step_scale / L`` times its
        gradient, L its Lipschitz constant at the current point
        (:func:`block_lipschitz`); the two step sizes then change
        independently, and no matrix is conserved. ``"ratio"``: the step
        sizes keep a fixed ratio ``η_A / η_B = ρ``, with
        ``η_A = step_scale · min(1/L_A, ρ/L_B)`` so that neither block
        exceeds its own ``1/L``. On Eq. (1), whose objective depends on ABᵀ
        only, this is gradient flow with a fixed preconditioner up to a change
        of time, which conserves ``C = AᵀA − ρ BᵀB``; each discrete step
        changes C by ``η_A(η_A ∇_Aᵀ∇_A − η_B ∇_Bᵀ∇_B)``, whose accumulated
        norm is returned as ``drift_bound``.
    ratio : float, optional
        ρ for ``steps="ratio"``; default ``L_B / L_A`` at the initialisation
        (the ratio of the first block steps).

    Returns
    -------
    TrainingRun
    """
    X = as_matrix(X, "X")
    p = X.shape[1]
    k = check_rank(k, p)
    lam = check_lambda(lam)
    objective = check_choice(objective, "objective", OBJECTIVES)
    n_steps = check_int(n_steps, "n_steps", 1)
    record_every = check_int(record_every, "record_every", 1)
    step_scale = check_real(step_scale, "step_scale", 0, low_open=True)
    tol = check_real(tol, "tol", 0)
    steps = check_choice(steps, "steps", ("block", "ratio"))
    A, B = _initial_factors(p, k, seed, init_scale, A0, B0)
    G = gram_matrix(X)
    rho = None
    if steps == "ratio":
        if ratio is None:
            L_A, L_B = block_lipschitz(G, A, B, lam, objective)
            ratio = L_B / L_A
        rho = check_real(ratio, "ratio", 0, low_open=True)
    return _descend(G, A, B, lam, objective, n_steps, step_scale, tol, record_every, rho)


def train_runs(X, k: int, lam, objective: str = "eq1", *, n_runs: int = 5, seed: int = 0,
               **kwargs) -> list[TrainingRun]:
    """Run :func:`gradient_descent` from `n_runs` initialisations (seeds seed, seed+1, …)."""
    n_runs = check_int(n_runs, "n_runs", 1)
    return [gradient_descent(X, k, lam, objective, seed=seed + r, **kwargs)
            for r in range(n_runs)]


def cosine_spread(item_embeddings, n_neighbours: int = 10) -> dict:
    """How much item–item cosine similarities differ between several runs.

    Parameters
    ----------
    item_embeddings : list of ndarray, each shape (p, k)
        The B of each run (at least two).
    n_neighbours : int
        Size of the neighbour lists compared.

    Returns
    -------
    dict
        ``max_abs_diff`` and ``mean_abs_diff``: over all pairs of runs and all
        item pairs i < j, of ``|cos_r(i, j) − cos_s(i, j)|``;
        ``mean_topk_overlap``: mean over pairs of runs and items of
        ``|N_r(i) ∩ N_s(i)| / n_neighbours``; ``min_topk_overlap``: its
        smallest per-run-pair mean.
    """
    Bs = list(item_embeddings)
    if len(Bs) < 2:
        raise InvalidValue(f"item_embeddings must hold at least 2 runs, got {len(Bs)}")
    S = [item_item_cosine(B) for B in Bs]
    shapes = {s.shape for s in S}
    if len(shapes) != 1:
        raise InvalidValue("item_embeddings must all have the same number of rows")
    ((p, _),) = shapes
    N = [top_k_neighbours(B, n_neighbours) for B in Bs]
    iu = np.triu_indices(p, k=1)
    diffs, overlaps = [], []
    for r in range(len(S)):
        for s in range(r):
            diffs.append(np.abs(S[r][iu] - S[s][iu]))
            overlaps.append(float(np.mean(neighbour_overlap(N[r], N[s]))))
    d = np.concatenate(diffs)
    return {
        "max_abs_diff": float(d.max()),
        "mean_abs_diff": float(d.mean()),
        "mean_topk_overlap": float(np.mean(overlaps)),
        "min_topk_overlap": float(np.min(overlaps)),
    }


def item_item_cosine_diff(B1, B2) -> float:
    """Mean over item pairs i < j of ``|cos_1(i, j) − cos_2(i, j)|`` for item embeddings B1, B2."""
    S1, S2 = item_item_cosine(B1), item_item_cosine(B2)
    if S1.shape != S2.shape:
        raise InvalidValue(f"B1 and B2 must have the same number of rows, got {S1.shape[0]} and {S2.shape[0]}")
    iu = np.triu_indices(len(S1), k=1)
    return float(np.mean(np.abs(S1[iu] - S2[iu])))


def relative_error(M, reference) -> float:
    """``‖M − reference‖_F / ‖reference‖_F``."""
    M = np.asarray(M, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if M.shape != reference.shape:
        raise InvalidValue(f"M has shape {M.shape}, reference has {reference.shape}")
    return float(np.linalg.norm(M - reference) / np.linalg.norm(reference))
