"""Scores of how well a similarity matrix recovers known item groups.

Used in Chapter 3 (remedies) and Chapter 4 (Figure 1) with the simulated
clusters as ground truth.
"""

from __future__ import annotations

import numpy as np

from .._validation import InvalidType, InvalidValue, as_dense_matrix, check_int, check_labels

__all__ = ["rank_auc", "cluster_auc", "neighbour_purity", "order_items"]


def check_square(S):
    """Validate an items × items similarity matrix S (dense, square)."""
    S = as_dense_matrix(S, "S")
    if S.shape[0] != S.shape[1]:
        raise InvalidValue(f"S must be square (items × items), got shape {S.shape}")
    return S


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
    return _LabelScores(labels).auc(S)


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
    return _LabelScores(labels, pairs=False).purity(S, n_neighbours)


class _LabelScores:
    """:func:`cluster_auc` and :func:`neighbour_purity` of many S against one set of labels.

    What depends on the labels alone is computed once: the flat positions
    ``i·p + j`` of the same-label and the different-label pairs i < j (in the
    row-major order of ``numpy.triu_indices``) and the p × p same-label mask.
    The methods take a valid S (finite, p × p) and a valid `n` (no checks).
    """

    def __init__(self, labels, *, pairs: bool = True):
        self.same_label = labels[None, :] == labels[:, None]
        if pairs:
            iu, ju = np.triu_indices(labels.size, k=1)
            flat = iu * labels.size + ju
            same = self.same_label[iu, ju]
            self.same_pairs, self.diff_pairs = flat[same], flat[~same]

    def auc(self, S) -> float:
        """:func:`cluster_auc`: the upper-triangle entries gathered by pair class."""
        n_pos, n_neg = self.same_pairs.size, self.diff_pairs.size
        if n_pos == 0 or n_neg == 0:
            raise InvalidValue("labels must give both same-label and different-label pairs")
        mine, negatives = np.take(S, self.same_pairs), np.take(S, self.diff_pairs)
        if np.isnan(mine).any() or np.isnan(negatives).any():  # as in rank_auc
            return np.nan
        return _u_statistic(mine, negatives) / (n_pos * n_neg)

    def purity(self, S, n: int) -> float:
        """:func:`neighbour_purity` with `n` neighbours."""
        same = _nearest_mask(S, n) & self.same_label
        return float(np.count_nonzero(same) / (len(S) * n))


def _nearest_mask(S, n: int) -> np.ndarray:
    """Boolean (p, p): row i marks item i's `n` most similar other items.

    The same items as the first `n` of
    :func:`cossim.linalg.similarity.top_n_from_similarity` (decreasing
    similarity, the item itself excluded, ties broken by the smaller index),
    found with a linear-time partition instead of a sort of every row: all
    items strictly more similar than the row's n-th largest value, then, of
    the items equal to it, the ones of smallest index.
    """
    p = len(S)
    d = np.arange(p)
    kth = _nth_largest_other(S, n)[:, None]  # finite: n <= p − 1 entries are not the item's
    above = S > kth
    tie = S == kth
    above[d, d] = tie[d, d] = False  # the item itself (−inf above: never > or == kth)
    room = n - np.count_nonzero(above, axis=1)
    nearest = above | tie
    # only rows with more ties than room need the first `room` ties by index
    crowded = np.flatnonzero(np.count_nonzero(tie, axis=1) > room)
    if crowded.size:
        ties = tie[crowded]
        nearest[crowded] = above[crowded] | (ties & (np.cumsum(ties, axis=1) <= room[crowded, None]))
    return nearest


def _nth_largest_other(S, n: int) -> np.ndarray:
    """Each row's n-th largest entry off the diagonal (finite S, 1 <= n <= p − 1).

    A row in which at least n entries equal its largest is done: its n-th
    largest is that maximum (e.g. every row of a 0/1 matrix with large groups,
    where a partition of the many ties is slow). The other rows are
    partitioned (linear time) in place in a copy.
    """
    p = len(S)
    work = S.copy()
    work[np.arange(p), np.arange(p)] = -np.inf  # exclude the item itself
    top = work.max(axis=1)
    rows = np.flatnonzero(np.count_nonzero(work == top[:, None], axis=1) < n)
    if rows.size == 0:
        return top
    if rows.size < p:
        work = work[rows]
    work.partition(p - n, axis=1)  # (in place, along each row)
    top[rows] = work[:, p - n]
    return top


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
