"""Simulated user–item data with known item clusters (paper, Section 4).

The generator follows the paper's description: items fall into C clusters;
each cluster has a popularity exponent β_c ~ Unif(0.25, 1.5); each item gets
a baseline popularity p_i from a power law with exponent β_c; each user has
preferences p_uc over clusters; user u consumes k_u items, drawn without
replacement with probabilities ``p_ui ∝ p_{u,c_i} p_i``, where k_u follows a
power law with exponent β_user = 0.5.

The paper leaves several choices open (the cluster probabilities p_c, the
exact power-law samplers, the distribution of p_uc, bounds on k_u); each one
is a named parameter here with a documented default.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = [
    "SimulatedData",
    "simulate",
    "sample_power_law",
    "sample_without_replacement",
    "POPULARITY_SAMPLERS",
]

#: The readings of "PowerLaw(β)" that :func:`sample_power_law` offers.
POPULARITY_SAMPLERS = ("power", "pareto", "zipf")


class SimulatedData(NamedTuple):
    """Output of :func:`simulate`.

    Attributes
    ----------
    X : scipy.sparse.csr_matrix, shape (n_users, n_items)
        Binary interactions (1.0 where user u consumed item i).
    clusters : ndarray of int, shape (n_items,)
        True cluster of each item, in ``0 .. n_clusters-1``.
    popularity : ndarray, shape (n_items,)
        Baseline popularity p_i of each item.
    cluster_exponents : ndarray, shape (n_clusters,)
        β_c of each cluster.
    user_preferences : ndarray, shape (n_users, n_clusters)
        p_uc, each row sums to 1.
    items_per_user : ndarray of int, shape (n_users,)
        k_u.
    """

    X: sp.csr_matrix
    clusters: np.ndarray
    popularity: np.ndarray
    cluster_exponents: np.ndarray
    user_preferences: np.ndarray
    items_per_user: np.ndarray


def _check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_positive_float(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and positive, got {value}")
    return value


def sample_power_law(rng, exponent: float, size: int, kind: str = "power") -> np.ndarray:
    """Draw `size` positive values from a power law with the given exponent.

    Parameters
    ----------
    rng : numpy.random.Generator
    exponent : float
        β > 0.
    size : int
    kind : {"power", "pareto", "zipf"}
        ``"power"``: density ``β x^{β−1}`` on (0, 1] (NumPy's and SciPy's
        "power"/"powerlaw" distribution); for β < 1 most mass sits near 0 and a
        few values are large relative to the rest.
        ``"pareto"``: ``P(x > t) = t^{−β}`` for t ≥ 1 (a heavy right tail).
        ``"zipf"``: ``x = r^{−β}`` for a random ranking r = 1..size (Zipf's law
        by rank).

    Returns
    -------
    ndarray, shape (size,)
        Strictly positive values.
    """
    exponent = _check_positive_float(exponent, "exponent")
    if kind == "power":
        # inverse CDF of β x^{β-1}; 1 - U lies in (0, 1] so the value is > 0
        return (1.0 - rng.random(size)) ** (1.0 / exponent)
    if kind == "pareto":
        return (1.0 - rng.random(size)) ** (-1.0 / exponent)
    if kind == "zipf":
        ranks = rng.permutation(size) + 1.0
        return ranks ** (-exponent)
    raise ValueError(f"kind must be one of {POPULARITY_SAMPLERS}, got {kind!r}")


def sample_without_replacement(rng, log_weights, counts) -> sp.csr_matrix:
    """Weighted sampling without replacement for many rows at once.

    Row r draws ``counts[r]`` distinct columns, sequentially, each time with
    probability proportional to ``exp(log_weights[r, j])`` among the columns
    not yet drawn. Uses the Gumbel-top-k trick: the ``counts[r]`` largest of
    ``log_weights[r] + G`` with independent standard Gumbel noise G are a
    sample from exactly that sequential scheme. The noise is generated as
    ``G = -log E`` with ``E ~ Exp(1)`` (NumPy's fast ziggurat sampler). The
    ``counts[r]`` largest keys of a row are those at or above the row's
    ``counts[r]``-th largest key; that threshold comes from one vectorised
    sort of the block's keys (NumPy has no per-row k for ``np.partition``,
    and a per-row ``np.partition`` loop measured slower at paper scale), and
    the drawn columns are read off the flat mask with one ``flatnonzero``
    (no 2-D ``nonzero``, no ``argsort``).

    Parameters
    ----------
    rng : numpy.random.Generator
    log_weights : ndarray, shape (m, p)
        Log of the (unnormalised) weights; ``-inf`` marks weight 0.
    counts : ndarray of int, shape (m,)
        Items to draw per row; each must not exceed the row's number of
        positive weights.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (m, p)
        1.0 at the drawn positions (column indices sorted).
    """
    log_weights = np.asarray(log_weights, dtype=np.float64)
    if log_weights.ndim != 2:
        raise ValueError(f"log_weights must be 2-D, got shape {log_weights.shape}")
    if np.any(np.isnan(log_weights)) or np.any(log_weights == np.inf):
        raise ValueError("log_weights must not contain NaN or +inf")
    counts = np.asarray(counts)
    m, p = log_weights.shape
    if counts.shape != (m,):
        raise ValueError(f"counts must have shape ({m},), got {counts.shape}")
    if not np.issubdtype(counts.dtype, np.integer):
        raise TypeError(f"counts must hold integers, got dtype {counts.dtype}")
    counts = counts.astype(np.int64)
    positive = np.isfinite(log_weights).sum(axis=1)
    if np.any(counts < 0) or np.any(counts > positive):
        raise ValueError("counts must be between 0 and the number of positive weights per row")
    return _gumbel_top_k(rng, log_weights, counts)


def _gumbel_top_k(rng, log_weights, counts) -> sp.csr_matrix:
    """Body of :func:`sample_without_replacement` for checked input.

    ``log_weights`` (float64, shape (m, p)) is only read; ``counts`` is an
    int64 array of valid counts.
    """
    m, p = log_weights.shape
    # Gumbel keys log w - log E, built in place in the noise buffer;
    # E is floored so that log never sees an exact 0
    keys = rng.standard_exponential(size=(m, p))
    np.maximum(keys, np.finfo(np.float64).tiny, out=keys)
    np.log(keys, out=keys)
    np.subtract(log_weights, keys, out=keys)
    # per-row threshold: the counts[r]-th largest key (rows with count 0 take nothing)
    ordered = np.sort(keys, axis=1)
    rows = np.arange(m)
    threshold = np.full(m, np.inf)
    some = counts > 0
    threshold[some] = ordered[rows[some], p - counts[some]]
    del ordered
    mask = keys >= threshold[:, None]
    drawn = mask.sum(axis=1)
    bad = np.flatnonzero(drawn != counts)
    for r in bad:  # exact ties of keys (probability 0): fall back to a sort of that row
        mask[r] = False
        mask[r, np.argsort(-keys[r], kind="stable")[: counts[r]]] = True
    # flat positions are row-major: rows in order, columns sorted within a row
    cols = np.flatnonzero(mask.ravel())
    cols -= np.repeat(rows * p, counts)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    data = np.ones(cols.shape[0], dtype=np.float64)
    return sp.csr_matrix((data, cols.astype(np.int32), indptr), shape=(m, p))


def _counts_from_power_law(x, kind: str, low: int, high: int) -> np.ndarray:
    """Turn power-law draws x into item counts k_u in [low, high] (see :func:`simulate`)."""
    if kind == "power":  # x in (0, 1]: spread over low..high
        k = low + np.floor(x * (high - low + 1))
    elif kind == "pareto":  # x >= 1: P(k > t) = (t / low)^(-β), capped at high
        k = np.floor(low * x)
    else:  # "zipf": x = r^(-β) in (0, 1] by rank, the top-ranked user gets `high`
        k = np.ceil(high * x)
    return np.clip(k, low, high).astype(np.int64)


def simulate(
    n_users: int = 20_000,
    n_items: int = 1_000,
    n_clusters: int = 5,
    *,
    seed: int = 0,
    cluster_probs=None,
    exponent_range=(0.25, 1.5),
    popularity_sampler: str = "power",
    preference_concentration: float = 1.0,
    user_exponent: float = 0.5,
    items_per_user_sampler: str = "power",
    min_items_per_user: int = 1,
    max_items_per_user: int | None = None,
    block_size: int = 2048,
) -> SimulatedData:
    """Simulate the clustered user–item data of the paper's Section 4.

    Steps (paper §4): items get clusters with probabilities p_c; cluster c
    gets an exponent ``β_c ~ Unif(exponent_range)``; item i gets a baseline
    popularity ``p_i ~ PowerLaw(β_{c_i})``; user u gets cluster preferences
    ``p_u· ~ Dirichlet(α)``; user u consumes ``k_u`` items drawn without
    replacement with probabilities ``p_ui = p_{u,c_i} p_i / Σ_j p_{u,c_j} p_j``
    (Gumbel-top-k, :func:`sample_without_replacement`), where
    ``k_u ~ PowerLaw(β_user)``.

    Parameters
    ----------
    n_users, n_items, n_clusters : int
        n, p and C. Paper: 20,000, 1,000 and 5.
    seed : int
        Seed of the ``numpy.random.Generator``; the same seed gives the same
        data.
    cluster_probs : array_like of shape (n_clusters,), optional
        p_c, the probability that an item belongs to cluster c (normalised to
        sum 1). *Not given in the paper.* Default: uniform, 1/C each.
    exponent_range : (float, float)
        β_c ~ Unif(low, high). Paper: (0.25, 1.5).
    popularity_sampler : {"power", "pareto", "zipf"}
        Reading of "p_i ~ PowerLaw(β_c)"; see :func:`sample_power_law`. *Not
        given in the paper.* Default ``"power"``: density ``β x^{β−1}`` on
        (0, 1], the distribution NumPy and SciPy call by that name, and the
        only one of the three that is a proper distribution for every β in
        the paper's range without an extra lower bound.
    preference_concentration : float
        p_u· ~ Dirichlet(α, …, α) with this α. *The paper says only "random".*
        Default 1: uniform over the probability simplex.
    user_exponent : float
        β_user of the law for k_u. Paper: 0.5.
    items_per_user_sampler : {"power", "pareto", "zipf"}
        Reading of "k_u ~ PowerLaw(β_user)", with ``x`` from
        :func:`sample_power_law` and ``lo, hi`` the bounds below:
        ``"power"`` (default): ``k_u = lo + floor(x · (hi − lo + 1))``, x on
        (0, 1] with density ``β x^{β−1}``; for β = 1/2 this is also the
        discrete law ``P(k) ∝ k^{−1/2}`` on lo..hi.
        ``"pareto"``: ``k_u = floor(lo · x)`` with ``P(x > t) = t^{−β}``,
        capped at hi.
        ``"zipf"``: ``k_u = ceil(hi · r^{−β})`` for a random rank r = 1..n.
    min_items_per_user : int
        Lower bound lo on k_u. *Not given in the paper.* Default 1.
    max_items_per_user : int, optional
        Upper bound hi on k_u. *Not given in the paper.* Default ``None``,
        meaning ``n_items``: a user can at most consume the whole catalogue,
        so no scale is invented (mean k_u ≈ p/3 with the default sampler).
    block_size : int
        Users sampled per vectorised block (memory ``O(block_size × n_items)``).

    Returns
    -------
    SimulatedData
        ``X`` is binary, users × items, CSR.

    Notes
    -----
    If a user's preferences put zero weight on clusters so that fewer than
    k_u items have positive probability, that user gets all of them (fewer
    than k_u); ``items_per_user`` holds the numbers actually drawn.
    """
    n_users = _check_positive_int(n_users, "n_users")
    n_items = _check_positive_int(n_items, "n_items", 2)
    n_clusters = _check_positive_int(n_clusters, "n_clusters")
    if n_clusters > n_items:
        raise ValueError(f"n_clusters must be <= n_items ({n_items}), got {n_clusters}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    min_items_per_user = _check_positive_int(min_items_per_user, "min_items_per_user")
    if max_items_per_user is None:
        max_items_per_user = n_items
    max_items_per_user = _check_positive_int(max_items_per_user, "max_items_per_user")
    if not min_items_per_user <= max_items_per_user <= n_items:
        raise ValueError(
            "need min_items_per_user <= max_items_per_user <= n_items, got "
            f"{min_items_per_user}, {max_items_per_user}, {n_items}"
        )
    try:
        low, high = (float(v) for v in exponent_range)
    except (TypeError, ValueError):
        raise ValueError(f"exponent_range must be a pair (low, high), got {exponent_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        raise ValueError(f"exponent_range must satisfy 0 < low <= high, got {exponent_range}")
    alpha = _check_positive_float(preference_concentration, "preference_concentration")
    user_exponent = _check_positive_float(user_exponent, "user_exponent")
    for name, kind in (("popularity_sampler", popularity_sampler),
                       ("items_per_user_sampler", items_per_user_sampler)):
        if kind not in POPULARITY_SAMPLERS:
            raise ValueError(f"{name} must be one of {POPULARITY_SAMPLERS}, got {kind!r}")
    if cluster_probs is None:
        cluster_probs = np.full(n_clusters, 1.0 / n_clusters)
    else:
        cluster_probs = np.asarray(cluster_probs, dtype=np.float64)
        if cluster_probs.shape != (n_clusters,):
            raise ValueError(
                f"cluster_probs must have length n_clusters={n_clusters}, got shape {cluster_probs.shape}"
            )
        if not np.all(np.isfinite(cluster_probs)) or np.any(cluster_probs < 0) \
                or cluster_probs.sum() <= 0:
            raise ValueError("cluster_probs must be finite, non-negative and not all zero")
        cluster_probs = cluster_probs / cluster_probs.sum()
    block_size = _check_positive_int(block_size, "block_size")

    rng = np.random.default_rng(seed)
    clusters = rng.choice(n_clusters, size=n_items, p=cluster_probs)
    exponents = rng.uniform(low, high, size=n_clusters)
    popularity = np.empty(n_items)
    for c in range(n_clusters):
        members = np.flatnonzero(clusters == c)
        if members.size:
            popularity[members] = sample_power_law(rng, exponents[c], members.size, popularity_sampler)
    prefs = rng.dirichlet(np.full(n_clusters, alpha), size=n_users)

    x = sample_power_law(rng, user_exponent, n_users, items_per_user_sampler)
    counts = _counts_from_power_law(x, items_per_user_sampler, min_items_per_user,
                                    max_items_per_user)

    log_pop = np.log(popularity)
    with np.errstate(divide="ignore"):  # a zero preference means weight 0: log = -inf
        log_prefs = np.log(prefs)
    # items of positive popularity per cluster
    cluster_sizes = np.bincount(clusters[popularity > 0], minlength=n_clusters).astype(np.int64)
    blocks = []
    for start in range(0, n_users, block_size):
        stop = min(start + block_size, n_users)
        logw = log_prefs[start:stop][:, clusters]
        logw += log_pop[None, :]
        # items with positive weight: those of clusters with positive preference
        available = (prefs[start:stop] > 0).astype(np.int64) @ cluster_sizes
        counts[start:stop] = np.minimum(counts[start:stop], available)
        blocks.append(_gumbel_top_k(rng, logw, counts[start:stop]))
    X = sp.vstack(blocks, format="csr")
    return SimulatedData(X, clusters.astype(np.int64), popularity, exponents, prefs, counts)
