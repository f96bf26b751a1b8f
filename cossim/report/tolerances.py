"""Tolerances of the book's numerical checks, derived from the problem's scale and float64 rounding.

Every bound here is Higham's worst-case model (*Accuracy and Stability of
Numerical Algorithms*, 2nd ed., 2002, §2.2 and §3.1): with unit roundoff
``u = 2⁻⁵³``, a sum or inner product of m terms computed in float64 differs
from the exact one by at most ``γ_m · Σ|terms|``, ``γ_m = m·u/(1 − m·u)``; a
matrix product M₁M₂ by at most ``γ_m·|M₁||M₂|`` entrywise (m its inner
dimension). The ``Σ|terms|`` are bounded here by Frobenius norms
(``‖ |M₁||M₂| ‖_F ≤ ‖M₁‖_F‖M₂‖_F``), and m is the longest chain of
accumulations involved. The eigensolver behind :func:`cossim.top_singular`
(LAPACK's symmetric solver on XᵀX) is backward stable with an error of the
same form ``γ_p‖XᵀX‖``, so its p is added to m where a closed form built from
the computed spectrum is checked.

Typical rounding errors are about √m times smaller than these bounds, so a
check passes with room; the bounds are still small enough that a realistic
mistake (λ off by 1 %, a wrong exponent, a transposed factor) exceeds them by
orders of magnitude, which the ledger tests (``tests/report/ledger``) show.
"""

from __future__ import annotations

import numpy as np

__all__ = ["U", "gamma", "value_tolerance", "gradient_tolerance", "cosine_tolerance",
           "embedding_cosine_tolerance", "product_tolerance", "prediction_tolerance",
           "singular_vector_tolerance"]

#: Unit roundoff of IEEE double precision.
U = 2.0**-53


def gamma(m) -> float:
    """Higham's ``γ_m = m·u/(1 − m·u)``: the relative error bound of m accumulated roundings."""
    mu = float(m) * U
    if not 0 <= mu < 1:
        raise ValueError(f"gamma needs 0 <= m·u < 1, got m = {m}")
    return mu / (1.0 - mu)


def _fro(M) -> float:
    if hasattr(M, "multiply"):  # scipy.sparse
        return float(np.sqrt(M.multiply(M).sum()))
    return float(np.linalg.norm(np.asarray(M)))


def value_tolerance(X, A, B, lam, which: str = "eq1") -> float:
    """Largest difference between two float64 evaluations of Eq. (1) or Eq. (2) with equal exact value.

    Each evaluation errs by at most ``γ_m · S`` with m = n + p + k and
    ``S = ‖X‖²(1 + ‖A‖‖B‖)² + λ·P``, where ``(‖X‖ + ‖X‖‖A‖‖B‖)²`` bounds the
    absolute terms of the fit ``‖X − XABᵀ‖²`` and P those of the penalty
    (``‖A‖²‖B‖²`` for Eq. (1), ``‖X‖²‖A‖² + ‖B‖²`` for Eq. (2)); all norms
    Frobenius. Two evaluations: twice that.
    """
    n, p = X.shape
    k = np.shape(A)[1]
    x, a, b = _fro(X), _fro(A), _fro(B)
    penalty = (a * b) ** 2 if which == "eq1" else (x * a) ** 2 + b**2
    return 2.0 * gamma(n + p + k) * ((x * (1.0 + a * b)) ** 2 + lam * penalty)


def gradient_tolerance(X, A, B, lam, which: str = "eq1") -> float:
    """Bound on the largest computed gradient entry at a closed form built from the computed spectrum.

    The gradients (:func:`cossim.gradient_eq1`, :func:`cossim.gradient_eq2`)
    are sums of three products such as ``2·XᵀXA·BᵀB``; each entry's absolute
    terms are bounded by the product of Frobenius norms, with ``‖X‖²`` for
    XᵀX. The exact gradient at the exact closed form is 0; the computed one
    carries the rounding of the gradient (m = n + p + k) and of the
    eigensolver (another p), so the bound is ``2·γ_{n+2p+k}·S``, S the larger
    of the two blocks' absolute terms.
    """
    n, p = X.shape
    k = np.shape(A)[1]
    x2, a, b = _fro(X) ** 2, _fro(A), _fro(B)
    if which == "eq1":
        terms = (x2 * a * b * b + lam * a * b * b + x2 * b, x2 * b * a * a + lam * b * a * a + x2 * a)
    else:
        terms = (x2 * a * b * b + x2 * b + lam * x2 * a, x2 * b * a * a + x2 * a + lam * b)
    return 2.0 * gamma(n + 2 * p + k) * max(terms)


def cosine_tolerance(m: int) -> float:
    """Bound on the rounding of one cosine of two given length-m float64 vectors.

    ``⟨u, v⟩/(‖u‖‖v‖)``: the inner product and the two norms carry ``γ_m``
    relative to ``Σ|u_i v_i| ≤ ‖u‖‖v‖``, the square roots, product and
    division a few more roundings: ``γ_{m+4}``. Scale-free, so it holds for
    rows of any length (a zero row excepted).
    """
    return gamma(m + 4)


def embedding_cosine_tolerance(X, A) -> float:
    """Bound on the rounding of a cosine between two user embeddings ``x_u A`` (rows of XA).

    The rows are themselves computed (inner dimension p) with an error up to
    ``γ_p·‖|x_u||A|‖ ≤ γ_p·Σ_j |x_uj|‖a_j‖``; relative to ``‖x_u A‖`` this can
    exceed ``γ_p`` when the row cancels. A cosine moves by at most twice the
    relative error of each of its two vectors, so the bound is
    ``γ_{k+4} + 4·γ_p·max_u (Σ_j |x_uj|‖a_j‖)/‖x_u A‖`` over the non-zero rows.
    """
    absolute = _abs_rows(X, A)
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    A = np.asarray(A)
    exact = np.linalg.norm(X @ A, axis=1)
    live = exact > 0
    worst = float(np.max(absolute[live] / exact[live])) if np.any(live) else 0.0
    return cosine_tolerance(A.shape[1]) + 4.0 * gamma(X.shape[1]) * worst


def _abs_rows(X, A) -> np.ndarray:
    """``Σ_j |x_uj|·‖a_j‖`` per row u: a bound on ``‖ |x_u||A| ‖`` that costs one matrix–vector product."""
    a = np.linalg.norm(np.asarray(A), axis=1)
    absX = abs(X) if hasattr(X, "multiply") else np.abs(np.asarray(X))
    return np.asarray(absX @ a).ravel()


def prediction_tolerance(X, A, B) -> float:
    """Bound on the difference of two float64 evaluations of one prediction ``(XABᵀ)_ui``.

    As :func:`product_tolerance` for X, A, Bᵀ, with the cheaper entry bound
    ``(|X||A||B|ᵀ)_ui ≤ Σ_j |x_uj|‖a_j‖·‖b_i‖`` (Cauchy–Schwarz in the latent
    dimension), maximised over u and i.
    """
    p, k = np.shape(A)
    rows = float(_abs_rows(X, A).max())
    cols = float(np.linalg.norm(np.asarray(B), axis=1).max())
    return 2.0 * (gamma(p + k) + 2.0 * U) * rows * cols


def product_tolerance(*factors) -> np.ndarray:
    """Entrywise bound on the difference of two float64 evaluations of one matrix product.

    For ``M₁M₂⋯M_j`` with total inner dimension m, each evaluation errs by at
    most ``γ_m·|M₁||M₂|⋯|M_j|`` entrywise; factors that were themselves
    rescaled (one rounding each, as in ``A·d`` and ``B/d``) add 2u; two
    evaluations: ``2·(γ_m + 2u)·|M₁|⋯|M_j|``.
    """
    mats = [np.abs(np.asarray(M.toarray() if hasattr(M, "toarray") else M, dtype=float))
            for M in factors]
    inner = sum(M.shape[1] for M in mats[:-1])
    out = mats[0]
    for M in mats[1:]:
        out = out @ M
    return 2.0 * (gamma(inner) + 2.0 * U) * out


def singular_vector_tolerance(X, k) -> float:
    """Bound on how far the top-k right singular vectors of two backward-stable routines can differ.

    Each routine (an eigensolver on XᵀX, an SVD of X) returns the exact vectors
    of a matrix within ``‖E‖₂ ≤ γ_{n+p}‖X‖²_F`` of XᵀX; by the Davis–Kahan
    theorem a vector v_i (signs aligned) then moves by at most ``√2‖E‖/gap_i``,
    ``gap_i = min_{j≠i} |σ_i² − σ_j²|``. Two routines: twice that, maximised over
    i ≤ k (infinite if a gap is 0: the vectors are then not determined).
    """
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    n, p = Xd.shape
    s2 = np.zeros(p)
    sv = np.linalg.svd(Xd, compute_uv=False) ** 2
    s2[:sv.size] = sv
    err = gamma(n + p) * float(np.sum(Xd**2))
    worst = 0.0
    for i in range(k):
        gap = np.min(np.abs(np.delete(s2, i) - s2[i]))
        worst = max(worst, np.inf if gap == 0 else 2 * np.sqrt(2) * err / gap)
    return worst
