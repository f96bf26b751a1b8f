"""The remedies of the paper's Section 3, implemented so that they can be measured.

The paper (Steck, Ekanadham & Kallus 2024, §3) suggests three ways out of the
arbitrariness of cosine similarity under the rescaling freedom of Eq. (3):

1. **Train with respect to cosine similarity.** :mod:`cossim.paper.cosine_model`
   (:func:`cossim.fit_cosine_model`) fits Eq. (1) with row-normalised factors.
2. **Project back to the original item space.** The product ``ÂB̂ᵀ`` of
   Eq. (1) is the same for every D of Eq. (3), so any embedding built from it
   is too: users as rows of the smoothed data ``XÂB̂ᵀ``
   (:func:`projected_user_cosine`), items as rows of ``B̂Âᵀ`` or as columns of
   ``XÂB̂ᵀ`` (:func:`projected_item_cosine`).
3. **Normalise or de-bias before or during training.** The book numbers its
   two parts as the paper lists them: **3a** standardising X's columns
   (:func:`standardized_gram`); **3b** de-biasing item popularity and user
   activity, here by inverse-propensity weighting of the items
   (:func:`propensity_weights`, :func:`weighted_gram`). Both change the data
   the closed forms of Eq. (1) and Eq. (2) are fitted to
   (:func:`spectrum_from_gram`, then :func:`cossim.eq1_factors` /
   :func:`cossim.eq2_factors`).

:func:`rescaling_check` decides, by computation, whether a fitted model's
item–item cosines depend on a free rescaling: it applies diagonal D's and
reports how much the training objective and the cosines move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import scipy.linalg

from .._validation import (
    InvalidType,
    InvalidValue,
    as_dense_matrix,
    as_factor,
    as_matrix,
    check_int,
    check_lambda,
    check_rank,
    check_real,
    check_scaling_vector,
)
from ..linalg.gram import gram_matrix
from ..linalg.similarity import cosine_from_gram
from ..linalg.spectrum import Spectrum, orient_columns

# remedy 1 lives in its own module; its names stay reachable here, where §3 is
from .cosine_model import CosineModel, fit_cosine_model, gradient_cosine, objective_cosine
from .metrics import cluster_auc, neighbour_purity
from .models import objective_from_gram

__all__ = [
    "CosineModel",
    "objective_cosine",
    "gradient_cosine",
    "fit_cosine_model",
    "projected_user_embeddings",
    "projected_user_cosine",
    "projected_item_cosine",
    "standardized_gram",
    "propensity_weights",
    "weighted_gram",
    "spectrum_from_gram",
    "objective_eq1_gram",
    "objective_eq2_gram",
    "RescalingCheck",
    "rescaling_check",
    "random_rescalings",
    "recovery_scores",
]


# --------------------------------------------------------------------------
# Remedy 2: back to the original item space
# --------------------------------------------------------------------------

def projected_user_embeddings(X, A, B) -> np.ndarray:
    """Users as rows of the smoothed data ``XAB ᵀ`` (remedy 2 of §3), shape (n, p).

    Depends on (A, B) only through ``ABᵀ``, hence is the same for every
    rescaling ``(AD, BD⁻¹)`` of Eq. (3).
    """
    X = as_matrix(X, "X")
    A = as_factor(A, "A", rows=X.shape[1])
    B = as_factor(B, "B", rows=X.shape[1], cols=A.shape[1])
    return np.asarray(X @ A) @ B.T


def projected_user_cosine(X, A, B, users=None) -> np.ndarray:
    """User–user cosine of the rows of ``XABᵀ`` for the selected users.

    Uses ``(XABᵀ)(XABᵀ)ᵀ = XA (BᵀB) (XA)ᵀ`` so only the selected users'
    k-dimensional rows are formed.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
    A, B : ndarray, shape (p, k)
    users : array_like of int, optional
        Row indices of X (default: all users; memory n × n).

    Returns
    -------
    ndarray, shape (m, m)
        Users with an all-zero smoothed row get cosine 0.
    """
    X = as_matrix(X, "X")
    A = as_factor(A, "A", rows=X.shape[1])
    B = as_factor(B, "B", rows=X.shape[1], cols=A.shape[1])
    if users is not None:
        users = np.asarray(users)
        if users.ndim != 1 or not np.issubdtype(users.dtype, np.integer):
            raise InvalidType("users must be a 1-D array of integer row indices")
        if users.size == 0 or users.min() < -X.shape[0] or users.max() >= X.shape[0]:
            raise InvalidValue(f"users must be non-empty indices into the {X.shape[0]} rows of X")
        X = X[users]
    P = np.asarray(X @ A)
    return cosine_from_gram(P @ (B.T @ B) @ P.T)


def projected_item_cosine(A, B, X=None) -> np.ndarray:
    """Item–item cosine of item embeddings in the original space (remedy 2 of §3).

    Two item-side analogues of the smoothed users ``XABᵀ``, both functions of
    ``ABᵀ`` alone and so the same for every D of Eq. (3):

    * ``X=None``: item i is row i of ``BAᵀ`` (column i of ``ABᵀ``), the weights
      with which the user's history x_u predicts item i: ``(XABᵀ)_{ui} =
      ⟨x_u, (BAᵀ)_i⟩``. Gram matrix ``B (AᵀA) Bᵀ``.
    * ``X`` given: item i is column i of the smoothed data ``XABᵀ`` (one entry
      per user). Gram matrix ``B (AᵀXᵀXA) Bᵀ``.

    Parameters
    ----------
    A, B : ndarray, shape (p, k)
    X : array_like or scipy.sparse matrix, shape (n, p), optional

    Returns
    -------
    ndarray, shape (p, p)
        Items with an all-zero embedding get cosine 0.
    """
    A = as_factor(A, "A")
    B = as_factor(B, "B", rows=A.shape[0], cols=A.shape[1])
    if X is None:
        M = A.T @ A
    else:
        X = as_matrix(X, "X")
        if X.shape[1] != A.shape[0]:
            raise InvalidValue(f"X has {X.shape[1]} columns, expected {A.shape[0]} (one per item)")
        P = np.asarray(X @ A)
        M = P.T @ P
    return cosine_from_gram(B @ M @ B.T)


# --------------------------------------------------------------------------
# Remedy 3: normalise (3a) / de-bias (3b) the data before training
# --------------------------------------------------------------------------

def standardized_gram(X):
    """Gram matrix of X with every column standardised (zero mean, unit variance): remedy 3a.

    With column means μ and standard deviations sd (population, ``ddof=0``),
    ``X̃ = (X − 1μᵀ) dMat(1/sd)`` and ``X̃ᵀX̃ = dMat(1/sd)(XᵀX − n μμᵀ)dMat(1/sd)``.
    Computed from ``XᵀX``, so a sparse X is never densified. A constant column
    (sd = 0, e.g. an item nobody consumed) becomes the zero column.

    Returns
    -------
    G : ndarray, shape (p, p)
        ``X̃ᵀX̃``.
    mean, sd : ndarray, shape (p,)
    """
    X = as_matrix(X, "X")
    n = X.shape[0]
    G = gram_matrix(X)
    mean = np.asarray(X.sum(axis=0)).ravel() / n
    var = np.clip(np.diag(G) / n - mean**2, 0.0, None)
    sd = np.sqrt(var)
    inv = np.zeros_like(sd)
    nz = sd > 1e-12 * max(1.0, float(np.max(np.abs(mean))))
    inv[nz] = 1.0 / sd[nz]
    Gs = (G - n * np.outer(mean, mean)) * inv[:, None] * inv[None, :]
    return 0.5 * (Gs + Gs.T), mean, sd


def propensity_weights(X, power: float = 1.0, *, floor: float = 1.0) -> np.ndarray:
    """Column weights ``w_i = (π_i)^{−power/2}`` for inverse-propensity weighting (remedy 3b).

    The propensity of item i is its share of users, ``π_i = c_i / n`` with c_i
    the number of users who consumed it, floored at ``floor / n`` so that an
    item nobody consumed gets a finite weight. Scaling column i of X by w_i
    multiplies item i's squared errors in Eq. (1) or Eq. (2) by
    ``w_i² = π_i^{−power}``: ``power = 1`` is inverse propensity weighting of
    the loss; smaller powers de-bias less (cf. the exponent 3/4 with which
    word2vec samples negatives, Mikolov et al. 2013).

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        Binary (or non-negative) interaction data.
    power : float
        ≥ 0.
    floor : float
        > 0, minimum count used for π.

    Returns
    -------
    ndarray, shape (p,)
    """
    X = as_matrix(X, "X")
    power = check_lambda(power, "power")
    floor = check_real(floor, "floor", 0, low_open=True)
    counts = np.asarray((X != 0).sum(axis=0)).ravel()
    prop = np.maximum(counts, floor) / X.shape[0]  # (float64: floor is a float)
    return prop ** (-power / 2.0)


def weighted_gram(X, w) -> np.ndarray:
    """Gram matrix ``(X W)ᵀ(X W) = W XᵀX W`` of X with columns scaled by w.

    Fitting Eq. (1) to ``Z = X dMat(w)`` and mapping back with
    ``A_X = dMat(w) A``, ``B_X = dMat(w)⁻¹ B`` gives a model of X,
    ``X A_X B_Xᵀ = Z A Bᵀ dMat(w)⁻¹``, whose squared error on item i is weighted
    by w_i². Item–item cosines of B_X equal those of B, since Ω removes the
    row scaling dMat(w)⁻¹.
    """
    X = as_matrix(X, "X")
    w = check_scaling_vector(w, X.shape[1], "w")
    G = gram_matrix(X)
    return G * w[:, None] * w[None, :]


def spectrum_from_gram(G, k: int) -> Spectrum:
    """Top-k singular values and right singular vectors of any X with ``XᵀX = G``.

    The closed forms of Eq. (1) and Eq. (2) need only σ and V, which the
    eigen-decomposition ``G = V dMat(σ²) Vᵀ`` gives; feed the result to
    :func:`cossim.eq1_factors` or :func:`cossim.eq2_factors`.

    Parameters
    ----------
    G : ndarray, shape (p, p)
        Symmetric positive semi-definite.
    k : int
        ``1 <= k <= p``.
    """
    G = as_dense_matrix(G, "G")
    p = len(G)
    if G.shape != (p, p):
        raise InvalidValue(f"G must be square, got shape {G.shape}")
    if not np.allclose(G, G.T, rtol=1e-10, atol=1e-10 * max(1.0, float(np.abs(G).max()))):
        raise InvalidValue("G must be symmetric")
    k = check_rank(k, p)
    vals, vecs = scipy.linalg.eigh(0.5 * (G + G.T), subset_by_index=[p - k, p - 1])
    order = np.argsort(vals)[::-1]
    sigma = np.sqrt(np.clip(vals[order], 0.0, None))
    return Spectrum(sigma, orient_columns(vecs[:, order]))


def objective_eq1_gram(G, A, B, lam) -> float:
    """Eq. (1) ``‖X − XABᵀ‖² + λ‖ABᵀ‖²`` for any X with ``XᵀX = G``.

    ``= tr G − 2 tr(AᵀGB) + tr(AᵀGA·BᵀB) + λ tr(AᵀA·BᵀB)``; see
    :func:`cossim.paper.models.objective_from_gram`.
    """
    return objective_from_gram(G, A, B, lam)  # (its default objective is Eq. (1))


def objective_eq2_gram(G, A, B, lam) -> float:
    """Eq. (2) ``‖X − XABᵀ‖² + λ(‖XA‖² + ‖B‖²)`` for any X with ``XᵀX = G``.

    See :func:`cossim.paper.models.objective_from_gram`.
    """
    return objective_from_gram(G, A, B, lam, "eq2")


# --------------------------------------------------------------------------
# Is the cosine a free choice? An executed check
# --------------------------------------------------------------------------

class RescalingCheck(NamedTuple):
    """Outcome of :func:`rescaling_check`.

    Attributes
    ----------
    objective_change : ndarray, shape (m,)
        ``|f(AD, BD⁻¹) − f(A, B)| / max(|f(A, B)|, tiny)`` for each D.
    cosine_change : ndarray, shape (m,)
        Largest absolute change of any item–item cosine for each D.
    free : ndarray of bool, shape (m,)
        D leaves the objective unchanged (relative change ≤ `objective_tol`).
    d_dependent : bool
        Some D is free *and* moves a cosine by more than `cosine_tol`: the
        cosines are then an arbitrary choice rather than a property of the fit.
    """

    objective_change: np.ndarray
    cosine_change: np.ndarray
    free: np.ndarray
    d_dependent: bool


#: The smallest normal float64 (guards the relative change of a zero objective).
_TINY = np.finfo(np.float64).tiny


def random_rescalings(k: int, n: int = 3, *, low: float = 0.1, high: float = 10.0,
                      seed: int = 0) -> list[np.ndarray]:
    """`n` random diagonals of D, log-uniform on [low, high], as a list of (k,) arrays."""
    k, n = check_int(k, "k", 1), check_int(n, "n", 1)
    low = check_real(low, "low", 0, low_open=True)
    high = check_real(high, "high")
    if low > high:
        raise InvalidValue(f"need 0 < low <= high < inf, got low={low}, high={high}")
    rng = np.random.default_rng(seed)
    return [np.exp(rng.uniform(np.log(low), np.log(high), size=k)) for _ in range(int(n))]


def rescaling_check(objective: Callable[[np.ndarray, np.ndarray], float],
                    item_cosine: Callable[[np.ndarray, np.ndarray], np.ndarray],
                    A, B, ds: Sequence, *, objective_tol: float = 1e-9,
                    cosine_tol: float = 1e-6) -> RescalingCheck:
    """Apply rescalings ``(AD, BD⁻¹)`` (Eq. 3) and measure what moves.

    Parameters
    ----------
    objective : callable (A, B) -> float
        The training objective of the model (e.g. Eq. (1) on its data).
    item_cosine : callable (A, B) -> ndarray (p, p)
        How the model's item–item cosines are formed from its factors (e.g.
        ``lambda A, B: cossim.item_item_cosine(B)``).
    A, B : ndarray, shape (p, k)
        A fitted model.
    ds : sequence of array_like, each shape (k,)
        Diagonals of the D's to try.
    objective_tol, cosine_tol : float
        Tolerances for "unchanged objective" (relative) and "changed cosine"
        (absolute).

    Returns
    -------
    RescalingCheck
    """
    A = as_factor(A, "A")
    B = as_factor(B, "B", rows=A.shape[0], cols=A.shape[1])
    if len(ds) == 0:
        raise InvalidValue("ds must hold at least one diagonal")
    f0 = float(objective(A, B))
    S0 = np.asarray(item_cosine(A, B))
    obj, cos = [], []
    for j, d in enumerate(ds):
        d = check_scaling_vector(d, A.shape[1], f"ds[{j}]")
        Ad, Bd = A * d, B / d
        obj.append(abs(float(objective(Ad, Bd)) - f0) / max(abs(f0), _TINY))
        cos.append(float(np.max(np.abs(np.asarray(item_cosine(Ad, Bd)) - S0))))
    obj, cos = np.array(obj), np.array(cos)
    free = obj <= objective_tol
    return RescalingCheck(obj, cos, free, bool(np.any(free & (cos > cosine_tol))))


def recovery_scores(S, labels, n_neighbours: int = 10) -> dict:
    """Cluster recovery of an item–item similarity: ``{"auc": …, "purity": …}``.

    ``auc`` is :func:`cossim.cluster_auc` (same- vs different-cluster pairs),
    ``purity`` is :func:`cossim.neighbour_purity` with `n_neighbours`.
    """
    return {"auc": cluster_auc(S, labels),
            "purity": neighbour_purity(S, labels, n_neighbours=n_neighbours)}
