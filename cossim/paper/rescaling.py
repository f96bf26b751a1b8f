"""The rescaling freedom D of Eq. (3) and the cosine formulas of Eq. (4).

For a solution (Â, B̂) of Eq. (1), every ``(ÂD, B̂D⁻¹)`` with D an invertible
diagonal matrix is also a solution. After row normalisation (Ω), the three
cosine-similarity matrices are explicit functions of D (paper, Eq. (4)):

* item–item: ``Ω_B(D) · B̂ D⁻² B̂ᵀ · Ω_B(D)``
* user–user: ``Ω_A(D) · XÂ D² (XÂ)ᵀ · Ω_A(D)``
* user–item: ``Ω_A(D) · XÂ B̂ᵀ · Ω_B(D)``

where ``Ω_B(D) = dMat(diag(B̂ D⁻² B̂ᵀ))^{-1/2}`` and
``Ω_A(D) = dMat(diag(XÂ D² ÂᵀXᵀ))^{-1/2}``. The functions here evaluate these
formulas *as written* (Gram matrix first, then the normaliser from its
diagonal, :func:`omega_from_gram_diagonal`; not clipped to [-1, 1]), a different
route from :func:`cossim.item_item_cosine`, which normalises the rescaled
embeddings first; the book checks that the two routes agree.

Convention (as in :mod:`cossim.similarity`): a zero row gets Ω = 0.
"""

from __future__ import annotations

import numpy as np

from .._validation import (
    as_factor,
    as_matrix,
    check_choice,
    check_lambda,
    check_scaling_vector,
    check_vector,
)
from ..linalg.similarity import inverse_norms

__all__ = [
    "omega_from_gram_diagonal",
    "eq4_item_item",
    "eq4_user_user",
    "eq4_user_item",
    "paper_choice_d",
    "PAPER_CHOICES",
]

#: The two full-rank choices of D in the paper's Section 2.2.
PAPER_CHOICES = ("a", "b")


def omega_from_gram_diagonal(diag) -> np.ndarray:
    """Diagonal of Ω: ``1/√g`` for each squared row norm g > 0, and 0 where g = 0.

    The normaliser of Eq. (4); see :func:`cossim.linalg.similarity.inverse_norms`.
    """
    return inverse_norms(diag)


def _omega_gram_omega(G) -> np.ndarray:
    """``Ω G Ω`` with ``Ω = dMat(diag G)^{-1/2}``, as written (no clipping to [-1, 1])."""
    w = omega_from_gram_diagonal(np.diag(G))
    return G * w[:, None] * w[None, :]


def _user_embeddings(X, A):
    X = as_matrix(X, "X")
    A = as_factor(A, "A", rows=X.shape[1])
    return np.asarray(X @ A), A


def eq4_item_item(B, d) -> np.ndarray:
    """Eq. (4), item–item: ``Ω_B(D) B D⁻² Bᵀ Ω_B(D)`` for ``D = dMat(d)``, shape (p, p)."""
    B = as_factor(B, "B")
    d = check_scaling_vector(d, B.shape[1], "d")
    return _omega_gram_omega((B / d**2) @ B.T)


def eq4_user_user(X, A, d) -> np.ndarray:
    """Eq. (4), user–user: ``Ω_A(D) XA D² (XA)ᵀ Ω_A(D)`` for ``D = dMat(d)``, shape (n, n)."""
    P, A = _user_embeddings(X, A)
    d = check_scaling_vector(d, A.shape[1], "d")
    return _omega_gram_omega((P * d**2) @ P.T)


def eq4_user_item(X, A, B, d) -> np.ndarray:
    """Eq. (4), user–item: ``Ω_A(D) XA Bᵀ Ω_B(D)``, shape (n, p).

    The middle factor ``XA D D⁻¹ Bᵀ = XA Bᵀ`` (the model's predictions) does
    not depend on D; only the normalisers do.
    """
    P, A = _user_embeddings(X, A)
    B = as_factor(B, "B", rows=A.shape[0], cols=A.shape[1])
    d = check_scaling_vector(d, A.shape[1], "d")
    wA = inverse_norms(np.einsum("uj,uj->u", P * d**2, P))
    wB = inverse_norms(np.einsum("ij,ij->i", B / d**2, B))
    return wA[:, None] * (P @ B.T) * wB[None, :]


def paper_choice_d(sigma, lam, choice: str) -> np.ndarray:
    """Diagonal of the D that turns Eq. (5)'s solution into the paper's choice (a) or (b).

    With ``m_i = 1/(1 + λ/σ_i²)`` and Eq. (5) ``Â = B̂ = V dMat(m)^{1/2}``:

    * ``"a"``: ``D = dMat(m)^{1/2}`` gives ``ÂD = V dMat(m)``, ``B̂D⁻¹ = V``;
    * ``"b"``: ``D = dMat(m)^{-1/2}`` gives ``ÂD = V``, ``B̂D⁻¹ = V dMat(m)``.

    Parameters
    ----------
    sigma : array_like, shape (k,)
        Singular values, all > 0 (D must be invertible).
    lam : float
        λ ≥ 0.
    choice : {"a", "b"}
    """
    lam = check_lambda(lam)
    sigma = check_vector(sigma, "sigma", low=0, low_open=True)  # else D is not invertible
    choice = check_choice(choice, "choice", PAPER_CHOICES)
    m = sigma**2 / (sigma**2 + lam)
    return np.sqrt(m) if choice == "a" else 1.0 / np.sqrt(m)
