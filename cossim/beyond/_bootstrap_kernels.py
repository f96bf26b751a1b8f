"""Fast kernels of the bootstrap over users (Chapter 7) that return the reference numbers bit for bit.

* Grid AUCs of many score vectors against one set of labels and strata:
  :func:`cossim.beyond.genre_yardsticks.grid_aucs` validates its labels and
  strata and counts them afresh for every score vector, while the bootstrap
  scores seven similarities on every resample against the same labels and
  strata. :func:`grid_plan` does that work once and :func:`planned_grid_aucs`
  returns the same numbers: every count, cumulative count and product in
  :func:`grid_aucs` is an integer (or half an integer) below 2⁵³, so its
  floating-point sums are exact and equal the integer sums computed here.
* Top-n lists that sort only each row's candidates (:func:`top_n_rows`).
* The Gram matrix of a resample from the distinct drawn users (:func:`resampled_gram`).
* The mean Jaccard of two neighbour lists, vectorised (:func:`mean_jaccard`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import InvalidValue, check_int
from .genre_yardsticks import DEFAULT_BINS, _check_scores, grid_aucs

__all__ = ["GridPlan", "grid_plan", "planned_grid_aucs", "top_n_rows", "top_n_by_partition",
           "resampled_gram", "mean_jaccard"]


class GridPlan(NamedTuple):
    """What :func:`grid_aucs` computes from the labels and strata alone (the same for every score vector).

    Built by :func:`grid_plan`; :func:`planned_grid_aucs` then scores many
    score vectors against the same labels without redoing this work. The
    pairs fall into classes (the distinct combinations of labels); one count
    per (class, stratum, cell) gives every label's positives and negatives.
    Holds scratch arrays: one plan serves one thread.
    """

    labels: list
    strata: np.ndarray
    offset: np.ndarray   # first cell of each pair's (class, stratum) in the flattened count grid
    classes: np.ndarray  # (n_labels, n_classes) bool: the class's pairs are positive for the label
    n_strata: int
    bins: int
    low: float
    high: float
    den: np.ndarray      # (n_labels, 2) denominators Σ_s n₊ₛ n₋ₛ; None if one is 0
    shift: np.ndarray    # Σ_s n₊ₛ (negatives of the strata before s), per label
    work: dict           # scratch arrays reused by every call


def grid_plan(labels, strata, m: int, *, bins: int = DEFAULT_BINS, low: float = -1.0,
              high: float = 1.0) -> GridPlan:
    """Validate the labels and strata of m pairs once and precompute what :func:`grid_aucs` needs of them."""
    bins = check_int(bins, "bins", 1)
    checked = [_check_scores(np.zeros(m), lab, strata) for lab in labels]
    strata = checked[0][2]
    n_strata = int(strata.max()) + 1 if strata.size else 1
    if len(labels) > 20:
        raise InvalidValue(f"grid_plan takes at most 20 labels, got {len(labels)}")
    positive = np.array([c[1] for c in checked]).reshape(len(labels), m)
    code = (positive.astype(np.int64) << np.arange(len(labels))[:, None]).sum(axis=0)
    present = np.flatnonzero(np.bincount(code, minlength=1))   # the classes: label combinations that occur
    cls = np.searchsorted(present, code)
    codes = (present[None, :] >> np.arange(len(labels))[:, None]) & 1 == 1
    den, shift = np.zeros((len(labels), 2)), np.zeros(len(labels), np.int64)
    for i, pos in enumerate(positive):
        P = np.bincount(strata[pos], minlength=n_strata)
        N = np.bincount(strata, minlength=n_strata) - P
        den[i] = float(P.sum() * N.sum()), float(P @ N)
        shift[i] = P @ (np.cumsum(N) - N)
    offset = (cls * n_strata + strata) * bins
    return GridPlan(list(positive), strata, offset, codes, n_strata, bins, low, high,
                    None if (den == 0).any() else den, shift, {})


def _cell_sums(P, N, mixed, shift, tmp):
    """``2 Σ P (below + N/2)`` and ``Σ_mixed P N`` of (stratum, cell) counts P, N, in integers.

    With ``C = cumsum(N)`` over the flattened grid, the negatives below a cell
    of stratum s are ``C − N −`` (negatives of the strata before s); the
    latter, summed against P, is `shift`. Integers: exact, so equal to
    :func:`grid_aucs`' floating-point sums (all below 2⁵³).
    """
    P, N, tmp = P.reshape(-1), N.reshape(-1), tmp.reshape(-1)
    twice = 2 * int(P @ np.cumsum(N, out=tmp)) - 2 * int(shift)
    np.multiply(P, N, out=tmp)
    return twice - int(tmp.sum()), int(tmp.reshape(-1, mixed.size).sum(axis=0) @ mixed)


def _scratch(plan: GridPlan, name: str, shape, dtype):
    work = plan.work
    if name not in work or work[name].shape != shape:
        work[name] = np.empty(shape, dtype)
    return work[name]


def _add_classes(C, member, out):
    """Sum of the count grids of the classes in `member`, into `out` (no temporary copies)."""
    out.fill(0)
    for k in np.flatnonzero(member):
        np.add(out, C[k], out=out)


def _cells(scores, plan: GridPlan):
    """Grid cell of every score (as :func:`_grid_cells`, into scratch) and which cells hold two distinct scores."""
    bins, m = plan.bins, scores.size
    f = _scratch(plan, "f", (m,), np.float64)
    np.multiply(np.subtract(scores, plan.low, out=f), bins / (plan.high - plan.low), out=f)
    q = _scratch(plan, "q", (m,), np.int64)
    np.copyto(q, f, casting="unsafe")                # = astype(int64): the same cast
    np.clip(q, 0, bins - 1, out=q)
    rep = np.zeros(bins)
    rep[q] = scores                                  # one value per occupied cell
    differs = np.not_equal(scores, np.take(rep, q, out=f), out=_scratch(plan, "b", (m,), bool))
    marked = _scratch(plan, "i", (m,), np.int64)
    marked.fill(bins)
    np.copyto(marked, q, where=differs)
    return q, np.bincount(marked, minlength=bins + 1)[:bins] > 0


def planned_grid_aucs(scores, plan: GridPlan):
    """:func:`grid_aucs` of `scores` against the labels and strata of `plan`, bit for bit.

    Works on integer counts and one cumulative sum per label and grid; falls
    back to :func:`grid_aucs` (which raises) for non-finite scores or a zero
    denominator.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if plan.den is None or scores.shape != plan.strata.shape or not np.all(np.isfinite(scores)):
        return grid_aucs(scores, plan.labels, plan.strata, bins=plan.bins, low=plan.low, high=plan.high)
    q, mixed = _cells(scores, plan)
    idx = np.add(plan.offset, q, out=plan.work["i"])
    shape = (plan.n_strata, plan.bins)
    C = np.bincount(idx, minlength=plan.classes.shape[1] * shape[0] * shape[1]).reshape(-1, *shape)
    mixed = mixed.astype(np.int64)
    aucs, bound = np.empty((len(plan.labels), 2)), 0.0
    for i, member in enumerate(plan.classes):
        P, N = _scratch(plan, "P", shape, np.int64), _scratch(plan, "N", shape, np.int64)
        _add_classes(C, member, P)
        _add_classes(C, ~member, N)
        sums = (_cell_sums(P.sum(axis=0), N.sum(axis=0), mixed, 0, np.empty(shape[1], np.int64)),
                _cell_sums(P, N, mixed, plan.shift[i], _scratch(plan, "t", shape, np.int64)))
        for j, (twice, at_mixed) in enumerate(sums):
            den = float(plan.den[i, j])
            aucs[i, j] = (twice / 2) / den
            bound = max(bound, float(at_mixed) / (2 * den))
    return aucs, bound


def top_n_by_partition(T, n: int) -> np.ndarray:
    """Top-n lists of T (diagonal already −inf) by a partial sort of each row: the reference rule."""
    part = np.argpartition(-T, n - 1, axis=1)[:, :n]
    vals = np.take_along_axis(T, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, order, axis=1)


def top_n_rows(T, n: int) -> np.ndarray:
    """:func:`~cossim.beyond.movielens_bootstrap.top_n` of T (diagonal already −inf), sorting only candidates.

    The n-th largest of the maxima of ≥ 8n column chunks is at most the row's
    n-th largest entry, so only entries above it are sorted (by decreasing
    value, then column, as the partial sort orders its n). When the n-th and
    (n+1)-th largest tie, which of them the partial sort keeps is its own
    choice, so those rows (and rows with over 16n candidates, and T with NaN)
    take the partial sort itself.
    """
    p = T.shape[0]
    chunk = max(p // (8 * n), 1)
    chunk_max = np.maximum.reduceat(T, np.arange(0, p, chunk), axis=1)
    if chunk < 2 or np.isnan(chunk_max).any():          # NaN propagates into its chunk's maximum
        return top_n_by_partition(T, n)
    m = chunk_max.shape[1]
    rows, cols = np.nonzero(T >= np.partition(chunk_max, m - n, axis=1)[:, m - n, None])
    counts = np.bincount(rows, minlength=p)            # >= n per row; nonzero lists columns in order
    slot = np.arange(rows.size) - (np.cumsum(counts) - counts)[rows]
    width = min(int(counts.max()), 16 * n)
    keep = slot < width
    rows, cols, slot = rows[keep], cols[keep], slot[keep]
    cand, vals = np.zeros((p, width), np.int64), np.full((p, width), -np.inf)
    cand[rows, slot], vals[rows, slot] = cols, T[rows, cols]
    order = np.argsort(-vals, axis=1, kind="stable")[:, :n + 1]   # stable: ties by column
    vals = np.take_along_axis(vals, order, axis=1)
    out = np.take_along_axis(cand, order[:, :n], axis=1)
    redo = (counts > width) | ((counts > n) & (vals[:, -1] == vals[:, n - 1]))
    if redo.any():
        out[redo] = top_n_by_partition(T[redo], n)
    return out


def mean_jaccard(N1, N2) -> float:
    """Mean of :func:`cossim.beyond.movielens.neighbour_jaccard` for lists without repeats (vectorised)."""
    inter = (N1[:, :, None] == N2[:, None, :]).sum(axis=(1, 2))
    return float((inter / (N1.shape[1] + N2.shape[1] - inter)).mean())


def resampled_gram(X32, draws) -> np.ndarray:
    """``X[draws]ᵀ X[draws]`` of binary X (given as float32, n < 2²⁴) as ``Σ_u c_u x_u x_uᵀ``.

    c_u is how often user u was drawn. Every product and partial sum is an
    integer ≤ n < 2²⁴, exact in float32 in any order, so this equals
    ``gram_matrix(X[draws])`` (also exact) bit for bit, from the distinct users only.
    """
    c = np.bincount(draws, minlength=X32.shape[0])
    users = np.flatnonzero(c)
    A = X32[users]
    return (A.T @ (A * c[users, None].astype(np.float32))).astype(np.float64)
