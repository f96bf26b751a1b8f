"""Chapter 6: the conservation law of gradient flow on Eq. (1), checked along an Euler trajectory.

Eq. (1) depends on (A, B) only through ``W = ABᵀ``; with ``∇_W`` its gradient in
W, the gradients in the factors are ``∇_A = ∇_W B`` and ``∇_B = ∇_Wᵀ A``. Under
gradient flow with step sizes (rates) η_A and η_B, ``Ȧ = −η_A∇_A``,
``Ḃ = −η_B∇_B``::

    d/dt (AᵀA) = −η_A (Aᵀ∇_W B + Bᵀ∇_Wᵀ A),     d/dt (BᵀB) = −η_B (Bᵀ∇_Wᵀ A + Aᵀ∇_W B),

both symmetric, and equal up to the rates: ``AᵀA/η_A − BᵀB/η_B`` is conserved
(``AᵀA − BᵀB`` for one shared rate). An explicit Euler step of size η changes
``C = AᵀA/η_A − BᵀB/η_B`` by exactly ``η_A∇_Aᵀ∇_A − η_B∇_Bᵀ∇_B`` (the first-order
terms cancel), so after many steps C has drifted by at most
``Σ_steps (η_A‖∇_A‖²_F + η_B‖∇_B‖²_F)``: O(η) over a fixed time.
:func:`euler_flow` measures that drift and the derivative law along a trajectory.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import cossim

from .tolerances import gamma

__all__ = ["flow_derivative", "one_sided_derivative", "FlowCheck", "euler_flow"]


def flow_derivative(A, B, grad_W):
    """The corrected law: ``d/dt(AᵀA)`` per unit rate, ``−(Aᵀ∇_W B + Bᵀ∇_Wᵀ A)`` (symmetric)."""
    M = A.T @ grad_W @ B
    return -(M + M.T)


def one_sided_derivative(A, B, grad_W):
    """The earlier, wrong expression ``−2Aᵀ∇_W B`` (not symmetric); kept for the tests that break the law."""
    return -2.0 * A.T @ grad_W @ B


class FlowCheck(NamedTuple):
    """What :func:`euler_flow` measured.

    Attributes
    ----------
    drift : float
        ``‖C(T) − C(0)‖_F`` for ``C = AᵀA − (η_A/η_B)·BᵀB`` (η_A times the conserved quantity).
    drift_bound : float
        ``η_A·Σ(η_A‖∇_A‖²_F + η_B‖∇_B‖²_F)`` plus rounding: the O(η) change the
        Euler steps allow (nearly attained when the gradients are nearly rank one,
        as ``‖∇ᵀ∇‖_F ≤ ‖∇‖²_F`` is then nearly an equality).
    second_order_residual, second_order_tol : float
        ``‖C(T) − C(0) − Σ(η_A²∇_Aᵀ∇_A − η_Aη_B∇_Bᵀ∇_B)‖_F``: what is left of the
        drift once the Euler steps' exact second-order terms are taken out (0 in
        exact arithmetic: the flow itself changes nothing), and the rounding
        bound of the iterates, ``4nu·(max‖A‖² + (η_A/η_B)max‖B‖²)`` plus the final products.
    unweighted_drift, unweighted_residual : float
        The same two for ``AᵀA − BᵀB`` (equal to the weighted ones for one rate).
    size : float
        ``‖C(0)‖_F``, to read the drift relative to the quantity.
    derivative_ratio : float
        Largest over the steps of ``‖ΔAᵀA/η_A − law − η_A∇_Aᵀ∇_A‖_F`` (the Euler
        difference quotient minus the law and the step's exact second-order term)
        over its rounding bound: ≤ 1 when the law is right.
    travel : float
        ``‖AᵀA(T) − AᵀA(0)‖_F``: how far the trajectory moved AᵀA.
    value_drop : float
        Eq. (1) at the start minus at the end (the flow descends).
    """

    drift: float
    drift_bound: float
    second_order_residual: float
    second_order_tol: float
    unweighted_drift: float
    unweighted_residual: float
    size: float
    derivative_ratio: float
    travel: float
    value_drop: float


def _law_rounding(G, A, B, lam, eta_a, gA, m):
    """Rounding bound of ``ΔAᵀA/η_A − law`` in one step: the difference quotient and ∇_W's products."""
    a, b, w = np.linalg.norm(A), np.linalg.norm(B), np.linalg.norm(A) * np.linalg.norm(B)
    g = np.linalg.norm(G)
    return 8 * gamma(m) * (a * a / eta_a + a * np.linalg.norm(gA) + a * b * (g * (w + 1) + lam * w))


def euler_flow(X, A0, B0, lam, step, n_steps, step_B=None, law=flow_derivative) -> FlowCheck:
    """Explicit Euler on Eq. (1), ``A ← A − η_A∇_A``, ``B ← B − η_B∇_B``, measuring the flow's law.

    Parameters
    ----------
    X : matrix, shape (n, p)
    A0, B0 : ndarray, shape (p, k)
        Start.
    lam : float
        λ of Eq. (1).
    step : float
        η_A (and η_B unless `step_B` is given).
    n_steps : int
    step_B : float, optional
        A separate η_B.
    law : callable
        ``law(A, B, ∇_W)`` → predicted ``d/dt(AᵀA)`` per unit rate (default: the corrected law).
        ∇_W is computed separately from the factor gradients, as ``2((G + λI)W − G)``.
    """
    G = np.asarray(cossim.gram_matrix(X))
    eta_a, eta_b = float(step), float(step if step_B is None else step_B)
    w = eta_a / eta_b
    A, B = np.array(A0, dtype=float), np.array(B0, dtype=float)
    p, k = A.shape
    m = X.shape[0] + p + k
    G_lam = G + lam * np.eye(p)
    start, f0 = (A.T @ A, B.T @ B), cossim.objective_eq1(X, A, B, lam)
    steps_sum, ratio, big = 0.0, 0.0, 0.0
    second = np.zeros((2, k, k))                      # Σ η_A²∇_Aᵀ∇_A and Σ η_A²∇_Bᵀ∇_B
    for _ in range(int(n_steps)):
        gA, gB = cossim.gradient_eq1(X, A, B, lam)
        A_new = A - eta_a * gA
        fd = (A_new.T @ A_new - A.T @ A) / eta_a
        exact = law(A, B, 2.0 * (G_lam @ (A @ B.T) - G)) + eta_a * gA.T @ gA
        ratio = max(ratio, float(np.linalg.norm(fd - exact) / _law_rounding(G, A, B, lam, eta_a, gA, m)))
        steps_sum += eta_a * np.linalg.norm(gA) ** 2 + eta_b * np.linalg.norm(gB) ** 2
        second += eta_a**2 * np.stack([gA.T @ gA, gB.T @ gB])
        A, B = A_new, B - eta_b * gB
        big = max(big, np.linalg.norm(A) ** 2 + max(w, 1.0) * np.linalg.norm(B) ** 2)
    C0, C1 = start[0] - w * start[1], A.T @ A - w * (B.T @ B)
    U0, U1 = start[0] - start[1], A.T @ A - B.T @ B
    rounding = 4 * gamma(m) * int(n_steps) * (np.linalg.norm(A) ** 2 + w * np.linalg.norm(B) ** 2)
    tol = 4 * int(n_steps) * gamma(2) * big + 4 * gamma(p) * big
    return FlowCheck(float(np.linalg.norm(C1 - C0)), eta_a * steps_sum + rounding,
                     float(np.linalg.norm(C1 - C0 - (second[0] - second[1] / w))), tol,
                     float(np.linalg.norm(U1 - U0)),
                     float(np.linalg.norm(U1 - U0 - (second[0] - second[1] / w**2))),
                     float(np.linalg.norm(C0)), ratio, float(np.linalg.norm(A.T @ A - start[0])),
                     f0 - cossim.objective_eq1(X, A, B, lam))
