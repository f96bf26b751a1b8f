"""Scores of how well a similarity matrix recovers known item groups.

Used in Chapter 3 (remedies) and Chapter 4 (Figure 1) with the simulated
clusters as ground truth.
"""

from __future__ import annotations

import numpy as np

from .._validation import InvalidType, InvalidValue, check_int, check_labels
from ..linalg.similarity import check_square, nearest_mask

__all__ = ["rank_auc", "cluster_auc", "neighbour_purity", "ClusterScores", "order_items"]


def _check_similarity(S, labels):
    S = check_square(S)
    labels = check_labels(labels, len(S))
    return S, labels


def rank_auc(scores, positive, *, what: str = "labels must give both positive and negative pairs") -> float:
    """ROC-AUC of `scores` for telling positives from negatives (Mann–Whitney, mid-ranks).

    The probability that a random positive has a higher score than a random
    negative, ties counting ½: with mid-ranks r of all scores,
    ``AUC = (Σ_{positives} r − n₊(n₊ + 1)/2) / (n₊ n₋)``. 1 is perfect
    separation, 0.5 is chance. The score behind :func:`cluster_auc` (§4,
    Figure 1) and :func:`cossim.genre_auc`.

    Parameters
    ----------
    scores : ndarray, shape (m,)
    positive : ndarray of bool, shape (m,)
    what : str
        Message of the error raised when one class is empty.

    Returns
    -------
    float
    """
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    if scores.ndim != 1 or positive.shape != scores.shape:
        raise InvalidValue(f"scores and positive must be 1-D of the same length, "
                           f"got shapes {scores.shape} and {positive.shape}")
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise InvalidValue(what)
    if np.isnan(scores).any():  # no order: NaN, as scipy.stats.rankdata propagates it
        return np.nan
    return _mann_whitney_u(scores, positive) / (n_pos * n_neg)


def _mann_whitney_u(scores, positive) -> float:
    """Over all (positive, negative) pairs: the count of positive > negative, ties counting ½."""
    return _u_statistic(scores[positive], scores[~positive])


def _u_statistic(mine, negatives) -> float:
    """The Mann–Whitney count of :func:`_mann_whitney_u` from the positives and the negatives.

    This is ``Σ_{positives} r − n₊(n₊ + 1)/2`` for the mid-ranks r of all
    scores. Each positive x counts the negatives below it and half of those
    equal to it, from one sort of the negatives and two binary searches (no
    argsort). The counts are summed in integers (twice the statistic is an
    integer), so the result is exact: a half-integer, exactly the numerator
    that mid-ranks summed in float64 give (``scipy.stats.rankdata``), for up to
    2⁵³ pairs. It does not depend on the order of either input.
    """
    negatives = np.sort(negatives)
    mine = np.sort(mine)  # sorted queries: faster binary searches
    below = np.searchsorted(negatives, mine)  # side="left": strictly below
    upto = np.searchsorted(negatives, mine, side="right")
    return (int(below.sum()) + int(upto.sum())) / 2  # intp sums: exact integers


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
    return ClusterScores(labels)._auc(S)


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
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, len(S) - 1)
    return ClusterScores(labels)._purity(S, n_neighbours)


class ClusterScores:
    """:func:`cluster_auc` and :func:`neighbour_purity` of many similarity matrices against one set of labels.

    What depends on the labels alone is computed once: the p × p same-label
    mask and, on the first :meth:`auc`, the flat positions ``i·p + j`` of the
    same-label and the different-label pairs i < j (in the row-major order of
    ``numpy.triu_indices``). Figure 1 (§4) scores five panels, and the γ sweep
    many more, against the same clusters.

    Parameters
    ----------
    labels : array_like of int, shape (p,)
    """

    def __init__(self, labels):
        arr = np.asarray(labels)
        self.labels = check_labels(arr, arr.size)  # (a 0-D or 2-D arr fails the 1-D check first)
        self.same_label = self.labels[None, :] == self.labels[:, None]
        self._pairs = None

    def auc(self, S) -> float:
        """:func:`cluster_auc` of S (shape (p, p)) against these labels."""
        return self._auc(self._check(S))

    def purity(self, S, n_neighbours: int = 10) -> float:
        """:func:`neighbour_purity` of S (shape (p, p)) against these labels."""
        S = self._check(S)
        return self._purity(S, check_int(n_neighbours, "n_neighbours", 1, len(S) - 1))

    def _check(self, S):
        S = check_square(S)
        if len(S) != self.labels.size:
            raise InvalidValue(f"S has shape {S.shape}, expected ({self.labels.size}, {self.labels.size}) "
                               f"(one row and column per label)")
        return S

    def _pair_positions(self):
        if self._pairs is None:
            p = self.labels.size
            iu, ju = np.triu_indices(p, k=1)
            flat = iu * p + ju
            same = self.same_label[iu, ju]
            self._pairs = flat[same], flat[~same]
        return self._pairs

    def _auc(self, S) -> float:
        """:meth:`auc` of a valid S: the upper-triangle entries gathered by pair class."""
        same_pairs, diff_pairs = self._pair_positions()
        n_pos, n_neg = same_pairs.size, diff_pairs.size
        if n_pos == 0 or n_neg == 0:
            raise InvalidValue("labels must give both same-label and different-label pairs")
        # S is finite (every entry point rejects NaN and inf), so the counts are well defined
        mine, negatives = np.take(S, same_pairs), np.take(S, diff_pairs)
        return _u_statistic(mine, negatives) / (n_pos * n_neg)

    def _purity(self, S, n: int) -> float:
        """:meth:`purity` of a valid S and `n`."""
        same = nearest_mask(S, n) & self.same_label
        return float(np.count_nonzero(same) / (len(S) * n))


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
    labels = check_labels(arr, arr.size)  # (a 0-D or 2-D arr fails the 1-D check first)
    try:
        popularity = np.asarray(popularity, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidType("popularity must be a 1-D array of real numbers") from None
    if popularity.shape != labels.shape:
        raise InvalidValue(
            f"popularity has shape {popularity.shape}, expected {labels.shape} (one per item)"
        )
    if not np.all(np.isfinite(popularity)):
        raise InvalidValue("popularity contains NaN or inf")
    return np.lexsort((np.arange(labels.size), -popularity, labels))
