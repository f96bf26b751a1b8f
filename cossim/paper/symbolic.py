"""Symbolic (SymPy) derivations and proofs for Sections 2.1–2.3 of the paper.

Every function returns SymPy objects that a reader (or a test) can inspect;
the book asserts on them, so a wrong derivation fails the build.

* Eq. (1) ``‖X − XABᵀ‖² + λ‖ABᵀ‖²`` is unchanged by ``A → AD, B → BD⁻¹``
  (Eq. 3) and by ``A → AR, B → BR`` (R a rotation):
  :func:`eq1_rescaling_difference`, :func:`eq1_rotation_difference`.
* Eq. (2) ``‖X − XABᵀ‖² + λ(‖XA‖² + ‖B‖²)`` is unchanged by rotations but
  not by D: :func:`eq2_rotation_difference`, :func:`eq2_rescaling_difference`,
  :func:`eq2_counterexample`.
* Section 2.2: in the singular basis Eq. (1) decouples into scalar problems
  ``σ²(δ − w)² + λw²`` with minimiser ``1/(1 + λ/σ²)``
  (:func:`eq1_scalar_minimiser`, :func:`eq1_decoupling_identity`), and the
  rank-k optimum keeps the k largest σ (:func:`eq1_truncation_score`).
* Section 2.3 (in :mod:`cossim.paper.symbolic_eq2`, re-exported here): the
  scalar problem of Eq. (2), ``(σ − pq)² + λ(p² + q²)``, solved with both
  branches derived (:func:`eq2_scalar_solution`), Eq. (6)
  (:func:`eq6_from_scalar`), the degenerate λ = 0 (:func:`eq2_scalar_lambda_zero`)
  and the balance of every stationary point (:func:`eq2_balance_identity`).

What is symbolic here is of two kinds, and the docstrings say which: identities
in generic symbols (σ, λ, d: proved for all values) and identities of generic
matrices of fixed small sizes (checked at those sizes; the general proof is
the short argument in the docstring and the book).

SymPy is imported by these modules only; ``import cossim`` does not need it.
"""

from __future__ import annotations

from typing import NamedTuple

import sympy as sp

from .._validation import InvalidValue
from .symbolic_core import (
    check_size,
    diagonal,
    eq1_objective,
    eq2_objective,
    lam,
    nonzero_terms,
    rotation_2d,
    sigma,
    sq,
    symbolic_matrices,
)
from .symbolic_eq2 import (
    Eq2LambdaZero,
    Eq2ScalarSolution,
    eq2_balance_identity,
    eq2_rescaled_optimum_excess,
    eq2_scalar_lambda_zero,
    eq2_scalar_solution,
    eq6_from_scalar,
)

__all__ = [
    "sigma",
    "lam",
    "symbolic_matrices",
    "diagonal",
    "rotation_2d",
    "eq1_objective",
    "eq2_objective",
    "nonzero_terms",
    "eq1_rescaling_difference",
    "eq1_rotation_difference",
    "eq2_rotation_difference",
    "eq2_rescaling_difference",
    "Eq2RescalingDifference",
    "eq2_counterexample",
    "Eq2Counterexample",
    "eq1_scalar_minimiser",
    "ScalarMinimiser",
    "eq1_decoupling_identity",
    "eq1_truncation_score",
    "positive_factors_missing",
    "eq2_scalar_solution",
    "Eq2ScalarSolution",
    "eq6_from_scalar",
    "eq2_scalar_lambda_zero",
    "Eq2LambdaZero",
    "eq2_balance_identity",
    "eq2_rescaled_optimum_excess",
]


def _rotation_difference(objective, n: int, p: int, transform=None) -> sp.Expr:
    X, A, B = symbolic_matrices(n, p, 2)
    R, constraint, gens = rotation_2d()
    R = R if transform is None else transform
    diff = sp.expand(objective(X, A * R, B * R) - objective(X, A, B))
    # remainder of the polynomial division by c² + s² − 1: zero iff the
    # difference vanishes for every rotation
    _, remainder = sp.reduced(diff, [constraint], *gens)
    return sp.simplify(remainder)


def eq1_rescaling_difference(n: int = 2, p: int = 3, k: int = 2, *,
                             objective=eq1_objective) -> sp.Expr:
    """Eq. (1) at ``(AD, BD⁻¹)`` minus Eq. (1) at ``(A, B)``, simplified.

    Zero as a polynomial identity in all entries of X, A, B, D and λ, which
    checks the invariance under Eq. (3) at these sizes; the general proof is
    that the objective depends on (A, B) only through ``ABᵀ`` and
    ``AD(BD⁻¹)ᵀ = A D D⁻¹ Bᵀ = ABᵀ`` because ``Dᵀ = D``. `objective` (default
    Eq. (1)) lets a test put another objective, e.g. Eq. (2), in its place.
    """
    X, A, B = symbolic_matrices(n, p, k)
    D = diagonal(k)
    diff = objective(X, A * D, B * D.inv()) - objective(X, A, B)
    return sp.simplify(sp.expand(diff))


def eq1_rotation_difference(n: int = 2, p: int = 3, transform=None) -> sp.Expr:
    """Eq. (1) at ``(AR, BR)`` minus Eq. (1) at ``(A, B)`` for a 2×2 rotation R (k = 2).

    Reduced modulo ``c² + s² − 1``, so 0 means: zero for every rotation.
    `transform` replaces R by another 2×2 matrix in the symbols (s, c) of
    :func:`rotation_2d` (a test's deliberate break: a shear is no rotation).
    """
    return _rotation_difference(eq1_objective, n, p, transform)


def eq2_rotation_difference(n: int = 2, p: int = 3, transform=None) -> sp.Expr:
    """Eq. (2) at ``(AR, BR)`` minus Eq. (2) at ``(A, B)`` for a 2×2 rotation R (k = 2).

    Reduced modulo ``c² + s² − 1``, so 0 means: zero for every rotation
    (`transform` as in :func:`eq1_rotation_difference`).
    """
    return _rotation_difference(eq2_objective, n, p, transform)


class Eq2RescalingDifference(NamedTuple):
    """Eq. (2) at ``(AD, BD⁻¹)`` minus Eq. (2) at ``(A, B)``.

    Attributes
    ----------
    difference : Expr
        The raw difference of the two objective values.
    compact : Expr
        ``λ Σ_j [(d_j² − 1)‖(XA)_{:,j}‖² + (d_j⁻² − 1)‖B_{:,j}‖²]``.
    residual : Expr
        ``difference − compact``, simplified (0: the compact form is exact).
    """

    difference: sp.Expr
    compact: sp.Expr
    residual: sp.Expr


def eq2_rescaling_difference(n: int = 2, p: int = 3, k: int = 2, *,
                             power: int = 2, lam_=lam) -> Eq2RescalingDifference:
    """Eq. (2) at ``(AD, BD⁻¹)`` minus Eq. (2) at ``(A, B)``, in closed form.

    The fit term cancels and the penalty does not: the difference is
    ``λ Σ_j [(d_j² − 1)‖(XA)_{:,j}‖² + (d_j⁻² − 1)‖B_{:,j}‖²]``, which is not
    identically 0 (it is 0 for all (A, B) only if every d_j² = 1). `power`
    is the exponent of d_j in the compact form (2; another value is a wrong
    formula, for the tests); `lam_` the weight λ (a symbol; at 0 the
    difference vanishes: the degenerate case of §2.3).
    """
    X, A, B = symbolic_matrices(n, p, k)
    D = diagonal(k)
    d = [D[j, j] for j in range(k)]
    diff = eq2_objective(X, A * D, B * D.inv(), lam_) - eq2_objective(X, A, B, lam_)
    XA = X * A
    compact = lam_ * sum(
        ((d[j] ** power - 1) * sq(XA[:, j]) + (d[j] ** -power - 1) * sq(B[:, j]) for j in range(k)),
        sp.Integer(0),
    )
    residual = sp.simplify(sp.expand(diff - compact))
    return Eq2RescalingDifference(diff, compact, residual)


class Eq2Counterexample(NamedTuple):
    """Concrete numbers showing Eq. (2) is not invariant under Eq. (3).

    ``before``/``after`` are exact values of Eq. (2) at ``(A, B)`` and at
    ``(AD, BD⁻¹)``; ``values`` the substitution that was used.
    """

    before: sp.Expr
    after: sp.Expr
    values: dict


def eq2_counterexample(d=2) -> Eq2Counterexample:
    """Eq. (2) for the 1×1 case X = 1, A = B = 1, λ = 1 at d = 1 and at d.

    The pair (A, B) = (1, 1) is not the optimum here; the point is only that
    the objective takes different values at the two members of one Eq. (3)
    family. See :func:`eq2_scalar_solution` for what happens at the optimum.
    """
    d = sp.nsimplify(d)
    if d == 0:
        raise InvalidValue("d must be non-zero (D must be invertible)")
    x, a, b, l_ = sp.symbols("x a b l", real=True)
    f = eq2_objective(sp.Matrix([[x]]), sp.Matrix([[a]]), sp.Matrix([[b]]), l_)
    values = {x: 1, a: 1, b: 1, l_: 1}
    before = f.subs(values)
    after = f.subs({a: a * d, b: b / d}).subs(values)
    return Eq2Counterexample(sp.nsimplify(before), sp.nsimplify(after), values)


class ScalarMinimiser(NamedTuple):
    """Solution of a one-dimensional quadratic problem.

    Attributes
    ----------
    objective : Expr
        The scalar objective in the variable ``w``.
    minimiser : Expr
        Its unique stationary point.
    curvature : Expr
        Second derivative (positive, so the stationary point is the minimum).
    minimum : Expr
        Objective value at the minimiser.
    """

    objective: sp.Expr
    minimiser: sp.Expr
    curvature: sp.Expr
    minimum: sp.Expr


def eq1_scalar_minimiser() -> ScalarMinimiser:
    """Minimise ``σ²(1 − w)² + λw²`` over w (one diagonal entry of Eq. (1) in the SVD basis).

    The minimiser is ``σ²/(σ² + λ) = 1/(1 + λ/σ²)``, the shrinkage of §2.2.
    """
    w = sp.Symbol("w", real=True)
    f = sigma**2 * (1 - w) ** 2 + lam * w**2
    (w_star,) = sp.solve(sp.diff(f, w), w)
    return ScalarMinimiser(
        f, sp.simplify(w_star), sp.simplify(sp.diff(f, w, 2)), sp.simplify(f.subs(w, w_star))
    )


def eq1_decoupling_identity(p: int = 3, shrinkage=None) -> sp.Expr:
    """Check that Eq. (1) in the singular basis is a sum of independent scalar terms.

    With ``X = UΣVᵀ`` (V square orthogonal) and ``W̃ = VᵀWV``,
    ``‖X − XW‖² + λ‖W‖² = ‖Σ − ΣW̃‖² + λ‖W̃‖²``. This function returns

    ``‖Σ − ΣW̃‖² + λ‖W̃‖² − Σ_ij (σ_i² + λ)(w̃_ij − m_i δ_ij)² − Σ_i λσ_i²/(σ_i² + λ)``

    with ``m_i = σ_i²/(σ_i² + λ)``, simplified; it is 0, i.e. completing the
    square entry by entry: every entry is an independent weighted least-squares
    term centred at ``m_i δ_ij``. The identity is checked for a generic p × p
    case; in general it holds term by term (each entry of W̃ appears in one
    term of the sum). `shrinkage` (a function of σ, default ``σ²/(σ² + λ)``)
    lets a test put a wrong centre in.
    """
    p = check_size(p, "p")
    s = sp.symbols(f"s_1:{p + 1}", positive=True)
    Wt = sp.Matrix(p, p, lambda i, j: sp.Symbol(f"w_{i}{j}", real=True))
    S = sp.diag(*s)
    lhs = sq(S - S * Wt) + lam * sq(Wt)
    shrinkage = (lambda x: x**2 / (x**2 + lam)) if shrinkage is None else shrinkage
    m = [shrinkage(si) for si in s]
    rhs = sum(
        ((s[i] ** 2 + lam) * (Wt[i, j] - (m[i] if i == j else 0)) ** 2
         for i in range(p) for j in range(p)),
        sp.Integer(0),
    ) + sum((lam * si**2 * mi / si**2 for si, mi in zip(s, m)), sp.Integer(0))
    return sp.simplify(sp.together(sp.expand(lhs - rhs)))


def eq1_truncation_score(weight=None):
    """Weight ``c(σ) = √(σ² + λ)·m(σ) = σ²/√(σ² + λ)`` and its derivative in σ.

    After completing the square (:func:`eq1_decoupling_identity`), the rank-k
    problem is ``min ‖S(W̃ − M)‖²`` over rank-k W̃ with
    ``S = dMat(√(σ_i² + λ))``; with ``Z = SW̃`` it is the best rank-k
    approximation of the diagonal matrix ``SM = dMat(c(σ_i))`` (Eckart–Young).
    Because ``dc/dσ > 0``, the k largest entries belong to the k largest σ:
    the top-k truncation is optimal.

    `weight` replaces ``√(σ² + λ)`` (a test's deliberate mistake).

    Returns
    -------
    (Expr, Expr)
        ``c(σ)`` and ``dc/dσ`` (simplified; positive for σ, λ > 0).
    """
    weight = sp.sqrt(sigma**2 + lam) if weight is None else weight
    c = weight * sigma**2 / (sigma**2 + lam)
    c = sp.simplify(c)
    return c, sp.simplify(sp.diff(c, sigma))


def positive_factors_missing(expr) -> int:
    """Number of factors of ``factor(expr)`` that SymPy cannot show positive (0: expr > 0).

    With σ and λ declared positive, ``dc/dσ`` of :func:`eq1_truncation_score`
    factors into positive terms; the book's claim "c increases with σ" is
    that this count is 0, for every σ, λ > 0.
    """
    return sum(1 for f in sp.Mul.make_args(sp.factor(expr)) if not f.is_positive)
