"""Yardsticks and baselines for scoring item similarities against genres (Chapter 7).

A similarity S between movies is scored by how well it ranks pairs that
"agree in genre" above pairs that do not. Two facts about genres make the
plain pair-level AUC (:func:`cossim.genre_auc`) a weak yardstick:

* whether two movies share *any* genre depends strongly on how many genres
  each has: a similarity built from the two genre counts alone, with no
  ratings, beats every fitted model on MovieLens;
* a stricter label (genre-Jaccard ≥ t) is even more tied to the counts (a
  movie with one genre reaches Jaccard ≥ ½ only with a movie of at most two).

The **count-matched AUC** compares a positive and a negative pair only when
both pairs have the same two genre counts (the pairs are split into strata by
the unordered pair ``{c_i, c_j}``): it is the Mann–Whitney statistic summed
over strata, ``Σ_s U_s / Σ_s n₊ₛ n₋ₛ``. Any similarity that is a function of
the genre counts alone is constant within a stratum and scores exactly ½, as
does, in expectation, a random similarity. Strata with only one class
contribute nothing.

Exact scores (:func:`yardstick_auc`) use mid-ranks; :func:`binned_auc` is the
fast version for the bootstrap (scores on a grid of `bins` cells, ties within
a cell counted ½), returned with a bound on its difference from the exact one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import InvalidValue, as_matrix, check_int, check_real
from ..linalg.similarity import check_square, cosine_similarity
from .movielens import genre_matrix

__all__ = [
    "GenrePairs",
    "genre_pairs",
    "positive_pairs",
    "matched_auc",
    "exact_aucs",
    "yardstick_auc",
    "binned_auc",
    "grid_aucs",
    "count_similarity",
    "best_count_similarity",
    "random_similarity",
    "raw_item_cosine",
    "expected_genre_jaccard_at_k",
    "DEFAULT_BINS",
]

#: Grid cells of :func:`grid_aucs` on [-1, 1] (cell width 2 / 2¹⁴ ≈ 1.2e-4).
DEFAULT_BINS = 2**14


class GenrePairs(NamedTuple):
    """All item pairs i < j among items with at least one genre.

    Attributes
    ----------
    rows, cols : ndarray of int, shape (m,)
        The two items of each pair (``rows < cols``), indices into the full item list.
    jaccard : ndarray, shape (m,)
        Genre-Jaccard index ``|g_i ∩ g_j| / |g_i ∪ g_j|`` of each pair.
    strata : ndarray of int, shape (m,)
        Index of the pair's unordered genre counts ``{c_i, c_j}`` (the strata of
        :func:`matched_auc`).
    counts : ndarray of int, shape (p,)
        Number of genres of every item.
    """

    rows: np.ndarray
    cols: np.ndarray
    jaccard: np.ndarray
    strata: np.ndarray
    counts: np.ndarray


def genre_pairs(genres) -> GenrePairs:
    """Pairs of items, their genre-Jaccard and genre-count strata.

    Parameters
    ----------
    genres : array_like or sparse, shape (p, n_genres)
        Item × genre indicator (non-zero = the item has the genre).

    Returns
    -------
    GenrePairs
    """
    G = genre_matrix(genres)
    counts = G.sum(axis=1).astype(np.int64)
    has = np.flatnonzero(counts > 0)
    if has.size < 2:
        raise InvalidValue("genres must give at least two items with a genre")
    Gi = G[has].astype(np.float64)
    iu, ju = np.triu_indices(has.size, k=1)
    inter = (Gi @ Gi.T)[iu, ju]
    ci, cj = counts[has[iu]], counts[has[ju]]
    jac = inter / (ci + cj - inter)
    lo, hi = np.minimum(ci, cj), np.maximum(ci, cj)
    strata = np.unique(lo * (counts.max() + 1) + hi, return_inverse=True)[1]
    return GenrePairs(has[iu], has[ju], jac, strata.astype(np.int64), counts)


def positive_pairs(pairs: GenrePairs, min_jaccard=None) -> np.ndarray:
    """Which pairs count as positive: any shared genre (default) or genre-Jaccard ≥ `min_jaccard`."""
    if min_jaccard is None:
        return pairs.jaccard > 0
    t = check_real(min_jaccard, "min_jaccard", 0.0, 1.0, low_open=True)
    return pairs.jaccard >= t - 1e-12          # Jaccard ½ computed as 1/2 exactly, 2/4 too


def _check_scores(scores, positive, strata):
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    strata = np.zeros(scores.shape, np.int64) if strata is None else np.asarray(strata)
    if scores.ndim != 1 or positive.shape != scores.shape or strata.shape != scores.shape:
        raise InvalidValue(f"scores, positive and strata must be 1-D of one length, got shapes "
                           f"{scores.shape}, {positive.shape} and {strata.shape}")
    if not np.all(np.isfinite(scores)):
        raise InvalidValue("scores must be finite (no NaN or inf)")
    if not np.issubdtype(strata.dtype, np.integer) or (strata.size and strata.min() < 0):
        raise InvalidValue("strata must be non-negative integers")
    return scores, positive, strata


def _mid_ranks(sorted_values, groups=None):
    """Mid-ranks (1-based) of already sorted values, within runs of equal (group, value)."""
    m = sorted_values.size
    new = np.ones(m, dtype=bool)
    new[1:] = sorted_values[1:] != sorted_values[:-1]
    if groups is not None:
        new[1:] |= groups[1:] != groups[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], m)
    return ((starts + ends + 1) / 2.0)[np.cumsum(new) - 1]


def exact_aucs(scores, labels, strata=None):
    """Plain and stratum-matched AUCs (exact, mid-ranks) of one score vector for several labels.

    One sort of the scores serves every label and both columns. The
    stratum-matched AUC is ``Σ_s U_s / Σ_s n₊ₛ n₋ₛ`` (see the module docstring);
    without `strata` both columns hold the plain AUC.

    Returns
    -------
    ndarray, shape (len(labels), 2)
        Column 0 the plain AUC, column 1 the stratum-matched AUC.
    """
    checked = [_check_scores(scores, lab, strata) for lab in labels]
    scores, strata = checked[0][0], checked[0][2]
    order = np.argsort(scores, kind="stable")
    plain = _mid_ranks(scores[order])
    by_stratum = np.argsort(strata[order], kind="stable")     # stable: scores stay sorted within a stratum
    st = strata[order][by_stratum]
    first = np.searchsorted(st, st)                            # index of the stratum's first pair
    matched = _mid_ranks(scores[order][by_stratum], st) - first
    out = np.empty((len(labels), 2))
    for i, (_, positive, _) in enumerate(checked):
        pos = positive[order]
        for j, (ranks, groups, lab) in enumerate(((plain, np.zeros_like(st), pos), (matched, st, pos[by_stratum]))):
            n_pos = np.bincount(groups, weights=lab)
            n_all = np.bincount(groups).astype(np.float64)
            den = float((n_pos * (n_all - n_pos)).sum())
            if den == 0:
                raise InvalidValue("no stratum holds both positive and negative pairs")
            U = np.bincount(groups, weights=ranks * lab) - n_pos * (n_pos + 1) / 2
            out[i, j] = U.sum() / den
    return out


def matched_auc(scores, positive, strata=None) -> float:
    """AUC over positive–negative comparisons within the same stratum (exact, mid-ranks).

    ``Σ_s U_s / Σ_s n₊ₛ n₋ₛ`` with ``U_s`` the Mann–Whitney statistic of
    stratum s: the probability that a positive pair scores above a negative
    pair of the same stratum, ties counting ½. With one stratum (`strata`
    None) it is the ordinary AUC (:func:`cossim.paper.metrics.rank_auc`).

    Parameters
    ----------
    scores : array_like, shape (m,)
    positive : array_like of bool, shape (m,)
    strata : array_like of int, shape (m,), optional

    Returns
    -------
    float
    """
    return float(exact_aucs(scores, [positive], strata)[0, 1])


def yardstick_auc(S, pairs: GenrePairs, *, min_jaccard=None, count_matched: bool = False) -> float:
    """Exact genre AUC of a similarity matrix under one yardstick.

    Parameters
    ----------
    S : ndarray, shape (p, p)
    pairs : GenrePairs
        From :func:`genre_pairs` of the same p items.
    min_jaccard : float in (0, 1], optional
        Positive pairs have genre-Jaccard ≥ this; default: any shared genre
        (then the plain score equals :func:`cossim.genre_auc`).
    count_matched : bool
        Compare pairs only within the same genre counts (see the module docstring).
    """
    S = check_square(S)
    if S.shape[0] != pairs.counts.size:
        raise InvalidValue(f"S is {S.shape[0]} × {S.shape[0]} but pairs cover {pairs.counts.size} items")
    return matched_auc(S[pairs.rows, pairs.cols], positive_pairs(pairs, min_jaccard),
                       pairs.strata if count_matched else None)


def _grid_cells(scores, strata, bins, low, high):
    """Grid cell of every score, and which grid cells hold more than one distinct value."""
    q = np.clip(((scores - low) * (bins / (high - low))).astype(np.int64), 0, bins - 1)
    rep = np.zeros(bins)
    rep[q] = scores                      # one representative value per occupied cell
    spread = np.bincount(q, weights=np.abs(scores - rep[q]), minlength=bins)
    return strata * bins + q, spread > 0  # a sum of |s − rep| is 0 exactly when all equal rep


def grid_aucs(scores, labels, strata=None, *, bins: int = DEFAULT_BINS, low: float = -1.0, high: float = 1.0):
    """Plain and stratum-matched AUCs of one score vector for several labels, on a grid.

    Scores in [low, high] are put into `bins` equal cells; a positive and a
    negative in the same cell (and stratum) count ½, as exact ties do. The
    exact mid-rank AUC differs by at most ``½ Σ n₊ n₋ / Σ_s n₊ₛ n₋ₛ`` summed
    over the cells that hold two or more *distinct* scores (cells of exact ties
    are exact), which is returned as the bound.

    Parameters
    ----------
    scores : array_like, shape (m,)
    labels : sequence of bool arrays, shape (m,) each
    strata : array_like of int, shape (m,), optional
    bins : int
    low, high : float
        Range of the scores (cosines: [-1, 1]); scores outside go to the end cells.

    Returns
    -------
    aucs : ndarray, shape (len(labels), 2)
        Column 0 the plain AUC, column 1 the stratum-matched AUC.
    bound : float
        Largest error bound of the entries.
    """
    bins = check_int(bins, "bins", 1)
    n_labels = len(labels)
    checked = [_check_scores(scores, lab, strata) for lab in labels]
    scores, strata = checked[0][0], checked[0][2]
    n_strata = int(strata.max()) + 1 if strata.size else 1
    idx, mixed = _grid_cells(scores, strata, bins, low, high)
    total = np.bincount(idx, minlength=n_strata * bins).reshape(n_strata, bins)
    aucs, bound = np.empty((n_labels, 2)), 0.0
    for i, (_, positive, _) in enumerate(checked):
        pos = np.bincount(idx, weights=positive, minlength=n_strata * bins).reshape(n_strata, bins)
        for j, (P, N) in enumerate(((pos.sum(axis=0, keepdims=True), (total - pos).sum(axis=0, keepdims=True)),
                                    (pos, total - pos))):
            den = float((P.sum(axis=1) * N.sum(axis=1)).sum())
            if den == 0:
                raise InvalidValue("no stratum holds both positive and negative pairs")
            below = np.cumsum(N, axis=1) - N
            aucs[i, j] = (P * (below + N / 2)).sum() / den
            bound = max(bound, float((P * N)[:, mixed].sum()) / (2 * den))
    return aucs, bound


def binned_auc(scores, positive, strata=None, *, bins: int = DEFAULT_BINS, low: float = -1.0,
               high: float = 1.0):
    """Fast AUC of scores in [low, high] on a grid (count-matched if `strata`), with its error bound.

    See :func:`grid_aucs`, of which this is the one-label case.

    Returns
    -------
    auc, bound : float
    """
    aucs, bound = grid_aucs(scores, [positive], strata, bins=bins, low=low, high=high)
    return float(aucs[0, 0 if strata is None else 1]), bound


def count_similarity(genres) -> np.ndarray:
    """The ratings-free baseline ``S_ij = c_i c_j``: the product of the two movies' genre counts."""
    c = genre_matrix(genres).sum(axis=1).astype(np.float64)
    return np.multiply.outer(c, c)


def best_count_similarity(pairs: GenrePairs, values) -> np.ndarray:
    """The best similarity built from genre counts alone for a pair quantity `values`.

    ``S_ij`` = mean of `values` over all pairs with the same genre counts
    ``{c_i, c_j}`` as (i, j). For a 0/1 label this ranks the count strata by
    their share of positives, which maximises the plain AUC over all functions
    of the two counts; for the genre-Jaccard it is the count-only estimate of a
    pair's Jaccard. Its count-matched AUC is ½ by construction.

    Returns
    -------
    ndarray, shape (p, p)
        Symmetric; the diagonal and items without genre are 0.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != pairs.jaccard.shape:
        raise InvalidValue(f"values must have one entry per pair ({pairs.jaccard.size}), got {values.shape}")
    mean = np.bincount(pairs.strata, weights=values) / np.bincount(pairs.strata)
    p = pairs.counts.size
    S = np.zeros((p, p))
    S[pairs.rows, pairs.cols] = mean[pairs.strata]
    return S + S.T


def random_similarity(p: int, seed: int = 0) -> np.ndarray:
    """A symmetric p × p matrix of i.i.d. uniform scores (seeded): neighbours and pairs at random."""
    p = check_int(p, "p", 2)
    R = np.random.default_rng(check_int(seed, "seed", 0)).random((p, p))
    return np.triu(R, 1) + np.triu(R, 1).T


def raw_item_cosine(X) -> np.ndarray:
    """Item–item cosine of the raw data, ``cos(Xᵀ, Xᵀ)`` (columns of X as item vectors; no model)."""
    X = as_matrix(X, "X")
    XT = X.T.toarray() if hasattr(X, "toarray") else X.T
    return cosine_similarity(XT)


def expected_genre_jaccard_at_k(S, genres, n_neighbours: int = 10) -> float:
    """Mean genre-Jaccard of each item's top-n neighbours by S, ties broken at random (in expectation).

    Items whose score ties at the n-th place share the remaining places
    equally, so a similarity with many ties (e.g. :func:`count_similarity`) gets
    the expected value over random tie-breaking, not the value of an arbitrary
    index order. Without ties it equals :func:`cossim.genre_jaccard_at_k` of
    :func:`cossim.beyond.movielens.neighbours_from_cosine`.
    """
    S = check_square(S)
    G = genre_matrix(genres, S.shape[0]).astype(np.float64)
    p = S.shape[0]
    n = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    c = G.sum(axis=1)
    inter = G @ G.T
    union = c[:, None] + c[None, :] - inter
    J = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    T = np.array(S, dtype=np.float64)
    np.fill_diagonal(T, -np.inf)                              # an item is not its own neighbour
    t = np.partition(T, p - n, axis=1)[:, p - n][:, None]     # each row's n-th largest score
    above, at = T > t, T == t
    n_above = above.sum(axis=1)
    share = (n - n_above) / at.sum(axis=1)                    # the places left, shared by the ties
    return float(np.mean(((J * above).sum(axis=1) + share * (J * at).sum(axis=1)) / n))
