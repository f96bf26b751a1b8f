"""Plain gradient descent for the objectives Eq. (1) and Eq. (2).

The closed forms of the paper (Eq. (5) with the rescaling Eq. (3), and
Eq. (6)) say *which* factorisations are optimal. This module asks where a
practitioner's optimiser actually lands: full-batch gradient descent from a
random initialisation, with the analytic gradients of
:func:`cossim.gradient_eq1` and :func:`cossim.gradient_eq2` (evaluated here
through the p × p Gram matrix ``G = XᵀX``, formed once, so that one step costs
``O(p²k)`` whatever the number of users).

Step size: for fixed B, Eq. (1) is a quadratic in A with Hessian
``2 (G + λI) ⊗ BᵀB``, whose largest eigenvalue is ``2(σ₁² + λ)‖B‖₂²``; in B
it is ``2 ‖A‖_{G+λI}²``-like. We use ``step = 1 / L`` with
``L = 2 (σ₁² + λ) R²``, ``R = max(1, ‖A₀‖₂, ‖B₀‖₂)``, for both objectives
(Eq. (2)'s blocks are bounded by the same ``L`` because
``‖G A BᵀB + λ G A‖ ≤ (σ₁²)(‖B‖² + λ/σ₁²)...``; the bound is a heuristic
for the coupled problem, so every step is checked: if the objective went up,
the step is undone and the step size halved). The recorded history lets a
caller verify that the objective decreased monotonically.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ._validation import as_matrix, check_lambda, check_rank

__all__ = ["TrainingRun", "gradient_descent", "train_runs", "block_lipschitz", "OBJECTIVES"]

OBJECTIVES = ("eq1", "eq2")


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
    """

    A: np.ndarray
    B: np.ndarray
    history: np.ndarray
    n_steps: int
    step_scale: float
    converged: bool


def _check_objective(objective):
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    return objective


def _check_positive_int(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


def _gram(X):
    G = X.T @ X
    if hasattr(G, "toarray"):
        G = G.toarray()
    G = np.asarray(G, dtype=np.float64)
    return (G + G.T) / 2


def _objective(G, x2, A, B, lam, objective):
    """Eq. (1) or Eq. (2) from G = XᵀX and x2 = ‖X‖²_F (no n × p residual)."""
    GA = G @ A
    AtGA = A.T @ GA
    BtB = B.T @ B
    rec = x2 - 2.0 * float(np.sum(GA * B)) + float(np.sum(AtGA * BtB))
    if objective == "eq1":
        return rec + lam * float(np.sum((A.T @ A) * BtB))
    return rec + lam * (float(np.trace(AtGA)) + float(np.sum(B * B)))


def _gradient(G, A, B, lam, objective):
    """Analytic gradients; equal to cossim.gradient_eq1 / gradient_eq2 (tested)."""
    GA = G @ A
    GB = G @ B
    BtB = B.T @ B
    if objective == "eq1":
        dA = 2.0 * (GA @ BtB + lam * (A @ BtB) - GB)
        dB = 2.0 * (B @ (A.T @ GA) + lam * (B @ (A.T @ A)) - GA)
    else:
        dA = 2.0 * (GA @ BtB - GB) + 2.0 * lam * GA
        dB = 2.0 * (B @ (A.T @ GA) - GA) + 2.0 * lam * B
    return dA, dB


def block_lipschitz(G, A, B, lam, objective, sigma_max=None):
    """Lipschitz constants ``(L_A, L_B)`` of the two blocks of the gradient at (A, B).

    For fixed B each objective is a quadratic in A whose Hessian is a
    Kronecker product, so its Lipschitz constant is exact:

    * Eq. (1): ``L_A = 2(σ₁² + λ)‖BᵀB‖₂``, ``L_B = 2‖Aᵀ(G + λI)A‖₂``;
    * Eq. (2): ``L_A = 2σ₁²(‖BᵀB‖₂ + λ)``, ``L_B = 2(‖AᵀGA‖₂ + λ)``,

    with ``G = XᵀX`` and σ₁² its largest eigenvalue.
    """
    objective = _check_objective(objective)
    lam = check_lambda(lam)
    if sigma_max is None:
        sigma_max = np.sqrt(max(float(np.linalg.eigvalsh(G)[-1]), 0.0))
    s2 = float(sigma_max) ** 2
    BtB = np.linalg.norm(B.T @ B, 2)
    AtGA = np.linalg.norm(A.T @ (G @ A), 2)
    if objective == "eq1":
        return 2.0 * (s2 + lam) * BtB, 2.0 * (AtGA + lam * np.linalg.norm(A.T @ A, 2))
    return 2.0 * s2 * (BtB + lam), 2.0 * (AtGA + lam)


def gradient_descent(X, k: int, lam, objective: str = "eq1", *, seed=0, n_steps: int = 3000,
                     init_scale: float = 1.0, step_scale: float = 1.0, tol: float = 0.0,
                     record_every: int = 10, A0=None, B0=None) -> TrainingRun:
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
    n_steps : int
        Maximum number of steps.
    init_scale : float
        Size of the initialisation (see `seed`). Its *imbalance* ``A₀ᵀA₀ − B₀ᵀB₀``
        is what gradient flow on Eq. (1) conserves, and what fixes the
        implicit rescaling D a run lands on.
    step_scale : float
        Each block moves by ``step_scale / L`` times its gradient, with L its
        Lipschitz constant at the current point (:func:`block_lipschitz`). If
        a step would increase the objective it is rejected and `step_scale`
        halved, so the recorded objective never increases.
    tol : float
        Stop when the relative decrease of the objective over `record_every`
        steps is below `tol` (0: run all `n_steps`).
    record_every : int
        Record the objective every this many steps.
    A0, B0 : ndarray, optional
        Explicit initialisation (overrides `seed` / `init_scale`).

    Returns
    -------
    TrainingRun
    """
    X = as_matrix(X, "X")
    p = X.shape[1]
    k = check_rank(k, p)
    lam = check_lambda(lam)
    objective = _check_objective(objective)
    n_steps = _check_positive_int(n_steps, "n_steps")
    record_every = _check_positive_int(record_every, "record_every")
    if not (isinstance(init_scale, numbers.Real) and np.isfinite(init_scale) and init_scale > 0):
        raise ValueError(f"init_scale must be a positive finite number, got {init_scale!r}")
    rng = np.random.default_rng(seed)
    if A0 is None:
        A = rng.standard_normal((p, k)) * init_scale / np.sqrt(p)
    else:
        A = np.array(as_matrix(A0, "A0", allow_sparse=False))
    if B0 is None:
        B = rng.standard_normal((p, k)) * init_scale / np.sqrt(p)
    else:
        B = np.array(as_matrix(B0, "B0", allow_sparse=False))
    for name, M in (("A0", A), ("B0", B)):
        if M.shape != (p, k):
            raise ValueError(f"{name} has shape {M.shape}, expected {(p, k)}")
    G = _gram(X)
    x2 = float(np.trace(G))
    sigma_max = np.sqrt(max(float(np.linalg.eigvalsh(G)[-1]), 0.0))
    scale = float(step_scale)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"step_scale must be a positive finite number, got {step_scale!r}")
    f = _objective(G, x2, A, B, lam, objective)
    history = [f]
    converged = False
    f_rec = f
    t = 0
    tiny = np.finfo(np.float64).tiny
    while t < n_steps:
        L_A, L_B = block_lipschitz(G, A, B, lam, objective, sigma_max)
        dA, dB = _gradient(G, A, B, lam, objective)
        A_new = A - (scale / max(L_A, tiny)) * dA
        B_new = B - (scale / max(L_B, tiny)) * dB
        f_new = _objective(G, x2, A_new, B_new, lam, objective)
        if not np.isfinite(f_new) or f_new > f:
            scale /= 2.0  # safeguard: the simultaneous step overshot
            if scale < 1e-12:
                break
            continue
        A, B, f = A_new, B_new, f_new
        t += 1
        if t % record_every == 0:
            history.append(f)
            if tol > 0 and abs(f_rec - f) <= tol * max(abs(f), tiny):
                converged = True
                break
            f_rec = f
    return TrainingRun(A, B, np.asarray(history), t, scale, converged)


def train_runs(X, k: int, lam, objective: str = "eq1", *, n_runs: int = 5, seed: int = 0,
               **kwargs) -> list[TrainingRun]:
    """Run :func:`gradient_descent` from `n_runs` initialisations (seeds seed, seed+1, …)."""
    n_runs = _check_positive_int(n_runs, "n_runs")
    return [gradient_descent(X, k, lam, objective, seed=seed + r, **kwargs)
            for r in range(n_runs)]
