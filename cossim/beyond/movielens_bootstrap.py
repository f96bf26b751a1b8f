"""Uncertainty of the MovieLens comparisons (Chapter 7): a paired bootstrap over users.

The users are the sampling unit (the movies and their genres are fixed), so
one bootstrap replicate draws n users with replacement, refits every
similarity choice on the resampled data with the same rank and λ, and
recomputes every score. All scores of one replicate come from the same
resample, so the replicate *differences* between two choices are paired.
A comparison is reported as the difference on the data ± z times the standard
deviation of the replicate differences (a normal interval; Efron & Tibshirani
1993, §13.2). Percentile intervals are not used: a resample repeats some users
and drops others, which makes its data noisier, so every refitted similarity
scores lower on a resample than on the data and the replicates are shifted
against the estimate (the shift is returned, and the chapter shows it).

The fits depend on the data only through the Gram matrix XᵀX (Eqs. (5)–(6)),
so every replicate forms one Gram matrix and two eigen-decompositions
(unweighted, and inverse-propensity weighted for remedy 3b); the raw
item–item cosine is read off the same Gram matrix. The AUCs of a replicate
are computed on a grid (:func:`cossim.beyond.genre_yardsticks.grid_aucs`),
whose error bound is returned with the replicates. What depends only on the
pairs and labels is prepared once per call, and the inner loops use the
kernels of :mod:`cossim.beyond._bootstrap_kernels`; the numbers are those of
the straightforward computation, bit for bit (tests compare them exactly).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import InvalidValue, as_factor, as_matrix, check_int, check_real
from ..linalg.similarity import cosine_similarity
from ..linalg.spectrum import Spectrum, orient_columns
from ..paper.models import eq1_factors, eq2_factors
from ..paper.optim import gram_matrix
from ._bootstrap_kernels import GridPlan, grid_plan, mean_jaccard, planned_grid_aucs, resampled_gram, top_n_rows
from .genre_yardsticks import DEFAULT_BINS, GenrePairs, positive_pairs

__all__ = [
    "CHOICES",
    "MEASURES",
    "UserBootstrap",
    "BootstrapInterval",
    "choices_from_gram",
    "top_n",
    "genre_statistics",
    "user_bootstrap",
    "bootstrap_interval",
    "relative_prediction_gap",
    "relative_residual",
    "recommendation_overlap",
]

IPS = "remedy 3b: IPS-weighted Eq. (1), γ = 0.5"
RAW = "raw item–item cosine of X"
#: The similarity choices every replicate refits (names as in :func:`cossim.beyond.movielens.similarity_choices`).
CHOICES = ("Eq. (1), γ = 0", "Eq. (1), γ = 0.5", "Eq. (1), γ = 1", "Eq. (1), D = dMat(σ)^−½", "Eq. (2)", IPS, RAW)
#: The four genre AUCs: label (any shared genre / genre-Jaccard ≥ t) × plain or count-matched.
MEASURES = ("AUC any", "AUC strict", "matched AUC any", "matched AUC strict")
#: The pairs of choices whose top-n neighbour lists are compared (mean per-item Jaccard).
STABILITY = (("Eq. (1), γ = 0", "Eq. (1), γ = 1"), ("Eq. (1), D = dMat(σ)^−½", "Eq. (2)"))


class UserBootstrap(NamedTuple):
    """Scores on the data and on `n_boot` resamples of its users.

    Attributes
    ----------
    names : list of tuple
        ``(measure, choice)`` of each column: a measure of :data:`MEASURES` and a
        choice of :data:`CHOICES`, or ``("top-n Jaccard", "a vs b")``.
    estimate : ndarray, shape (m,)
        The scores on the data.
    replicates : ndarray, shape (n_boot, m)
    bin_error : float
        Largest error bound of a grid AUC over all scores and replicates.
    seed : int
    """

    names: list
    estimate: np.ndarray
    replicates: np.ndarray
    bin_error: float
    seed: int


class BootstrapInterval(NamedTuple):
    """A score or paired difference on the data, with its bootstrap spread.

    Attributes
    ----------
    estimate : float
        The value on the data.
    low, high : float
        ``estimate ∓ z se`` with z the standard normal quantile of the level
        (the interval the chapter reports).
    se : float
        Standard deviation of the replicates (ddof = 1).
    shift : float
        Mean of the replicates minus the estimate (the bootstrap's estimate of bias).
    pct_low, pct_high : float
        The percentile interval, the quantiles of the replicates. When `shift`
        is not small against `se` it is not centred on the estimate and should
        not be read as an interval for it.
    """

    estimate: float
    low: float
    high: float
    se: float
    shift: float
    pct_low: float
    pct_high: float


def _binary(X):
    X = as_matrix(X, "X")
    values = X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X
    if not np.all((values == 0) | (values == 1)):
        raise InvalidValue("X must be binary (0/1 implicit feedback)")
    return X


def _top_eigen(G, k: int) -> Spectrum:
    """Top-k (σ, V) of ``G = XᵀX``: ARPACK (fixed start vector, so deterministic) when k < p/3, else LAPACK."""
    import scipy.linalg
    import scipy.sparse.linalg

    p = G.shape[0]
    k = check_int(k, "k", 1, p)
    if 3 * k < p:
        vals, vecs = scipy.sparse.linalg.eigsh(G, k=k, v0=np.ones(p))
    else:
        vals, vecs = scipy.linalg.eigh(G, subset_by_index=[p - k, p - 1])
    order = np.argsort(vals)[::-1]
    return Spectrum(np.sqrt(np.clip(vals[order], 0.0, None)), orient_columns(vecs[:, order]))


def top_n(S, n: int) -> np.ndarray:
    """Each row's n largest off-diagonal entries, in decreasing order (by partial sort).

    The same lists as :func:`cossim.beyond.movielens.neighbours_from_cosine`
    when no two scores of a row tie at the n-th place (ties may then resolve differently).
    """
    p = S.shape[0]
    n = check_int(n, "n_neighbours", 1, p - 1)
    T = np.array(S, dtype=np.float64)
    np.fill_diagonal(T, -np.inf)
    return top_n_rows(T, n)


def _item_factors(G, n_users: int, k: int, lam1, lam2):
    """Item factors B of the six fitted choices of :data:`CHOICES` (all but the raw cosine), and diag G."""
    n_users = check_int(n_users, "n_users", 1)
    spec = _top_eigen(G, k)
    out = {f"Eq. (1), γ = {g:g}": eq1_factors(spec, lam1, g).B for g in (0.0, 0.5, 1.0)}
    out["Eq. (1), D = dMat(σ)^−½"] = eq1_factors(spec, lam1, "inv_sqrt_sigma").B
    out["Eq. (2)"] = eq2_factors(spec, lam2).B
    counts = np.diag(G).copy()
    w = (np.maximum(counts, 1.0) / n_users) ** -0.5
    spec_w = _top_eigen(G * w[:, None] * w[None, :], k)
    lam_w = lam1 * (spec_w.sigma[0] / spec.sigma[0]) ** 2
    out[IPS] = eq1_factors(spec_w, lam_w, 0.5).B
    return out, counts


def choices_from_gram(G, n_users: int, k: int, lam1, lam2) -> dict:
    """Item–item cosines of every choice in :data:`CHOICES`, from ``G = XᵀX`` of binary X.

    The same matrices as :func:`cossim.beyond.movielens.similarity_choices`
    (whose IPS weights are ``(c_i / n)^{−½}`` with c_i = G_ii, the item's
    count for 0/1 data), plus the raw item–item cosine ``G_ij / √(G_ii G_jj)``.
    """
    factors, counts = _item_factors(G, n_users, k, lam1, lam2)
    out = {name: cosine_similarity(B) for name, B in factors.items()}
    norm = np.sqrt(counts)
    outer = np.outer(norm, norm)
    raw = np.divide(G, outer, out=np.zeros_like(G), where=outer > 0)
    out[RAW] = np.clip(raw, -1.0, 1.0, out=raw)
    return out


class _PairPlan(NamedTuple):
    """What the scores of every resample share: the pairs' places in a p × p matrix, labels, strata."""

    rows: np.ndarray
    cols: np.ndarray
    flat: np.ndarray     # rows * p + cols
    grid: GridPlan
    n_neighbours: int


def _pair_plan(pairs: GenrePairs, p: int, min_jaccard, n_neighbours: int, bins: int) -> _PairPlan:
    labels = [positive_pairs(pairs), positive_pairs(pairs, min_jaccard)]
    grid = grid_plan(labels, pairs.strata, np.size(pairs.rows), bins=bins)
    n = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    rows, cols = np.asarray(pairs.rows, np.int64), np.asarray(pairs.cols, np.int64)
    if rows.size and (min(rows.min(), cols.min()) < 0 or max(rows.max(), cols.max()) >= p):
        raise InvalidValue(f"pairs refer to items outside the {p} items of G")
    return _PairPlan(rows, cols, rows * p + cols, grid, n)


def _statistics(G, n_users: int, plan: _PairPlan, k: int, lam1, lam2):
    """:func:`genre_statistics` with the pairs' work done once (`plan`); the same numbers, bit for bit.

    One p × p cosine at a time; the raw cosine only at the pairs.
    """
    factors, counts = _item_factors(G, n_users, k, lam1, lam2)
    stable = {name for pair in STABILITY for name in pair}
    stats, bound, nb = {}, 0.0, {}
    for name in CHOICES:
        if name == RAW:
            norm = np.sqrt(counts)
            outer = norm[plan.rows] * norm[plan.cols]
            scores = np.divide(np.take(G, plan.flat), outer, out=np.zeros(outer.shape), where=outer > 0)
            np.clip(scores, -1.0, 1.0, out=scores)
        else:
            S = cosine_similarity(factors[name])
            scores = np.take(S, plan.flat)
            if name in stable:                    # S is not needed after: its diagonal is overwritten
                np.fill_diagonal(S, -np.inf)
                nb[name] = top_n_rows(S, plan.n_neighbours)
        aucs, b = planned_grid_aucs(scores, plan.grid)
        bound = max(bound, b)
        for (i, j), measure in zip([(0, 0), (1, 0), (0, 1), (1, 1)], MEASURES):
            stats[(measure, name)] = float(aucs[i, j])
    for a, b in STABILITY:
        stats[("top-n Jaccard", f"{a} vs {b}")] = mean_jaccard(nb[a], nb[b])
    return stats, bound


def genre_statistics(G, n_users: int, pairs: GenrePairs, k: int, lam1, lam2, *, min_jaccard=0.5,
                     n_neighbours: int = 10, bins: int = DEFAULT_BINS):
    """Every score of one data set (or one resample) given its Gram matrix.

    Returns
    -------
    stats : dict
        ``(measure, choice) → value`` for each of :data:`MEASURES` × :data:`CHOICES`
        (grid AUCs), and ``("top-n Jaccard", "a vs b") → mean per-item Jaccard``
        of the top-`n_neighbours` lists of each pair in :data:`STABILITY`.
    bound : float
        Largest error bound of the grid AUCs.
    """
    plan = _pair_plan(pairs, np.shape(G)[0], min_jaccard, n_neighbours, bins)
    return _statistics(G, n_users, plan, k, lam1, lam2)


def user_bootstrap(X, pairs: GenrePairs, k: int, lam1, lam2, *, n_boot: int = 200, seed: int = 0,
                   min_jaccard=0.5, n_neighbours: int = 10, bins: int = DEFAULT_BINS) -> UserBootstrap:
    """Paired bootstrap over the users (rows) of binary X: refit and rescore on each resample.

    Parameters
    ----------
    X : array_like or sparse, shape (n, p)
        Binary user × item data.
    pairs : GenrePairs
        Item pairs with their genre labels (:func:`cossim.beyond.genre_yardsticks.genre_pairs`).
    k, lam1, lam2 : rank, λ of Eq. (1), λ of Eq. (2) (kept fixed in every replicate).
    n_boot : int
        Number of resamples (≥ 1).
    seed : int
        Seed of the resampling (``numpy.random.default_rng``).
    min_jaccard, n_neighbours, bins :
        See :func:`genre_statistics`.

    Returns
    -------
    UserBootstrap
    """
    X = _binary(X)
    n_boot = check_int(n_boot, "n_boot", 1)
    seed = check_int(seed, "seed", 0)
    if pairs.counts.size != X.shape[1]:
        raise InvalidValue(f"pairs cover {pairs.counts.size} items but X has {X.shape[1]} columns")
    plan = _pair_plan(pairs, X.shape[1], min_jaccard, n_neighbours, bins)   # once for all resamples
    n = X.shape[0]
    stats, bound = _statistics(gram_matrix(X), n, plan, k, lam1, lam2)
    names = list(stats)
    rng = np.random.default_rng(seed)
    reps = np.empty((n_boot, len(names)))
    dense = n < 2**24 and n * X.shape[1] <= 2**25       # float32 copy of X: at most 128 MB
    X32 = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float32) if dense else None
    for b in range(n_boot):
        draws = rng.integers(0, n, n)
        Gb = resampled_gram(X32, draws) if dense else gram_matrix(X[draws])
        sb, bb = _statistics(Gb, n, plan, k, lam1, lam2)
        reps[b] = [sb[name] for name in names]
        bound = max(bound, bb)
    return UserBootstrap(names, np.array([stats[name] for name in names]), reps, bound, seed)


def bootstrap_interval(boot: UserBootstrap, a, b=None, *, level: float = 0.95) -> BootstrapInterval:
    """Interval of the score `a`, or of the paired difference `a` − `b`, from the replicates.

    The reported interval is ``estimate ± z se`` (z = Φ⁻¹((1 + level)/2), se the
    replicates' standard deviation). It is centred on the estimate on purpose:
    a resample holds repeated users, which makes its data noisier than the
    original, so every refitted similarity scores lower and the replicate
    distribution is shifted (``shift``); its percentiles (``pct_low``,
    ``pct_high``, also returned) then miss the estimate. The spread is what
    measures the sampling noise.

    Parameters
    ----------
    boot : UserBootstrap
    a, b : tuple
        ``(measure, choice)`` names in ``boot.names``; `b` optional.
    level : float in (0, 1)

    Returns
    -------
    BootstrapInterval
    """
    from scipy.stats import norm

    level = check_real(level, "level", 0.0, 1.0, low_open=True)
    if level >= 1.0:
        raise InvalidValue(f"level must be below 1, got {level}")
    if boot.replicates.shape[0] < 2:
        raise InvalidValue("an interval needs at least 2 bootstrap replicates")

    def column(name):
        if name not in boot.names:
            raise InvalidValue(f"{name!r} is not a bootstrap score")
        i = boot.names.index(name)
        return boot.estimate[i], boot.replicates[:, i]

    est, reps = column(a)
    if b is not None:
        est_b, reps_b = column(b)
        est, reps = est - est_b, reps - reps_b
    se = float(np.std(reps, ddof=1))
    z = float(norm.ppf((1 + level) / 2))
    pct_low, pct_high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return BootstrapInterval(float(est), float(est - z * se), float(est + z * se), se,
                             float(reps.mean() - est), float(pct_low), float(pct_high))


def _user_side(X, A):
    return np.asarray(X @ A)


def _factors(f, name: str, p: int):
    """Validate a pair (A, B) of p × k factors."""
    try:
        A, B = f
    except (TypeError, ValueError):
        raise InvalidValue(f"{name} must be a pair (A, B) of factors") from None
    A = as_factor(A, f"{name}.A", rows=p)
    return A, as_factor(B, f"{name}.B", rows=p, cols=A.shape[1])


def relative_prediction_gap(X, fa, fb) -> float:
    """``‖X A_a B_aᵀ − X A_b B_bᵀ‖_F / ‖X A_a B_aᵀ‖_F``: how far two models' predictions differ.

    Computed from the factors without forming an n × p matrix:
    ``‖P Qᵀ‖²_F = Σ (PᵀP) ∘ (QᵀQ)`` with ``P = [XA_a, −XA_b]``, ``Q = [B_a, B_b]``.
    The sum cancels, so the result is accurate to about √ε ≈ 1e-8 relative
    (not to ε): enough to tell models apart, not to check an identity.
    `fa`, `fb` are :class:`cossim.Factors` (or any pairs (A, B)).
    """
    X = as_matrix(X, "X")
    (Aa, Ba), (Ab, Bb) = _factors(fa, "fa", X.shape[1]), _factors(fb, "fb", X.shape[1])
    P = np.hstack([_user_side(X, Aa), -_user_side(X, Ab)])
    Q = np.vstack([np.asarray(Ba).T, np.asarray(Bb).T]).T
    Pa, Qa = _user_side(X, Aa), np.asarray(Ba)
    num = float(np.sum((P.T @ P) * (Q.T @ Q)))
    den = float(np.sum((Pa.T @ Pa) * (Qa.T @ Qa)))
    if den <= 0:
        raise InvalidValue("the first model predicts 0 everywhere")
    return float(np.sqrt(max(num, 0.0) / den))


def relative_residual(X, f) -> float:
    """``‖X − X A Bᵀ‖_F / ‖X‖_F``: how far a model's predictions are from the data."""
    X = as_matrix(X, "X")
    A, B = _factors(f, "f", X.shape[1])
    P, Q = _user_side(X, A), np.asarray(B)
    x2 = float(X.multiply(X).sum()) if hasattr(X, "multiply") else float(np.sum(X * X))
    cross = float(np.sum(P * _user_side(X, Q)))
    quad = float(np.sum((P.T @ P) * (Q.T @ Q)))
    return float(np.sqrt(max(x2 - 2 * cross + quad, 0.0) / x2))


def recommendation_overlap(X, fa, fb, n: int = 10) -> float:
    """Mean share of each user's top-n recommendations (unconsumed items) that two models have in common.

    Each model ranks a user's unconsumed items by its predictions ``(X A Bᵀ)_{ui}``;
    the result is the mean over users of ``|top-n_a ∩ top-n_b| / n`` (users with
    fewer than n unconsumed items are left out).
    """
    X = as_matrix(X, "X")
    Xd = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    n = check_int(n, "n", 1, X.shape[1])
    keep = (Xd == 0).sum(axis=1) >= n
    if not keep.any():
        raise InvalidValue(f"no user has {n} unconsumed items")
    tops = []
    for A, B in (_factors(fa, "fa", X.shape[1]), _factors(fb, "fb", X.shape[1])):
        P = (Xd[keep] @ np.asarray(A)) @ np.asarray(B).T
        P[Xd[keep] != 0] = -np.inf
        tops.append(np.argpartition(-P, n - 1, axis=1)[:, :n])
    common = [np.intersect1d(a, b).size for a, b in zip(*tops)]
    return float(np.mean(common) / n)
