"""Remedy 3b of the paper's §3: de-biasing during training by negative sampling and IPS.

The paper's third remedy is to normalise or de-bias *before or during*
training, naming negative sampling and inverse propensity scaling for item
popularity and user activity, with word2vec's negatives drawn ∝ frequency^{3/4}
(Mikolov et al. 2013) as the example. This module provides both knobs:

* **Propensity weights of users and items** (:func:`activity_weights`,
  :func:`debiased_gram`): the Gram matrix ``dMat(w_I) Xᵀ dMat(w_U) X dMat(w_I)``
  of the data with user u's row weighted by ``w_U,u = (k_u / k̄)^{−a}`` (k_u
  the user's number of items) and item i's column by the item weight of
  :func:`cossim.propensity_weights`. Eq. (1) and Eq. (2) fitted to it (via
  :func:`cossim.spectrum_from_gram`) minimise a squared error in which every
  user counts ``w_U`` times and every item ``w_I²`` times.
* **Negative sampling** (:func:`fit_sgns`): skip-gram with negative sampling
  on item co-occurrences (item2vec). Positive pairs (i, j) are two items
  consumed by the same user, drawn with probability ∝ ``C_ij`` (the
  off-diagonal of the — possibly weighted — Gram matrix); each positive brings
  ``n_neg`` negatives l drawn ∝ ``popularity_l^β``. The loss is logistic::

      E[ −log σ(a_i·b_j) − Σ_{negatives l} log σ(−a_i·b_l) ] + λ(‖A‖² + ‖B‖²)

  :func:`sgns_objective` is its exact expectation over the draws,
  ``−Σ C_ij log σ(s_ij) − n_neg Σ_i c_i Σ_l q_l log σ(−s_il)`` with ``S = ABᵀ``
  and ``c_i = Σ_j C_ij``; :func:`sgns_sampled_loss` is the loss of one draw,
  whose mean is the expectation (tested). Fitting the expectation by L-BFGS is
  deterministic; stochastic gradient descent on sampled draws, as word2vec
  does, targets the same objective.

Without weight decay (λ = 0) the SGNS loss depends on A and B only through
``ABᵀ``, so the rescaling D of Eq. (3) is exactly as free as in Eq. (1).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg
from scipy.special import log_expit

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
    check_vector,
)
from ..linalg.gram import gram_matrix
from ..linalg.similarity import check_square, nearest_mask
from ..paper.remedies import propensity_weights
from ._fitting import FitInfo, lbfgs

__all__ = [
    "activity_weights",
    "debiased_gram",
    "negative_distribution",
    "cooccurrence",
    "sgns_objective",
    "sgns_gradient",
    "sample_pairs",
    "sgns_pair_losses",
    "sgns_sampled_loss",
    "SGNSModel",
    "fit_sgns",
    "popularity_bias",
]


def activity_weights(X, power: float = 1.0) -> np.ndarray:
    """User weights ``w_u = (k_u / k̄)^{−power}`` for inverse-propensity weighting of activity.

    k_u is the number of items user u consumed and k̄ its mean over users who
    consumed any; users with no item get weight 0 (they add nothing to XᵀX).
    ``power = 1`` makes every user contribute the same total weight of
    items, ``Σ_i w_u x_ui = k̄``; ``power = 0`` is no weighting.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n, p)
        Binary (or non-negative) interaction data.
    power : float
        ≥ 0.

    Returns
    -------
    ndarray, shape (n,)
    """
    X = as_matrix(X, "X")
    power = check_lambda(power, "power")
    counts = np.asarray((X != 0).sum(axis=1), dtype=np.float64).ravel()
    active = counts > 0
    if not active.any():
        raise InvalidValue("X has no non-zero entry")
    w = np.zeros_like(counts)
    w[active] = (counts[active] / counts[active].mean()) ** (-power)
    return w


def debiased_gram(X, user_power: float = 0.0, item_power: float = 0.0) -> np.ndarray:
    """``dMat(w_I) Xᵀ dMat(w_U) X dMat(w_I)``: the Gram matrix with users and items re-weighted.

    ``w_U = activity_weights(X, user_power)`` and
    ``w_I = cossim.propensity_weights(X, item_power)`` (so that item i's squared
    errors count ``π_i^{−item_power}`` times). Both powers 0 give ``XᵀX``.

    Returns
    -------
    ndarray, shape (p, p)
    """
    X = as_matrix(X, "X")
    w_user = activity_weights(X, user_power)
    w_item = propensity_weights(X, item_power)
    root = np.sqrt(w_user)
    Xw = (sp.diags(root) @ X).tocsr() if sp.issparse(X) else X * root[:, None]
    G = gram_matrix(Xw)
    return G * w_item[:, None] * w_item[None, :]


def negative_distribution(X, beta: float) -> np.ndarray:
    """Negative-sampling distribution ``q_i ∝ c_i^β`` (c_i = users who consumed item i).

    ``β = 0`` is uniform, ``β = 1`` proportional to popularity, and word2vec's
    choice is ``β = 3/4``. Items nobody consumed count as one consumer.
    """
    X = as_matrix(X, "X")
    beta = check_real(beta, "beta")
    counts = np.maximum(np.asarray((X != 0).sum(axis=0)).ravel(), 1.0)  # float64: the int counts meet 1.0
    q = np.exp(beta * (np.log(counts) - np.log(counts).max()))
    return q / q.sum()


def _square(M, name: str) -> np.ndarray:
    """A dense, square float matrix (item × item), with errors naming `name`."""
    M = as_dense_matrix(M, name)
    if M.shape[0] != M.shape[1]:
        raise InvalidValue(f"{name} must be square (items × items), got shape {M.shape}")
    return M


def cooccurrence(G) -> np.ndarray:
    """Positive-pair distribution ``C``: the off-diagonal of a Gram matrix, normalised to sum 1.

    ``C_ij ∝ Σ_u w_u x_ui x_uj`` for i ≠ j: the probability that a pair of
    distinct items drawn from one user's basket is (i, j).
    """
    G = _square(G, "G")
    if np.any(G < 0):
        raise InvalidValue("G must be non-negative (a Gram matrix of non-negative data)")
    C = G.copy()
    np.fill_diagonal(C, 0.0)
    total = C.sum()
    if total <= 0:
        raise InvalidValue("G has no off-diagonal mass: no two items are ever consumed together")
    return C / total


def _check_distributions(C, q, n_neg, lam):
    """C (square), q (a probability vector over its items), n_neg > 0 and λ ≥ 0."""
    C = _square(C, "C")
    p = len(C)
    q = check_vector(q, "q", min_size=p, low=0)
    if q.size != p or abs(q.sum() - 1.0) > 1e-9:
        raise InvalidValue(f"q must be a probability vector of length {p}")
    return C, q, check_real(n_neg, "n_neg", 0, low_open=True), check_lambda(lam)


def _check_factors(A, B, p: int):
    A = as_factor(A, "A", rows=p)
    return A, as_factor(B, "B", rows=p, cols=A.shape[1])


def _check_sgns(C, q, A, B, n_neg, lam):
    C, q, n_neg, lam = _check_distributions(C, q, n_neg, lam)
    return (C, q, *_check_factors(A, B, len(C)), n_neg, lam)


def _negative_weights(C, q, n_neg):
    """``n_neg · c qᵀ``: the weight of ``−log σ(−s_il)`` in the expected loss."""
    return n_neg * np.outer(C.sum(axis=1), q)


def _sgns_value_grad(C, W, A, B, lam):
    """Expected loss and its gradients, given C and the negative weights W."""
    S = A @ B.T
    log_sig = log_expit(S)                      # log σ(s)
    value = -float(np.sum(C * log_sig)) - float(np.sum(W * (log_sig - S)))
    value += lam * (float(np.sum(A * A)) + float(np.sum(B * B)))
    sig = np.exp(log_sig)
    dS = W * sig - C * (1.0 - sig)              # ∂/∂s of the two logistic terms
    return value, [dS @ B + 2.0 * lam * A, dS.T @ A + 2.0 * lam * B]


def sgns_objective(C, q, A, B, n_neg: float = 5, lam: float = 0.0) -> float:
    """Expected skip-gram-with-negative-sampling loss over the draws of pairs and negatives.

    ``−Σ_ij C_ij log σ(s_ij) − n_neg Σ_i c_i Σ_l q_l log σ(−s_il) + λ(‖A‖² + ‖B‖²)``
    with ``S = ABᵀ``, ``c = C1``.

    Parameters
    ----------
    C : ndarray, shape (p, p)
        Positive-pair distribution (:func:`cooccurrence`).
    q : ndarray, shape (p,)
        Negative distribution (:func:`negative_distribution`).
    A, B : ndarray, shape (p, k)
        Input and output item embeddings.
    n_neg : float
        Negatives per positive pair (> 0).
    lam : float
        Weight decay λ ≥ 0.
    """
    C, q, A, B, n_neg, lam = _check_sgns(C, q, A, B, n_neg, lam)
    return _sgns_value_grad(C, _negative_weights(C, q, n_neg), A, B, lam)[0]


def sgns_gradient(C, q, A, B, n_neg: float = 5, lam: float = 0.0):
    """Gradient ``(∂/∂A, ∂/∂B)`` of :func:`sgns_objective`."""
    C, q, A, B, n_neg, lam = _check_sgns(C, q, A, B, n_neg, lam)
    return tuple(_sgns_value_grad(C, _negative_weights(C, q, n_neg), A, B, lam)[1])


def sample_pairs(C, n_pairs: int, rng) -> np.ndarray:
    """Draw `n_pairs` positive pairs (i, j) with probability ``C_ij``; shape (n_pairs, 2)."""
    C = _square(C, "C")
    n_pairs = check_int(n_pairs, "n_pairs", 1)
    if not isinstance(rng, np.random.Generator):
        raise InvalidType("rng must be a numpy.random.Generator")
    flat = rng.choice(C.size, size=n_pairs, p=C.ravel() / C.sum())
    return np.stack(np.unravel_index(flat, C.shape), axis=1)


def _check_pairs(A, B, pairs, negatives):
    """Float64 factors and integer index arrays of a draw (see :func:`sgns_pair_losses`)."""
    A = as_factor(A, "A")
    B = as_factor(B, "B", rows=A.shape[0], cols=A.shape[1])
    pairs, negatives = np.asarray(pairs), np.asarray(negatives)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or negatives.ndim != 2 \
            or negatives.shape[0] != pairs.shape[0] or pairs.shape[0] == 0:
        raise InvalidValue("pairs must be (m, 2) and negatives (m, n_neg), m >= 1")
    for name, idx in (("pairs", pairs), ("negatives", negatives)):
        if not np.issubdtype(idx.dtype, np.integer):
            raise InvalidType(f"{name} must hold integer item indices")
        if idx.size and (idx.min() < 0 or idx.max() >= A.shape[0]):
            raise InvalidValue(f"{name} holds an item index out of range")
    return A, B, pairs, negatives


def _pair_losses(A, B, pairs, negatives) -> np.ndarray:
    i, j = pairs[:, 0], pairs[:, 1]
    # einsum's sublist form: m = 0, l = 1, k = 2
    pos = log_expit(np.einsum(A[i], [0, 2], B[j], [0, 2], [0]))
    neg = log_expit(-np.einsum(A[i], [0, 2], B[negatives], [0, 1, 2], [0, 1])).sum(axis=1)
    return -(pos + neg)


def sgns_pair_losses(A, B, pairs, negatives) -> np.ndarray:
    """Loss of each drawn pair: ``−log σ(a_i·b_j) − Σ_l log σ(−a_i·b_l)`` over its negatives l.

    Parameters
    ----------
    A, B : ndarray, shape (p, k)
    pairs : ndarray of int, shape (m, 2)
        Positive pairs (:func:`sample_pairs`).
    negatives : ndarray of int, shape (m, n_neg)
        Negatives for each pair, e.g. ``rng.choice(p, size=(m, n_neg), p=q)``.

    Returns
    -------
    ndarray, shape (m,)
    """
    return _pair_losses(*_check_pairs(A, B, pairs, negatives))


def sgns_sampled_loss(A, B, pairs, negatives, lam: float = 0.0) -> float:
    """Loss of one draw: the mean of :func:`sgns_pair_losses` plus ``λ(‖A‖² + ‖B‖²)``.

    Its expectation over the draws (pairs ∝ C, negatives ∝ q, ``n_neg`` per
    pair) is :func:`sgns_objective`.
    """
    A, B, pairs, negatives = _check_pairs(A, B, pairs, negatives)
    lam = check_lambda(lam)
    losses = _pair_losses(A, B, pairs, negatives)
    return float(np.mean(losses)) + lam * (float(np.sum(A * A)) + float(np.sum(B * B)))


class SGNSModel(NamedTuple):
    """A fitted SGNS model: input embeddings A, output embeddings B (rows = items) and the fit."""

    A: np.ndarray
    B: np.ndarray
    info: FitInfo


def _pmi_start(C, q, k, n_neg):
    """Rank-k symmetric split of the shifted PMI ``log(C_ij / (n_neg c_i q_j))``.

    At full rank and λ = 0 this S minimises the expected loss entry by entry
    (Levy & Goldberg 2014); pairs never seen together get the smallest
    finite value. Used as a deterministic start.
    """
    ratio = C / (n_neg * np.outer(C.sum(axis=1), q))
    positive = ratio > 0
    floor = np.log(ratio[positive].min()) if positive.any() else 0.0
    S = np.full(C.shape, floor)
    S[positive] = np.log(ratio[positive])
    p = len(S)
    if k < p - 1:   # ARPACK from a fixed start vector: deterministic
        U, s, Vt = scipy.sparse.linalg.svds(S, k=k, v0=np.full(p, 1.0 / np.sqrt(p)))
        order = np.argsort(s)[::-1]
        U, s, Vt = U[:, order], s[order], Vt[order]
    else:
        U, s, Vt = np.linalg.svd(S)
    root = np.sqrt(s[:k])
    return U[:, :k] * root, Vt[:k].T * root


def fit_sgns(C, q, k: int, *, n_neg: float = 5, lam: float = 1e-6, init="pmi", seed: int = 0,
             max_iter: int = 100, tol: float = 1e-13) -> SGNSModel:
    """Fit skip-gram with negative sampling (:func:`sgns_objective`) by L-BFGS.

    Parameters
    ----------
    C : ndarray, shape (p, p)
        Positive-pair distribution (:func:`cooccurrence`).
    q : ndarray, shape (p,)
        Negative distribution (:func:`negative_distribution`).
    k : int
        Rank.
    n_neg : float
        Negatives per positive pair (word2vec: 5).
    lam : float
        Weight decay on both factors.
    init : {"pmi", "random"} or (A, B)
        ``"pmi"``: the rank-k split of the shifted PMI (:func:`_pmi_start`),
        deterministic; ``"random"``: Gaussian entries of standard deviation
        0.1 drawn with `seed`; or a pair.
    max_iter : int
        L-BFGS iterations.
    tol : float
        Relative tolerance on the objective.

    Returns
    -------
    SGNSModel
    """
    C, q, n_neg, lam = _check_distributions(C, q, n_neg, lam)
    p = len(C)
    k = check_rank(k, p)
    if isinstance(init, str) and init == "pmi":
        A0, B0 = _pmi_start(C, q, k, n_neg)
    elif isinstance(init, str) and init == "random":
        A0, B0 = 0.1 * np.random.default_rng(seed).standard_normal((2, p, k))
    elif isinstance(init, tuple) and len(init) == 2:
        A0, B0 = init
    else:
        raise InvalidValue("init must be 'pmi', 'random' or a pair (A, B)")
    A0, B0 = _check_factors(A0, B0, p)
    if A0.shape[1] != k:
        raise InvalidValue(f"init has {A0.shape[1]} columns, expected k={k}")
    W = _negative_weights(C, q, n_neg)
    (A, B), info = lbfgs(lambda a, b: _sgns_value_grad(C, W, a, b, lam), [A0, B0],
                         max_iter=check_int(max_iter, "max_iter", 1), tol=check_real(tol, "tol", 0))
    return SGNSModel(A, B, info)


def popularity_bias(S, popularity, n_neighbours: int = 10, top_share: float = 0.1) -> float:
    """Share of items' nearest neighbours that lie among the most popular items.

    With ``m = ⌈top_share · p⌉`` "head" items (largest `popularity`), returns the
    mean over items of the fraction of their `n_neighbours` most similar
    items (self excluded) in the head. A similarity blind to popularity gives
    about ``top_share``; larger values mean the similarity favours popular items.

    Parameters
    ----------
    S : ndarray, shape (p, p)
    popularity : array_like, shape (p,)
    n_neighbours : int
    top_share : float
        In (0, 1].
    """
    S = check_square(S)
    p = len(S)
    pop = check_vector(popularity, "popularity", min_size=p)
    if pop.size != p:
        raise InvalidValue(f"popularity has {pop.size} entries, expected {p}")
    top_share = check_real(top_share, "top_share", 0, 1, low_open=True)
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    head = np.isin(np.arange(p), np.argsort(-pop, stable=True)[:int(np.ceil(top_share * p))])
    # the neighbour lists of linalg.similarity.top_n_from_similarity as a mask, from a partition of each row instead
    # of a sort: the same sets, and a count of head items is exact in any order
    return float(np.count_nonzero(nearest_mask(S, n_neighbours) & head) / (p * n_neighbours))
