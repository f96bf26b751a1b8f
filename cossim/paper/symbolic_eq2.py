"""SymPy derivations of Section 2.3: the scalar problem of Eq. (2) and Eq. (6).

In the singular basis of X each latent direction of Eq. (2) contributes the
scalar problem ``g(p, q) = (σ − pq)² + λ(p² + q²)``, p the user-side and q the
item-side factor (the reduction itself is proved in the book's Chapter 2.3,
not here). This module derives its solution without assuming a branch:

* :func:`eq2_scalar_solution` solves the stationarity equations over the
  complex numbers (all roots), derives for each root the condition on (σ, λ)
  under which it is a real non-zero point, compares the objective values and
  builds the optimal product ``pq`` as a Piecewise from those conditions —
  the soft threshold ``(σ − λ)₊``, decided by the sign of σ − λ;
* :func:`eq6_from_scalar` turns it into the diagonals of Eq. (6) and
  compares them with the paper's form on both branches;
* :func:`eq2_scalar_lambda_zero`: at λ = 0 the stationary set is the curve
  ``pq = σ``, so every rescaling ``(pd, q/d)`` is optimal (no uniqueness);
* :func:`eq2_balance_identity`: for generic matrices,
  ``Pᵀ∂_P F − (∂_Q F)ᵀQ = 2λ(PᵀP − QᵀQ)``, so every stationary point of Eq. (2)
  with λ > 0 is balanced, ``(XA)ᵀXA = BᵀB``;
* :func:`eq2_rescaled_optimum_excess`: rescaling the optimum by d costs
  ``λ(σ − λ)(d − 1/d)²``.
"""

from __future__ import annotations

from typing import NamedTuple

import sympy as sp

from .symbolic_core import check_size, lam, sigma, sq

__all__ = [
    "eq2_scalar_solution",
    "Eq2ScalarSolution",
    "eq6_from_scalar",
    "eq2_scalar_lambda_zero",
    "Eq2LambdaZero",
    "eq2_balance_identity",
    "eq2_rescaled_optimum_excess",
]


class Eq2ScalarSolution(NamedTuple):
    """The scalar problem of Eq. (2), solved symbolically (λ > 0).

    Attributes
    ----------
    objective : Expr
        ``g(p, q) = (σ − pq)² + w·λ(p² + q²)`` (w = 1 for Eq. (2)).
    roots : list of dict
        Every solution of ``∂g/∂p = ∂g/∂q = 0`` over the complex numbers.
    conditions : list of Boolean
        For each root, the condition on (σ, λ) under which it is a real point
        other than the origin (``p² > 0`` and ``q² > 0``; for a complex x,
        x² is a positive real exactly when x is real and non-zero).
    values : list of Expr
        g at each root.
    stationary_points : list of dict
        The real non-zero roots (those whose condition is satisfiable), then the origin.
    threshold_condition : Relational
        The one condition under which the non-zero roots are real (``σ > λ``).
    value_at_origin, value_nonzero : Expr
        g at (0, 0) and at the non-zero real roots.
    gain : Expr
        ``value_at_origin − value_nonzero`` (``(σ − λ)²``), positive on the
        threshold condition (checked by writing σ = θ + t, t > 0).
    hessian_eigenvalues_origin : list of Expr
        ``2λ ± 2σ``: the origin is a saddle when σ > λ, a minimum when σ < λ.
    product, magnitude : Expr
        The optimal ``pq`` and ``|p| = |q|`` as Piecewise, built from the
        derived condition (not typed in).
    soft_threshold_residual : Expr
        ``product − (σ − λ)₊``, simplified: 0 when the product is the soft threshold.
    """

    objective: sp.Expr
    roots: list
    conditions: list
    values: list
    stationary_points: list
    threshold_condition: sp.Basic
    value_at_origin: sp.Expr
    value_nonzero: sp.Expr
    gain: sp.Expr
    hessian_eigenvalues_origin: list
    product: sp.Expr
    magnitude: sp.Expr
    soft_threshold_residual: sp.Expr


def _real_nonzero_condition(root, p, q):
    """Condition on σ under which a root (p, q) is a real point other than the origin."""
    p2, q2 = sp.expand(root[p] ** 2), sp.expand(root[q] ** 2)
    if p2 == 0 and q2 == 0:
        return sp.false
    return sp.reduce_inequalities([p2 > 0, q2 > 0], [sigma])


def _positive_on(expr, condition) -> bool:
    """Whether `expr` is positive wherever ``σ > θ`` (`condition`), by writing σ = θ + t, t > 0."""
    if not (isinstance(condition, sp.StrictGreaterThan) and condition.lhs == sigma):
        raise RuntimeError(f"expected a condition σ > θ, got {condition}")  # pragma: no cover
    t = sp.Symbol("t", positive=True)
    return bool(sp.factor(sp.simplify(expr.subs(sigma, condition.rhs + t))).is_positive)


def eq2_scalar_solution(penalty=1) -> Eq2ScalarSolution:
    """Solve ``min_{p,q} (σ − pq)² + w·λ(p² + q²)`` for σ, λ > 0, deriving both branches.

    The derivation: (1) all roots of the stationarity equations (SymPy over C);
    (2) for each, the condition on (σ, λ) for a real non-zero point; (3) the
    objective values and the gain of the non-zero roots over the origin. Since
    ``g ≥ wλ(p² + q²)``, g is coercive and its minimum is a real stationary
    point: where the non-zero roots are real they win by the gain (positive
    there), elsewhere only the origin is left. The optimal product is assembled
    from these derived pieces. For Eq. (2), ``penalty`` w = 1; another w is a
    different regulariser (the tests use it to break the claim on purpose).
    """
    w = sp.nsimplify(penalty)
    p, q = sp.symbols("p q")
    g = (sigma - p * q) ** 2 + w * lam * (p**2 + q**2)
    roots = sp.solve([sp.diff(g, p), sp.diff(g, q)], [p, q], dict=True)
    conditions = [_real_nonzero_condition(r, p, q) for r in roots]
    values = [sp.simplify(g.subs(r)) for r in roots]
    origin = {p: sp.Integer(0), q: sp.Integer(0)}
    v0 = g.subs(origin)
    real = [i for i, c in enumerate(conditions) if c is not sp.false]
    cond = {conditions[i] for i in real}
    v_nz = {sp.factor(values[i]) for i in real}
    if len(cond) != 1 or len(v_nz) != 1:  # pragma: no cover - would mean the derivation changed
        raise RuntimeError(f"expected one branch of non-zero real roots, got {cond}, {v_nz}")
    (cond,), (v_nz,) = cond, v_nz
    gain = sp.factor(v0 - v_nz)
    if not _positive_on(gain, cond):  # pragma: no cover
        raise RuntimeError(f"the non-zero roots do not beat the origin where they are real: {gain}")
    best = roots[real[0]]
    product = sp.Piecewise((sp.expand(best[p] * best[q]), cond), (0, True))
    magnitude = sp.Piecewise((sp.sqrt(sp.expand(best[p] ** 2)), cond), (0, True))
    eig = sorted(sp.hessian(g, (p, q)).subs(origin).eigenvals(), key=sp.default_sort_key)
    soft = sp.Max(sigma - lam, 0).rewrite(sp.Piecewise)
    points = [roots[i] for i in real] + [origin]
    return Eq2ScalarSolution(g, roots, conditions, values, points, cond, v0, sp.expand(v_nz), gain,
                             eig, product, magnitude, sp.simplify(product - soft))


def _on_both_branches(derived, paper):
    """``derived − paper`` simplified on σ > λ (σ = λ + t) and on σ ≤ λ (λ = σ + t), t ≥ 0."""
    t_pos = sp.Symbol("t", positive=True)
    t_nonneg = sp.Symbol("t", nonnegative=True)
    above = sp.simplify((derived - paper).subs(sigma, lam + t_pos))
    below = sp.simplify((derived - paper).subs(lam, sigma + t_nonneg))
    return above, below


def eq6_from_scalar(penalty=1):
    """Eq. (6)'s diagonals from the derived scalar solution, against the paper's form.

    In the singular basis the user embedding of direction i is ``p = σ_i a_i``
    (``XV = UΣ``) and the item embedding is ``q = b_i``, so ``a = |p|/σ`` and
    ``b = |q|``, with the derived Piecewise magnitude. The paper writes
    ``√((1/σ)(1 − λ/σ)₊)`` and ``√(σ(1 − λ/σ)₊)`` with ``(y)₊ = max(0, y)``. The
    differences are simplified on each branch (σ > λ and σ ≤ λ), which
    together cover every σ, λ > 0.

    Returns
    -------
    dict
        ``a``, ``b`` (derived Piecewise), ``a_paper``, ``b_paper``, and
        ``a_diff``, ``b_diff``: the pair of branch residuals (both 0).
    """
    sol = eq2_scalar_solution(penalty)
    a, b = sol.magnitude / sigma, sol.magnitude
    plus = sp.Max(1 - lam / sigma, 0)
    a_paper, b_paper = sp.sqrt(plus / sigma), sp.sqrt(sigma * plus)
    return {"a": a, "b": b, "a_paper": a_paper, "b_paper": b_paper,
            "a_diff": _on_both_branches(a, a_paper), "b_diff": _on_both_branches(b, b_paper)}


class Eq2LambdaZero(NamedTuple):
    """The scalar problem of Eq. (2) at λ = 0, ``(σ − pq)²``.

    Attributes
    ----------
    objective : Expr
    roots : list of dict
        SymPy's solution of the stationarity equations: the origin and the
        curve ``p = σ/q`` (a one-parameter family, not isolated points).
    value_on_curve : Expr
        g on the curve: 0, the global minimum (g ≥ 0).
    rescaling_difference : Expr
        ``g(pd, q/d) − g(p, q)``: identically 0, so every rescaling of an optimum is optimal.
    """

    objective: sp.Expr
    roots: list
    value_on_curve: sp.Expr
    rescaling_difference: sp.Expr


def eq2_scalar_lambda_zero(penalty=0) -> Eq2LambdaZero:
    """The degenerate case λ = 0: every point of ``pq = σ`` is optimal, so no uniqueness.

    `penalty` w puts ``w·λ(p² + q²)`` back (w = 0 is the case itself; the tests
    use w = 1 to show that the rescaling freedom then disappears).
    """
    p, q = sp.symbols("p q")
    d = sp.Symbol("d", real=True, nonzero=True)
    g = (sigma - p * q) ** 2 + sp.nsimplify(penalty) * lam * (p**2 + q**2)
    roots = sp.solve([sp.diff(g, p), sp.diff(g, q)], [p, q], dict=True)
    curve = [r for r in roots if q not in r]
    value = sp.simplify(g.subs(curve[0])) if curve else None
    diff = sp.simplify(g.subs({p: p * d, q: q / d}, simultaneous=True) - g)
    return Eq2LambdaZero(g, roots, value, diff)


def eq2_balance_identity(n: int = 2, p: int = 3, k: int = 2, weights=(1, 1)):
    """``Pᵀ∂_P F − (∂_Q F)ᵀQ − 2λ(PᵀP − QᵀQ)`` for generic matrices, simplified (a k×k matrix).

    ``F = ‖X − PQᵀ‖² + λ(w_P‖P‖² + w_Q‖Q‖²)`` with P = XA (n×k) and Q = B
    (p×k); Eq. (2) has ``weights = (1, 1)``, and then the result is the zero
    matrix: at every stationary point ``λ(PᵀP − QᵀQ) = 0``, so for λ > 0 the user
    and item embeddings are balanced. (Stationarity in A is stationarity in P:
    ``∂_A = Xᵀ∂_P F`` and ``∂_P F`` lies in the column space of X.) The general
    proof is two lines (``Pᵀ∂_P F = −2Pᵀ(X − PQᵀ)Q + 2λw_P PᵀP`` and
    ``(∂_Q F)ᵀQ = −2Pᵀ(X − PQᵀ)Q + 2λw_Q QᵀQ``); this is the same at fixed sizes.
    """
    n, p, k = check_size(n, "n"), check_size(p, "p"), check_size(k, "k")
    X = sp.Matrix(n, p, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True))
    P = sp.Matrix(n, k, lambda i, j: sp.Symbol(f"p_{i}{j}", real=True))
    Q = sp.Matrix(p, k, lambda i, j: sp.Symbol(f"q_{i}{j}", real=True))
    w_p, w_q = (sp.nsimplify(w) for w in weights)
    F = sq(X - P * Q.T) + lam * (w_p * sq(P) + w_q * sq(Q))
    dP = P.applyfunc(lambda e: sp.diff(F, e))
    dQ = Q.applyfunc(lambda e: sp.diff(F, e))
    residual = P.T * dP - dQ.T * Q - 2 * lam * (P.T * P - Q.T * Q)
    return residual.applyfunc(lambda e: sp.simplify(sp.expand(e)))


def eq2_rescaled_optimum_excess():
    """How much Eq. (2)'s scalar objective rises when its optimum is rescaled by d.

    At the derived optimum (the non-zero real root of :func:`eq2_scalar_solution`,
    σ > λ) replace ``p → pd, q → q/d``. The fit term ``(σ − pq)²`` is unchanged;
    the penalty becomes ``λ(σ − λ)(d² + d⁻²)``, so the excess is
    ``λ(σ − λ)(d − 1/d)²``: positive unless d = ±1.

    Returns
    -------
    (Expr, Symbol)
        The factored excess and the symbol d.
    """
    d = sp.Symbol("d", real=True, nonzero=True)
    t = sp.Symbol("t", positive=True)  # t = σ − λ > 0, the branch of the non-zero optimum
    sol = eq2_scalar_solution()
    p, q = sorted(sol.objective.free_symbols - {sigma, lam}, key=str)
    opt = {s: sp.simplify(v.subs(sigma, lam + t)) for s, v in sol.stationary_points[-2].items()}
    g = sol.objective.subs(sigma, lam + t)
    excess = g.subs({p: p * d, q: q / d}, simultaneous=True).subs(opt) - g.subs(opt)
    return sp.factor(sp.simplify(excess)).subs(t, sigma - lam), d
