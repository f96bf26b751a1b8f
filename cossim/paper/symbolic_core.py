"""Shared pieces of the SymPy derivations: symbols, generic matrices, the two objectives.

Used by :mod:`cossim.paper.symbolic` (§2.1–2.2) and
:mod:`cossim.paper.symbolic_eq2` (§2.3); the public names are re-exported by
``cossim.symbolic``.
"""

from __future__ import annotations

try:
    import sympy as sp
except ImportError:  # an extra: the numerics need no SymPy
    raise ImportError("cossim.symbolic needs SymPy: pip install 'cossim[symbolic]'") from None

from .._validation import check_int

__all__ = [
    "sigma",
    "lam",
    "symbolic_matrices",
    "diagonal",
    "rotation_2d",
    "eq1_objective",
    "eq2_objective",
    "nonzero_terms",
]

# Positive symbols shared by the derivations.
sigma, lam = sp.symbols("sigma lambda", positive=True)


def check_size(value, name: str, maximum: int = 4) -> int:
    """A matrix dimension for a symbolic derivation: 1 to `maximum` (kept small for speed)."""
    return check_int(value, name, 1, maximum)


def symbolic_matrices(n: int = 2, p: int = 3, k: int = 2):
    """Generic matrices X (n×p), A (p×k), B (p×k) with one real symbol per entry.

    Sizes are capped at 4 so that the symbolic expansion stays fast.
    """
    n, p, k = check_size(n, "n"), check_size(p, "p"), check_size(k, "k")
    X = sp.Matrix(n, p, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True))
    A = sp.Matrix(p, k, lambda i, j: sp.Symbol(f"a_{i}{j}", real=True))
    B = sp.Matrix(p, k, lambda i, j: sp.Symbol(f"b_{i}{j}", real=True))
    return X, A, B


def diagonal(k: int = 2):
    """A generic invertible diagonal D = dMat(d_1, …, d_k) (non-zero symbols)."""
    k = check_size(k, "k")
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


def sq(M) -> sp.Expr:
    """Squared Frobenius norm of a SymPy matrix."""
    return sum((e**2 for e in M), sp.Integer(0))


def eq1_objective(X, A, B, lam_=lam) -> sp.Expr:
    """Eq. (1) as a SymPy expression: ``‖X − XABᵀ‖² + λ‖ABᵀ‖²``."""
    W = A * B.T
    return sq(X - X * W) + lam_ * sq(W)


def eq2_objective(X, A, B, lam_=lam) -> sp.Expr:
    """Eq. (2) as a SymPy expression: ``‖X − XABᵀ‖² + λ(‖XA‖² + ‖B‖²)``."""
    return sq(X - X * A * B.T) + lam_ * (sq(X * A) + sq(B))


def nonzero_terms(expr) -> int:
    """How far a SymPy residual is from an identity: 0 if it simplifies to 0, else its term count.

    The measured quantity of the book's symbolic claims (a claim ``residual = 0``
    holds when this is 0). A non-zero residual counts at least 1.
    """
    expr = sp.simplify(sp.sympify(expr))
    if expr == 0:
        return 0
    return max(1, len(sp.Add.make_args(sp.expand(expr))))
