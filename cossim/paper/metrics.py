"""Scores of how well a similarity matrix recovers known item groups.

Used in Chapter 3 (remedies) and Chapter 4 (Figure 1) with the simulated
clusters as ground truth.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.stats import rankdata

from .._validation import as_matrix, check_labels

__all__ = ["cluster_auc", "neighbour_purity", "order_items"]


def _check_similarity(S, labels):
    S = as_matrix(S, "S", allow_sparse=False)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"S must be square (items × items), got shape {S.shape}")
    labels = check_labels(labels, S.shape[0])
    return S, labels


def cluster_auc(S, labels) -> float:
    """ROC-AUC of similarity for telling same-cluster pairs from the rest.

    Over all item pairs i < j, the pairs with ``labels[i] == labels[j]`` are
    positives. The AUC is the probability that a random positive pair has a
    higher ``S[i, j]`` than a random negative pair, ties counting ½ (the
    Mann–Whitney statistic with mid-ranks). 1 is perfect recovery, 0.5 is
    chance.

    Parameters
    ----------
    S : ndarray, shape (p, p)
        Item–item similarity (only the strict upper triangle is read).
    labels : array_like of int, shape (p,)

    Returns
    -------
    float
    """
    S, labels = _check_similarity(S, labels)
    iu, ju = np.triu_indices(S.shape[0], k=1)
    scores = S[iu, ju]
    positive = labels[iu] == labels[ju]
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("labels must give both same-label and different-label pairs")
    ranks = rankdata(scores)  # mid-ranks: ties count 1/2
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def neighbour_purity(S, labels, n_neighbours: int = 10) -> float:
    """Mean share of each item's `n_neighbours` most similar items in its own cluster.

    The item itself is excluded; ties in S are broken by the smaller index.

    Parameters
    ----------
    S : ndarray, shape (p, p)
    labels : array_like of int, shape (p,)
    n_neighbours : int
        ``1 <= n_neighbours <= p - 1``.
    """
    S, labels = _check_similarity(S, labels)
    p = S.shape[0]
    if isinstance(n_neighbours, (bool, np.bool_)) or not isinstance(n_neighbours, numbers.Integral):
        raise TypeError(f"n_neighbours must be an integer, got {type(n_neighbours).__name__}")
    if not 1 <= n_neighbours <= p - 1:
        raise ValueError(f"n_neighbours must satisfy 1 <= n_neighbours <= {p - 1}, got {n_neighbours}")
    S = S.copy()
    np.fill_diagonal(S, -np.inf)
    nearest = np.argsort(-S, axis=1, kind="stable")[:, :n_neighbours]
    return float(np.mean(labels[nearest] == labels[:, None]))


def order_items(labels, popularity) -> np.ndarray:
    """Item order of Figure 1: by label, then by descending popularity.

    Ties in popularity keep the original item order.

    Parameters
    ----------
    labels : array_like of int, shape (p,)
    popularity : array_like of float, shape (p,)
        Baseline popularity p_i (simulation) or column sums of X (own data).

    Returns
    -------
    ndarray of int, shape (p,)
        A permutation: ``S[np.ix_(order, order)]`` is the displayed matrix.
    """
    arr = np.asarray(labels)
    labels = check_labels(arr, arr.shape[0] if arr.ndim >= 1 else 1)
    try:
        popularity = np.asarray(popularity, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("popularity must be a 1-D array of real numbers") from None
    if popularity.shape != labels.shape:
        raise ValueError(
            f"popularity has shape {popularity.shape}, expected {labels.shape} (one per item)"
        )
    if not np.all(np.isfinite(popularity)):
        raise ValueError("popularity contains NaN or inf")
    return np.lexsort((np.arange(labels.size), -popularity, labels))
