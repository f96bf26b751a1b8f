"""How close an optimiser's end point is to the solution set, from its gradient and the curvature.

Chapters 2.2 and 2.3 compare L-BFGS runs (:func:`cossim.minimize_eq1`,
:func:`cossim.minimize_eq2`) with the closed forms. The runs stop with a small
but non-zero gradient g, so their distance to the set of minimisers is not 0;
the tolerances of those comparisons come from here. Near a minimum the Newton
step ``H⁺g`` estimates that distance, and its length is at most ``‖g‖/μ``,
μ the smallest curvature across the solution set: the smallest eigenvalue of
the Hessian H once the ``nullity`` eigenvalues that belong to the symmetries
are set aside (k(k − 1)/2 rotations for Eq. (2); k² invertible maps
``(AC, BC⁻ᵀ)`` for Eq. (1)). :func:`convergence` computes H exactly
(:func:`hessian_vector_products`, the analytic second derivative), checks that
those eigenvalues are separated from the rest, and returns twice the Newton
length as the distance bound (the factor 2 covers the cubic terms of the
objective at distances where the quadratic model is off by far less).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["hessian_vector_products", "hessian_eigenvalues", "Convergence", "convergence",
           "nullity", "cosine_shift_bound", "user_cosine_shift_bound"]


def hessian_vector_products(G, A, B, lam, which, dA, dB):
    """Hessian of Eq. (1) or Eq. (2) at (A, B) applied to directions (dA, dB), from G = XᵀX.

    Directional derivatives of the gradients of :func:`cossim.gradient_from_products`
    (exact: the gradient is a polynomial). `dA`, `dB` may be stacks of shape
    (N, p, k); the result has the same shape.

    * Eq. (1), ``G_λ = G + λI``: ``2[G_λ(dA·BᵀB + A(dBᵀB + BᵀdB)) − G·dB]`` and
      ``2[dB·AᵀG_λA + B(dAᵀG_λA + AᵀG_λdA) − G·dA]``;
    * Eq. (2): ``2[G·dA·BᵀB + GA(dBᵀB + BᵀdB) − G·dB + λG·dA]`` and
      ``2[dB·AᵀGA + B(dAᵀGA + AᵀG·dA) − G·dA + λdB]``.
    """
    def t(M):
        return np.swapaxes(M, -1, -2)

    Gl = G + lam * np.eye(G.shape[0]) if which == "eq1" else G
    GlA, GdA = Gl @ A, G @ dA
    BtB, AtGlA = B.T @ B, A.T @ GlA
    dBtB = t(dB) @ B + B.T @ dB
    if which == "eq1":
        hA = Gl @ (dA @ BtB) + GlA @ dBtB - G @ dB
        hB = dB @ AtGlA + B @ (t(dA) @ GlA + GlA.T @ dA) - GdA
    else:
        hA = GdA @ BtB + GlA @ dBtB - G @ dB + lam * GdA
        hB = dB @ AtGlA + B @ (t(dA) @ GlA + GlA.T @ dA) - GdA + lam * dB
    return 2.0 * hA, 2.0 * hB


def hessian_eigenvalues(G, A, B, lam, which, chunk=256):
    """All eigenvalues (ascending) of the Hessian in the 2pk parameters (vec A, vec B)."""
    p, k = A.shape
    N = 2 * p * k
    H = np.empty((N, N))
    for start in range(0, N, chunk):
        idx = np.arange(start, min(start + chunk, N))
        E = np.zeros((idx.size, N))
        E[np.arange(idx.size), idx] = 1.0
        hA, hB = hessian_vector_products(G, A, B, lam, which,
                                         E[:, :p * k].reshape(-1, p, k), E[:, p * k:].reshape(-1, p, k))
        H[:, idx] = np.concatenate([hA.reshape(idx.size, -1), hB.reshape(idx.size, -1)], axis=1).T
    return np.linalg.eigvalsh((H + H.T) / 2)


def nullity(which, k, p_null=0) -> int:
    """Dimension of the symmetry orbit through a minimiser (the Hessian's expected null space).

    Eq. (2): the k(k − 1)/2 rotations, plus ``p_null·k`` for the rows of A that
    only X's null space sees (``p_null = p − rank X``). Eq. (1): the k² maps
    ``(AC, BC⁻ᵀ)``.
    """
    return k * k if which == "eq1" else k * (k - 1) // 2 + p_null * k


class Convergence(NamedTuple):
    """Distance of an end point to the solution set, estimated from its gradient.

    Attributes
    ----------
    distance : float
        ``2‖g‖/μ``: bound on the Frobenius distance of (A, B) to the nearest minimiser.
    mu : float
        Smallest Hessian eigenvalue across the solution set.
    null_top : float
        Largest of the ``nullity`` smallest eigenvalues (the symmetries'); ≪ μ.
    grad_norm : float
        ``‖g‖₂`` over all 2pk entries.
    value_gap : float
        ``‖g‖·distance``: bound on how far the value lies above the minimum.
    """

    distance: float
    mu: float
    null_top: float
    grad_norm: float
    value_gap: float


def convergence(G, A, B, lam, which, n_null, grad) -> Convergence:
    """:class:`Convergence` of (A, B) with gradient blocks `grad` = (gA, gB).

    Raises
    ------
    ValueError
        If the ``n_null`` smallest eigenvalues are not separated from the next
        by a factor of at least 100 (the solution set is then not the expected one).
    """
    ev = hessian_eigenvalues(G, A, B, lam, which)
    null_top = float(np.max(np.abs(ev[:n_null]))) if n_null else 0.0
    mu = float(ev[n_null])
    if not mu > 100 * null_top:
        raise ValueError(f"no curvature gap after {n_null} null directions: {ev[:n_null + 2]}")
    g = float(np.sqrt(sum(np.sum(np.asarray(x) ** 2) for x in grad)))
    dist = 2.0 * g / mu
    return Convergence(dist, mu, null_top, g, g * dist)


def cosine_shift_bound(E, distance) -> float:
    """How far a cosine between rows of E can move when E moves by at most `distance` (Frobenius).

    A row e moved by δ turns by at most ``arcsin(‖δ‖/‖e‖) ≤ (π/2)‖δ‖/‖e‖``, and a
    cosine is 1-Lipschitz in the angle, so a cosine of two rows moves by at most
    ``π·distance / min‖e‖`` over the non-zero rows.
    """
    norms = np.linalg.norm(np.asarray(E), axis=1)
    return float(np.pi * distance / norms[norms > 0].min())


def user_cosine_shift_bound(X, A, distance) -> float:
    """As :func:`cosine_shift_bound` for the user embeddings ``x_u A`` when A moves by `distance`.

    ``‖x_u δA‖ ≤ ‖x_u‖·distance``, so the bound is ``π·distance·max_u ‖x_u‖/‖x_u A‖``.
    """
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    rows = np.linalg.norm(X @ A, axis=1)
    live = rows > 0
    return float(np.pi * distance * np.max(np.linalg.norm(X, axis=1)[live] / rows[live]))
