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
* Section 2.3: the scalar problem of Eq. (2), ``(σ − pq)² + λ(p² + q²)``,
  is solved by soft-thresholding, ``pq = (σ − λ)₊``, giving Eq. (6)
  (:func:`eq2_scalar_solution`).

SymPy is imported by this module only; ``import cossim`` does not need it.
"""

from __future__ import annotations

from typing import NamedTuple

try:
    import sympy as sp
except ImportError:  # an extra: the numerics need no SymPy
    raise ImportError("cossim.symbolic needs SymPy: pip install 'cossim[symbolic]'") from None

from .._validation import InvalidValue, check_int

__all__ = [
    "symbolic_matrices",
    "diagonal",
    "rotation_2d",
    "eq1_objective",
    "eq2_objective",
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
    "eq2_scalar_solution",
    "Eq2ScalarSolution",
    "eq6_from_scalar",
    "eq2_rescaled_optimum_excess",
]

# Positive symbols shared by the derivations.
sigma, lam = sp.symbols("sigma lambda", positive=True)


def _check_size(value, name: str, maximum: int = 4) -> int:
    """A matrix dimension for a symbolic derivation: 1 to `maximum` (kept small for speed)."""
    return check_int(value, name, 1, maximum)


def symbolic_matrices(n: int = 2, p: int = 3, k: int = 2):
    """Generic matrices X (n×p), A (p×k), B (p×k) with one real symbol per entry.

    Sizes are capped at 4 so that the symbolic expansion stays fast.
    """
    n, p, k = _check_size(n, "n"), _check_size(p, "p"), _check_size(k, "k")
    X = sp.Matrix(n, p, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True))
    A = sp.Matrix(p, k, lambda i, j: sp.Symbol(f"a_{i}{j}", real=True))
    B = sp.Matrix(p, k, lambda i, j: sp.Symbol(f"b_{i}{j}", real=True))
    return X, A, B


def diagonal(k: int = 2):
    """A generic invertible diagonal D = dMat(d_1, …, d_k) (non-zero symbols)."""
    k = _check_size(k, "k")
    d = sp.symbols(f"d_1:{k + 1}", real=True, nonzero=True)
    return sp.diag(*d)


def rotation_2d():
    """A generic 2×2 rotation ``[[c, −s], [s, c]]`` and its constraint ``c² + s² − 1``.

    Returns
    -------
    (Matrix, Expr, (Symbol, Symbol))
        R, the polynomial that vanishes exactly on rotations, and (s, c).
    """
    c, s = sp.symbols("c s", real=True)
    return sp.Matrix([[c, -s], [s, c]]), c**2 + s**2 - 1, (s, c)


def _rotation_difference(objective, n: int, p: int) -> sp.Expr:
    X, A, B = symbolic_matrices(n, p, 2)
    R, constraint, gens = rotation_2d()
    diff = sp.expand(objective(X, A * R, B * R) - objective(X, A, B))
    # remainder of the polynomial division by c² + s² − 1: zero iff the
    # difference vanishes for every rotation
    _, remainder = sp.reduced(diff, [constraint], *gens)
    return sp.simplify(remainder)


def _sq(M) -> sp.Expr:
    """Squared Frobenius norm of a SymPy matrix."""
    return sum((e**2 for e in M), sp.Integer(0))


def eq1_objective(X, A, B, lam_=lam) -> sp.Expr:
    """Eq. (1) as a SymPy expression: ``‖X − XABᵀ‖² + λ‖ABᵀ‖²``."""
    W = A * B.T
    return _sq(X - X * W) + lam_ * _sq(W)


def eq2_objective(X, A, B, lam_=lam) -> sp.Expr:
    """Eq. (2) as a SymPy expression: ``‖X − XABᵀ‖² + λ(‖XA‖² + ‖B‖²)``."""
    return _sq(X - X * A * B.T) + lam_ * (_sq(X * A) + _sq(B))


def eq1_rescaling_difference(n: int = 2, p: int = 3, k: int = 2) -> sp.Expr:
    """Eq. (1) at ``(AD, BD⁻¹)`` minus Eq. (1) at ``(A, B)``, simplified.

    Zero as a polynomial identity in all entries of X, A, B, D and λ, which
    proves the invariance under Eq. (3) for these sizes; the general proof is
    that the objective depends on (A, B) only through ``ABᵀ`` and
    ``AD(BD⁻¹)ᵀ = A D D⁻¹ Bᵀ = ABᵀ`` because ``Dᵀ = D``.
    """
    X, A, B = symbolic_matrices(n, p, k)
    D = diagonal(k)
    diff = eq1_objective(X, A * D, B * D.inv()) - eq1_objective(X, A, B)
    return sp.simplify(sp.expand(diff))


def eq1_rotation_difference(n: int = 2, p: int = 3) -> sp.Expr:
    """Eq. (1) at ``(AR, BR)`` minus Eq. (1) at ``(A, B)`` for a 2×2 rotation R (k = 2).

    Reduced modulo ``c² + s² − 1``, so 0 means: zero for every rotation.
    """
    return _rotation_difference(eq1_objective, n, p)


def eq2_rotation_difference(n: int = 2, p: int = 3) -> sp.Expr:
    """Eq. (2) at ``(AR, BR)`` minus Eq. (2) at ``(A, B)`` for a 2×2 rotation R (k = 2).

    Reduced modulo ``c² + s² − 1``, so 0 means: zero for every rotation.
    """
    return _rotation_difference(eq2_objective, n, p)


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


def eq2_rescaling_difference(n: int = 2, p: int = 3, k: int = 2) -> Eq2RescalingDifference:
    """Eq. (2) at ``(AD, BD⁻¹)`` minus Eq. (2) at ``(A, B)``, in closed form.

    The fit term cancels and the penalty does not: the difference is
    ``λ Σ_j [(d_j² − 1)‖(XA)_{:,j}‖² + (d_j⁻² − 1)‖B_{:,j}‖²]``, which is not
    identically 0 (it is 0 for all (A, B) only if every d_j² = 1).
    """
    X, A, B = symbolic_matrices(n, p, k)
    D = diagonal(k)
    d = [D[j, j] for j in range(k)]
    diff = eq2_objective(X, A * D, B * D.inv()) - eq2_objective(X, A, B)
    XA = X * A
    compact = lam * sum(
        ((d[j] ** 2 - 1) * _sq(XA[:, j]) + (d[j] ** -2 - 1) * _sq(B[:, j]) for j in range(k)),
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


def eq1_decoupling_identity(p: int = 3) -> sp.Expr:
    """Check that Eq. (1) in the singular basis is a sum of independent scalar terms.

    With ``X = UΣVᵀ`` (V square orthogonal) and ``W̃ = VᵀWV``,
    ``‖X − XW‖² + λ‖W‖² = ‖Σ − ΣW̃‖² + λ‖W̃‖²``. This function returns

    ``‖Σ − ΣW̃‖² + λ‖W̃‖² − Σ_ij (σ_i² + λ)(w̃_ij − m_i δ_ij)² − Σ_i λσ_i²/(σ_i² + λ)``

    with ``m_i = σ_i²/(σ_i² + λ)``, simplified; it is 0, i.e. completing the
    square entry by entry: every entry is an independent weighted least-squares
    term centred at ``m_i δ_ij``.
    """
    p = _check_size(p, "p")
    s = sp.symbols(f"s_1:{p + 1}", positive=True)
    Wt = sp.Matrix(p, p, lambda i, j: sp.Symbol(f"w_{i}{j}", real=True))
    S = sp.diag(*s)
    lhs = _sq(S - S * Wt) + lam * _sq(Wt)
    m = [si**2 / (si**2 + lam) for si in s]
    rhs = sum(
        ((s[i] ** 2 + lam) * (Wt[i, j] - (m[i] if i == j else 0)) ** 2
         for i in range(p) for j in range(p)),
        sp.Integer(0),
    ) + sum((lam * si**2 / (si**2 + lam) for si in s), sp.Integer(0))
    return sp.simplify(sp.together(sp.expand(lhs - rhs)))


def eq1_truncation_score():
    """Weight ``c(σ) = √(σ² + λ)·m(σ) = σ²/√(σ² + λ)`` and its derivative in σ.

    After completing the square (:func:`eq1_decoupling_identity`), the rank-k
    problem is ``min ‖S(W̃ − M)‖²`` over rank-k W̃ with
    ``S = dMat(√(σ_i² + λ))``; with ``Z = SW̃`` it is the best rank-k
    approximation of the diagonal matrix ``SM = dMat(c(σ_i))`` (Eckart–Young).
    Because ``dc/dσ > 0``, the k largest entries belong to the k largest σ:
    the top-k truncation is optimal.

    Returns
    -------
    (Expr, Expr)
        ``c(σ)`` and ``dc/dσ`` (simplified; positive for σ, λ > 0).
    """
    c = sp.sqrt(sigma**2 + lam) * sigma**2 / (sigma**2 + lam)
    c = sp.simplify(c)
    return c, sp.simplify(sp.diff(c, sigma))


class Eq2ScalarSolution(NamedTuple):
    """The scalar problem of Eq. (2), solved symbolically.

    Attributes
    ----------
    objective : Expr
        ``g(p, q) = (σ − pq)² + λ(p² + q²)``; p is the user-side and q the
        item-side factor of one singular direction.
    stationary_points : list of dict
        All real stationary points when σ > λ.
    value_at_origin, value_nonzero : Expr
        g at (0, 0) and at the non-zero stationary points (σ > λ).
    gain : Expr
        ``value_at_origin − value_nonzero = (σ − λ)²``: the non-zero point
        wins whenever σ > λ.
    hessian_eigenvalues_origin : list of Expr
        ``2λ ± 2σ``: the origin is a local minimum only if σ ≤ λ.
    product : Expr
        Optimal ``pq`` as a Piecewise: ``(σ − λ)₊`` (soft-thresholding).
    magnitude : Expr
        Optimal ``|p| = |q| = √((σ − λ)₊)`` (Piecewise).
    """

    objective: sp.Expr
    stationary_points: list
    value_at_origin: sp.Expr
    value_nonzero: sp.Expr
    gain: sp.Expr
    hessian_eigenvalues_origin: list
    product: sp.Expr
    magnitude: sp.Expr


def eq2_scalar_solution() -> Eq2ScalarSolution:
    """Solve ``min_{p,q} (σ − pq)² + λ(p² + q²)`` (one singular direction of Eq. (2)).

    Derivation: the stationarity equations are solved for σ > λ (a positive
    symbol ``t = σ − λ`` is substituted so SymPy can decide signs); the
    non-zero solutions have ``p = q = ±√(σ − λ)`` and beat the origin by
    ``(σ − λ)²``. For σ ≤ λ the only real stationary point is the origin,
    whose Hessian ``[[2λ, −2σ], [−2σ, 2λ]]`` is positive semi-definite there, and
    g is coercive, so the origin is the minimum. Together: ``pq = (σ − λ)₊``.
    """
    p, q = sp.symbols("p q", real=True)
    g = (sigma - p * q) ** 2 + lam * (p**2 + q**2)
    t = sp.Symbol("t", positive=True)  # t = σ − λ > 0
    g_t = g.subs(sigma, lam + t)
    sols = sp.solve([sp.diff(g_t, p), sp.diff(g_t, q)], [p, q], dict=True)
    real_sols = [s for s in sols if all(v.is_real for v in s.values())]
    nonzero = [s for s in real_sols if any(v != 0 for v in s.values())]
    v0 = sp.simplify(g.subs({p: 0, q: 0}))
    v_nz = {sp.simplify(g_t.subs(s).subs(t, sigma - lam)) for s in nonzero}
    if len(v_nz) != 1:  # pragma: no cover - would mean the derivation changed
        raise RuntimeError(f"expected one value at the non-zero stationary points, got {v_nz}")
    (v_nz,) = v_nz
    H = sp.hessian(g, (p, q)).subs({p: 0, q: 0})
    eig = sorted(H.eigenvals().keys(), key=sp.default_sort_key)
    product = sp.Piecewise((sigma - lam, sigma > lam), (0, True))
    magnitude = sp.Piecewise((sp.sqrt(sigma - lam), sigma > lam), (0, True))
    stationary = [{k: sp.simplify(v.subs(t, sigma - lam)) for k, v in s.items()} for s in real_sols]
    return Eq2ScalarSolution(g, stationary, v0, sp.expand(v_nz), sp.factor(v0 - v_nz),
                             eig, product, magnitude)


def eq6_from_scalar():
    """Eq. (6)'s diagonals from the scalar solution, and their difference to the paper's form.

    In the singular basis, the user embedding of direction i is
    ``p = σ_i a_i`` (since ``XV = UΣ``) and the item embedding is ``q = b_i``.
    With ``|p| = |q| = √((σ − λ)₊)`` this gives ``a = √((σ − λ)₊)/σ`` and
    ``b = √((σ − λ)₊)``; the paper writes them as ``√((1/σ)(1 − λ/σ)₊)`` and
    ``√(σ(1 − λ/σ)₊)``.

    Returns
    -------
    dict
        ``a``, ``b`` (derived, for σ > λ), ``a_paper``, ``b_paper`` and the
        simplified differences ``a_diff``, ``b_diff`` (both 0).
    """
    sol = eq2_scalar_solution()
    mag = sol.magnitude.args[0][0]  # σ > λ branch: √(σ − λ)
    a = mag / sigma
    b = mag
    t = sp.Symbol("t", positive=True)
    a_paper = sp.sqrt((1 / sigma) * (1 - lam / sigma))
    b_paper = sp.sqrt(sigma * (1 - lam / sigma))
    # compare on the branch σ > λ by writing σ = λ + t, t > 0
    a_diff = sp.simplify((a - a_paper).subs(sigma, lam + t))
    b_diff = sp.simplify((b - b_paper).subs(sigma, lam + t))
    return {"a": a, "b": b, "a_paper": a_paper, "b_paper": b_paper,
            "a_diff": a_diff, "b_diff": b_diff}


def eq2_rescaled_optimum_excess():
    """How much Eq. (2)'s scalar objective rises when its optimum is rescaled by d.

    At the optimum ``p = q = √(σ − λ)`` (σ > λ), replace ``p → pd, q → q/d``.
    The fit term ``(σ − pq)²`` is unchanged; the penalty becomes
    ``λ(σ − λ)(d² + d⁻²)``. The excess over the optimum simplifies to
    ``λ(σ − λ)(d − 1/d)²``, positive unless d = ±1: inside Eq. (2) a
    rescaling D is never free.

    Returns
    -------
    (Expr, Symbol)
        The simplified excess and the symbol d.
    """
    d = sp.Symbol("d", real=True, nonzero=True)
    t = sp.Symbol("t", positive=True)  # t = σ − λ > 0
    sol = eq2_scalar_solution()
    p, q = sorted(sol.objective.free_symbols - {sigma, lam}, key=str)
    g = sol.objective.subs(sigma, lam + t)
    opt = {p: sp.sqrt(t), q: sp.sqrt(t)}
    excess = g.subs({p: p * d, q: q / d}).subs(opt) - g.subs(opt)
    excess = sp.factor(sp.simplify(excess)).subs(t, sigma - lam)
    return excess, d
