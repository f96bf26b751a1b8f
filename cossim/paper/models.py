"""The two linear matrix-factorization objectives and their closed-form solutions.

The model reconstructs the users × items matrix X as ``X A Bᵀ`` with
``A, B ∈ R^{p×k}`` (paper, Section 2). Item embeddings are the rows of B,
user embeddings the rows of XA, and the prediction for user u and item i is
the dot product ``⟨(XA)_u, B_i⟩``.

Objectives (paper, Section 2.1)::

    Eq. (1):  ‖X − XABᵀ‖²_F + λ ‖ABᵀ‖²_F
    Eq. (2):  ‖X − XABᵀ‖²_F + λ (‖XA‖²_F + ‖B‖²_F)

Closed forms (Sections 2.2 and 2.3), with ``X = U Σ Vᵀ``::

    Eq. (5):  Â = B̂ = V_k · dMat(m)^{1/2},  m_i = 1 / (1 + λ/σ_i²)
    Eq. (3):  (Â D, B̂ D⁻¹) is equally optimal for Eq. (1), any invertible diagonal D
    Eq. (6):  Â = V_k · dMat(√((1/σ_i)(1 − λ/σ_i)₊)),  B̂ = V_k · dMat(√(σ_i (1 − λ/σ_i)₊))
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .._validation import (
    InvalidType,
    InvalidValue,
    as_factor,
    as_matrix,
    check_choice,
    check_gram_factors,
    check_lambda,
    check_rank,
    check_real,
    check_scaling_vector,
    check_vector,
    is_sparse,
)
from ..linalg.spectrum import Spectrum, top_singular

__all__ = [
    "Factors", "SCALINGS", "eq1_shrinkage", "eq1_factors", "eq2_factors", "fit_eq1", "fit_eq2", "rescale",
    "user_embeddings", "objective_eq1", "objective_eq2", "gradient_eq1", "gradient_eq2", "OBJECTIVES",
    "objective_from_gram", "objective_from_products", "gradient_from_products", "gram_products", "GramProducts",
]

#: The two objectives, by name: Eq. (1) and Eq. (2).
OBJECTIVES = ("eq1", "eq2")

#: Named rescalings of the Eq. (1) solution, as exponents γ in B = V_k·dMat(m)^γ,
#: A = V_k·dMat(m)^{1−γ}; "a"/"b" are the paper's choices (a)/(b) only at full rank
#: k = p (below, their rank-k counterparts); ``"inv_sqrt_sigma"`` is §2.3's analogue.
SCALINGS = {"a": 0.0, "symmetric": 0.5, "b": 1.0, "inv_sqrt_sigma": None}


class Factors(NamedTuple):
    """A factorisation ``X ≈ X A Bᵀ``.

    Attributes
    ----------
    A : ndarray, shape (p, k)
        Encoder: user embeddings are the rows of ``X @ A``.
    B : ndarray, shape (p, k)
        Decoder: item embeddings are the rows of B.
    """

    A: np.ndarray
    B: np.ndarray


def _check_spectrum(spectrum) -> Spectrum:
    if not isinstance(spectrum, tuple) or len(spectrum) != 2:
        raise InvalidType("spectrum must be a Spectrum (sigma, V) from cossim.top_singular")
    sigma = check_vector(spectrum[0], "spectrum.sigma", low=0)
    V = as_factor(spectrum[1], "spectrum.V", cols=sigma.shape[0])
    return Spectrum(sigma, V)


def eq1_shrinkage(sigma, lam) -> np.ndarray:
    """Shrinkage factors ``m_i = 1 / (1 + λ/σ_i²)`` of the Eq. (1) solution.

    The closed form of Eq. (1) is ``ÂB̂ᵀ = V_k dMat(m) V_kᵀ`` (paper §2.2).

    Parameters
    ----------
    sigma : array_like, shape (k,)
        Singular values of X, non-negative.
    lam : float
        Regularisation λ ≥ 0.

    Returns
    -------
    ndarray, shape (k,)
        ``σ² / (σ² + λ)``. Convention: a component with σ_i = 0 gets m_i = 0,
        also when λ = 0 (it lies in X's null space, where the loss is flat;
        0 is the minimum-norm choice).
    """
    lam = check_lambda(lam)
    sigma = check_vector(sigma, "sigma", min_size=0, low=0)
    s2 = sigma**2
    out = np.zeros_like(s2)
    pos = s2 > 0
    out[pos] = s2[pos] / (s2[pos] + lam)
    return out


def _safe_power(m, gamma: float):
    """m**gamma with the convention 0**gamma = 0 for every gamma."""
    out = np.zeros_like(m)
    pos = m > 0
    out[pos] = m[pos] ** gamma
    return out


def _resolve_scaling(scaling):
    if isinstance(scaling, str):
        if scaling not in SCALINGS:
            raise InvalidValue(
                f"scaling must be a number γ or one of {sorted(SCALINGS)}, got {scaling!r}"
            )
        return scaling, SCALINGS[scaling]
    if isinstance(scaling, (bool, np.bool_)) or not isinstance(scaling, numbers.Real):
        raise InvalidType(f"scaling must be a number γ or a name, got {type(scaling).__name__}")
    return None, check_real(scaling, "scaling γ")


def eq1_factors(spectrum, lam, scaling=0.5) -> Factors:
    """A solution of Eq. (1) from the spectrum of X, with a chosen rescaling D.

    With shrinkage ``m`` from :func:`eq1_shrinkage`, every member of the family
    ``Â = V_k dMat(m)^{1−γ}``, ``B̂ = V_k dMat(m)^γ`` has the same product
    ``ÂB̂ᵀ = V_k dMat(m) V_kᵀ`` and so the same value of Eq. (1); it is
    Eq. (5)'s solution rescaled by ``D = dMat(m)^{1/2−γ}`` as in Eq. (3).

    Parameters
    ----------
    spectrum : Spectrum
        From :func:`cossim.top_singular`; its length is the rank k.
    lam : float
        λ ≥ 0 of Eq. (1).
    scaling : float or str
        The exponent γ, or a name: ``"a"`` (γ = 0: B = V_k), ``"symmetric"``
        (γ = 1/2: Eq. (5)), ``"b"`` (γ = 1: A = V_k) — "a" and "b" are the
        paper's full-rank choices (a) and (b) when k = p, and only their rank-k
        counterparts when k < p — or ``"inv_sqrt_sigma"`` (§2.3's analogue of Eq. (6):
        Eq. (5) rescaled by ``D = dMat(σ^{-1/2})``, i.e.
        ``Â = V_k dMat(√(m/σ))``, ``B̂ = V_k dMat(√(m σ))``).

    Returns
    -------
    Factors
        Components with m_i = 0 (σ_i = 0) are 0 in both A and B.
    """
    spectrum = _check_spectrum(spectrum)
    name, gamma = _resolve_scaling(scaling)
    sigma, V = spectrum
    m = eq1_shrinkage(sigma, lam)
    if name == "inv_sqrt_sigma":
        a = np.zeros_like(m)
        b = np.zeros_like(m)
        pos = m > 0
        a[pos] = np.sqrt(m[pos] / sigma[pos])
        b[pos] = np.sqrt(m[pos] * sigma[pos])
    else:
        a, b = _safe_power(m, 1.0 - gamma), _safe_power(m, gamma)
    return Factors(V * a, V * b)


def eq2_factors(spectrum, lam) -> Factors:
    """The solution of Eq. (2) from the spectrum of X, per Eq. (6).

    ``Â = V_k dMat(√((1/σ_i)(1 − λ/σ_i)₊))``,
    ``B̂ = V_k dMat(√(σ_i (1 − λ/σ_i)₊))``, so that the user embeddings
    ``XÂ = U_k dMat(√(σ_i − λ)₊)`` and item embeddings carry the same scale,
    and ``XÂB̂ᵀ = U_k dMat((σ_i − λ)₊) V_kᵀ`` soft-thresholds the spectrum.
    Unique up to a rotation (paper §2.3, after Zheng, Ding & Nie 2018).

    Parameters
    ----------
    spectrum : Spectrum
        From :func:`cossim.top_singular`; its length is the rank k.
    lam : float
        λ ≥ 0 of Eq. (2). Note that it is on the scale of σ, not σ².

    Returns
    -------
    Factors
        Convention: components with σ_i ≤ λ (including σ_i = 0) are 0.
    """
    spectrum = _check_spectrum(spectrum)
    lam = check_lambda(lam)
    sigma, V = spectrum
    keep = sigma > lam
    a = np.zeros_like(sigma)
    b = np.zeros_like(sigma)
    shrink = 1.0 - lam / sigma[keep]
    a[keep] = np.sqrt(shrink / sigma[keep])
    b[keep] = np.sqrt(shrink * sigma[keep])
    return Factors(V * a, V * b)


def fit_eq1(X, k: int, lam, scaling=0.5, *, method: str = "auto") -> Factors:
    """Fit Eq. (1) in closed form: top-k SVD, then :func:`eq1_factors`.

    The rank-k truncation is exact: Eq. (1) is a reduced-rank ridge
    regression whose optimum keeps the k largest singular values.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
    k : int
        Rank, ``1 <= k <= p``.
    lam : float
        λ ≥ 0.
    scaling : float or str
        See :func:`eq1_factors`.
    method : str
        Spectrum method, see :func:`cossim.top_singular`.
    """
    X = as_matrix(X, "X")
    k = check_rank(k, X.shape[1])
    lam = check_lambda(lam)
    _resolve_scaling(scaling)
    return eq1_factors(top_singular(X, k, method=method), lam, scaling)


def fit_eq2(X, k: int, lam, *, method: str = "auto") -> Factors:
    """Fit Eq. (2) in closed form: top-k SVD, then Eq. (6) (:func:`eq2_factors`)."""
    X = as_matrix(X, "X")
    k = check_rank(k, X.shape[1])
    lam = check_lambda(lam)
    return eq2_factors(top_singular(X, k, method=method), lam)


def rescale(A, B, d) -> Factors:
    """Apply Eq. (3): ``A → A D``, ``B → B D⁻¹`` with ``D = dMat(d)``.

    Leaves ``ABᵀ`` (hence Eq. (1)) unchanged for every invertible diagonal D.

    Parameters
    ----------
    A, B : ndarray, shape (p, k)
    d : array_like, shape (k,)
        Diagonal of D: finite and non-zero.
    """
    A = as_factor(A, "A")
    B = as_factor(B, "B", rows=A.shape[0], cols=A.shape[1])
    d = check_scaling_vector(d, A.shape[1], "d")
    return Factors(A * d, B / d)


def user_embeddings(X, A) -> np.ndarray:
    """User embeddings ``XA``: row u is the sum of the rows of A of u's items."""
    X = as_matrix(X, "X")
    A = as_factor(A, "A", rows=X.shape[1])
    return np.asarray(X @ A)


def _check_model(X, A, B, lam):
    X = as_matrix(X, "X")
    p = X.shape[1]
    A = as_factor(A, "A", rows=p)
    B = as_factor(B, "B", rows=p, cols=A.shape[1])
    return X, A, B, check_lambda(lam)


def _check_gram_model(G, A, B, lam, which):
    """Validate (G, A, B, λ, which) of the objectives computed from G = XᵀX."""
    G, A, B = check_gram_factors(G, A, B)
    return G, A, B, check_lambda(lam), check_choice(which, "which", OBJECTIVES)


def _residual_from_products(x2: float, cross: float, quad: float) -> float:
    """``‖X − XABᵀ‖²_F = ‖X‖² − 2 tr(AᵀXᵀXB) + tr(AᵀXᵀXA · BᵀB)`` from its three traces."""
    return x2 - 2.0 * cross + quad


def _eq1_penalty(AtA, BtB) -> float:
    """``‖ABᵀ‖²_F = tr(AᵀA · BᵀB)``, the penalty of Eq. (1) (without λ)."""
    return float((AtA * BtB).sum())


def _eq2_penalty(xa2: float, B) -> float:
    """``‖XA‖²_F + ‖B‖²_F``, the penalty of Eq. (2) (without λ), given ``xa2 = ‖XA‖²_F``."""
    return xa2 + float((B * B).sum())


def squared_norm(X) -> float:
    """``‖X‖²_F`` of a dense or sparse X (validated by the caller)."""
    return float(X.multiply(X).sum()) if is_sparse(X) else float(np.sum(X**2))


#: Largest dense X (entries) whose residual X − XABᵀ is formed; above it, or for sparse X, the
#: residual comes from three traces (no n × p array, but cancellation of order u‖X‖²_F).
DENSE_RESIDUAL_MAX_ENTRIES = 10_000_000


def _reconstruction_error(X, A, B) -> float:
    """‖X − XABᵀ‖²_F without forming an n × p dense residual when that is large."""
    XA = np.asarray(X @ A)
    n, p = X.shape
    if not is_sparse(X) and n * p <= DENSE_RESIDUAL_MAX_ENTRIES:
        return float(np.sum((X - XA @ B.T) ** 2))
    x2 = squared_norm(X)
    cross = float(np.sum(XA * np.asarray(X @ B)))  # tr(Aᵀ XᵀX B)
    quad = float(np.sum((XA.T @ XA) * (B.T @ B)))  # ‖XABᵀ‖²
    return max(_residual_from_products(x2, cross, quad), 0.0)


def objective_eq1(X, A, B, lam) -> float:
    """Value of Eq. (1): ``‖X − XABᵀ‖²_F + λ‖ABᵀ‖²_F``."""
    X, A, B, lam = _check_model(X, A, B, lam)
    return _reconstruction_error(X, A, B) + lam * _eq1_penalty(A.T @ A, B.T @ B)


def objective_eq2(X, A, B, lam) -> float:
    """Value of Eq. (2): ``‖X − XABᵀ‖²_F + λ(‖XA‖²_F + ‖B‖²_F)``."""
    X, A, B, lam = _check_model(X, A, B, lam)
    XA = np.asarray(X @ A)
    return _reconstruction_error(X, A, B) + lam * _eq2_penalty(float(np.sum(XA**2)), B)


class GramProducts(NamedTuple):
    """The products of (A, B) with ``G = XᵀX`` that Eq. (1)/(2) and their gradients share.

    ``GA = GA``, ``AtGA = AᵀGA``, ``BtB = BᵀB``, ``AtA = AᵀA``; a caller that
    already holds them (gradient descent) passes them on instead of recomputing.
    """

    GA: np.ndarray
    AtGA: np.ndarray
    BtB: np.ndarray
    AtA: np.ndarray


def gram_products(G, A, B) -> GramProducts:
    """The products of :class:`GramProducts` for (G, A, B) (no validation)."""
    GA = G @ A
    return GramProducts(GA, A.T @ GA, B.T @ B, A.T @ A)


def objective_from_products(x2: float, B, lam: float, which: str, prod: GramProducts) -> float:
    """Eq. (1) or Eq. (2) from ``x2 = tr G`` and the :class:`GramProducts` (no validation)."""
    # ndarray methods: the same reductions as np.sum / np.trace, without their wrappers
    rec = _residual_from_products(x2, float((prod.GA * B).sum()), float((prod.AtGA * prod.BtB).sum()))
    if which == "eq1":
        return rec + lam * _eq1_penalty(prod.AtA, prod.BtB)
    # ‖XA‖² = tr(AᵀXᵀXA)
    return rec + lam * _eq2_penalty(float(prod.AtGA.trace()), B)


def objective_from_gram(G, A, B, lam, which: str = "eq1") -> float:
    """Value of Eq. (1) or Eq. (2) for any X with ``XᵀX = G``, in O(p²k).

    ``‖X − XABᵀ‖²_F = tr G − 2 tr(AᵀGB) + tr(AᵀGA · BᵀB)``, plus
    ``λ tr(AᵀA · BᵀB)`` (Eq. (1)) or ``λ(tr(AᵀGA) + ‖B‖²_F)`` (Eq. (2)).
    Neither term needs X itself, so one evaluation costs the same for any
    number of users.

    Parameters
    ----------
    G : ndarray, shape (p, p)
        Gram matrix ``XᵀX`` (:func:`cossim.gram_matrix`).
    A, B : ndarray, shape (p, k)
    lam : float
        λ ≥ 0.
    which : {"eq1", "eq2"}
        The objective.
    """
    G, A, B, lam, which = _check_gram_model(G, A, B, lam, which)
    return objective_from_products(float(np.trace(G)), B, lam, which, gram_products(G, A, B))


def gradient_from_products(A, B, GB, lam: float, which: str, prod: GramProducts) -> Factors:
    """Gradient of Eq. (1) or Eq. (2) with respect to (A, B), from products with G = XᵀX.

    With ``W = ABᵀ``, Eq. (1) has ``∂/∂W = 2((G + λI)W − G)``, so

    * Eq. (1): ``∂/∂A = 2(GA·BᵀB + λA·BᵀB − GB)``, ``∂/∂B = 2(B·AᵀGA + λB·AᵀA − GA)``;
    * Eq. (2): ``∂/∂A = 2(GA·BᵀB − GB) + 2λ GA``, ``∂/∂B = 2(B AᵀGA − GA) + 2λ B``.

    The one implementation behind :func:`gradient_eq1`, :func:`gradient_eq2`
    and :func:`cossim.gradient_descent`; no validation.

    Parameters
    ----------
    A, B : ndarray, shape (p, k)
    GB : ndarray, shape (p, k)
        ``XᵀX B``.
    lam : float
    which : {"eq1", "eq2"}
    prod : GramProducts
        ``XᵀXA``, ``AᵀXᵀXA``, ``BᵀB``, ``AᵀA``.
    """
    GA, AtGA, BtB = prod.GA, prod.AtGA, prod.BtB
    if which == "eq1":
        dA = 2.0 * (GA @ BtB + lam * A @ BtB - GB)
        dB = 2.0 * (B @ AtGA + lam * B @ prod.AtA - GA)
    elif which == "eq2":
        dA = 2.0 * (GA @ BtB - GB) + 2.0 * lam * GA
        dB = 2.0 * (B @ AtGA - GA) + 2.0 * lam * B
    else:
        raise InvalidValue(f"which must be 'eq1' or 'eq2', got {which!r}")
    return Factors(dA, dB)


def _gradient_from_data(X, A, B, lam, which) -> Factors:
    """Either gradient from X: the products ``XᵀXA = Xᵀ(XA)``, ``XᵀXB``, then the one formula."""
    X, A, B, lam = _check_model(X, A, B, lam)
    GA = np.asarray(X.T @ np.asarray(X @ A))  # XᵀX A without forming XᵀX
    GB = np.asarray(X.T @ np.asarray(X @ B))  # XᵀX B
    prod = GramProducts(GA, A.T @ GA, B.T @ B, A.T @ A)
    return gradient_from_products(A, B, GB, lam, which, prod)


def gradient_eq1(X, A, B, lam) -> Factors:
    """Gradient of Eq. (1) with respect to A and B.

    With ``G = XᵀX`` and ``W = ABᵀ``, ``∂/∂W = 2((G + λI)W − G)``, so
    ``∂/∂A = 2((G + λI)W − G) B`` and ``∂/∂B = 2(Wᵀ(G + λI) − G) A``
    (see :func:`gradient_from_products`).

    Returns
    -------
    Factors
        ``(dA, dB)``, each of shape (p, k).
    """
    return _gradient_from_data(X, A, B, lam, "eq1")


def gradient_eq2(X, A, B, lam) -> Factors:
    """Gradient of Eq. (2) with respect to A and B.

    ``∂/∂A = 2(G A BᵀB − G B) + 2λ G A`` and
    ``∂/∂B = 2(B AᵀG A − G A) + 2λ B`` with ``G = XᵀX``
    (see :func:`gradient_from_products`).
    """
    return _gradient_from_data(X, A, B, lam, "eq2")
