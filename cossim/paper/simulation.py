"""Simulated user–item data with known item clusters (paper, Section 4).

The generator follows the paper's description: items fall into C clusters;
each cluster has a popularity exponent β_c ~ Unif(0.25, 1.5); each item gets
a baseline popularity p_i from a power law with exponent β_c; each user has
preferences p_uc over clusters; user u consumes k_u items, drawn without
replacement with probabilities ``p_ui ∝ p_{u,c_i} p_i``, where k_u follows a
power law with exponent β_user = 0.5.

The paper leaves several choices open (the cluster probabilities p_c, the
exact power-law samplers, the distribution of p_uc, bounds on k_u); each one
is a named parameter here with a documented default, and the record
:class:`SimulationSettings` holds them together. The samplers themselves
(power laws, Gumbel-top-k) are in :mod:`cossim.paper.sampling`.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .._validation import InvalidType, InvalidValue
from .sampling import (
    POPULARITY_SAMPLERS,
    _check_positive_float,  # one copy of the scalar check for both modules
    _gumbel_columns,
    _GumbelWork,
    sample_power_law,
    sample_without_replacement,
)

__all__ = [
    "SimulatedData",
    "SimulationSettings",
    "simulate",
    "simulate_with",
    "sample_power_law",
    "sample_without_replacement",
    "POPULARITY_SAMPLERS",
]


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
        raise InvalidType(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise InvalidValue(f"{name} must be >= {minimum}, got {value}")
    return int(value)


@dataclass(frozen=True)
class SimulationSettings:
    """The choices of the simulation that the paper leaves open (§4), with their defaults.

    One record, so that the defaults are written once: :func:`simulate`'s
    keyword arguments default to these values, and ``figure1.json`` records
    the settings of a run from this record (``parameters.simulation``).

    Attributes
    ----------
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
        ``"power"`` (default): ``k_u = lo + floor(x · N)``, N = hi − lo + 1, x on
        (0, 1] with density ``β x^{β−1}``. Its exact law is
        ``P(k_u = lo + j) = ((j + 1)/N)^β − (j/N)^β``
        (:func:`cossim.paper.sampling.power_count_law`): a tail like
        ``k^{β−1}``, but *not* the discrete law ``P(k) ∝ k^{−1/2}`` for β = ½,
        which has about half the mass at k = lo (total-variation distance
        0.019 for lo = 1, hi = 1000).
        ``"pareto"``: ``k_u = floor(lo · x)`` with ``P(x > t) = t^{−β}``,
        capped at hi.
        ``"zipf"``: ``k_u = ceil(hi · r^{−β})`` for a random rank r = 1..n.
    min_items_per_user : int
        Lower bound lo on k_u. *Not given in the paper.* Default 1.
    max_items_per_user : int, optional
        Upper bound hi on k_u. *Not given in the paper.* Default ``None``,
        meaning ``n_items``: a user can at most consume the whole catalogue,
        so no scale is invented (mean k_u ≈ p/3 with the default sampler).
    """

    cluster_probs: object = None
    exponent_range: tuple = (0.25, 1.5)
    popularity_sampler: str = "power"
    preference_concentration: float = 1.0
    user_exponent: float = 0.5
    items_per_user_sampler: str = "power"
    min_items_per_user: int = 1
    max_items_per_user: int | None = None

    @classmethod
    def from_kwargs(cls, **kwargs) -> SimulationSettings:
        """The defaults updated by `kwargs`; an unknown name is an :class:`InvalidType`."""
        unknown = set(kwargs) - set(cls.names())
        if unknown:
            raise InvalidType(f"unknown simulation settings: {sorted(unknown)}")
        return cls(**kwargs)

    @classmethod
    def names(cls) -> tuple:
        """The names of the settings, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def as_dict(self) -> dict:
        """``{name: value}`` as given (defaults not resolved)."""
        return {name: getattr(self, name) for name in self.names()}

    def resolved(self, n_items: int, n_clusters: int) -> SimulationSettings:
        """Check every value and fill in the defaults that depend on p and C.

        Returns a record with ``cluster_probs`` a normalised float array,
        ``exponent_range`` two floats and ``max_items_per_user`` an integer.
        """
        lo = _check_positive_int(self.min_items_per_user, "min_items_per_user")
        hi = n_items if self.max_items_per_user is None else self.max_items_per_user
        hi = _check_positive_int(hi, "max_items_per_user")
        if not lo <= hi <= n_items:
            raise InvalidValue(
                "need min_items_per_user <= max_items_per_user <= n_items, got "
                f"{lo}, {hi}, {n_items}"
            )
        exponent_range = _check_exponent_range(self.exponent_range)
        alpha = _check_positive_float(self.preference_concentration, "preference_concentration")
        user_exponent = _check_positive_float(self.user_exponent, "user_exponent")
        for name in ("popularity_sampler", "items_per_user_sampler"):
            if getattr(self, name) not in POPULARITY_SAMPLERS:
                raise InvalidValue(f"{name} must be one of {POPULARITY_SAMPLERS}, "
                                   f"got {getattr(self, name)!r}")
        return dataclasses.replace(
            self, cluster_probs=_check_cluster_probs(self.cluster_probs, n_clusters),
            exponent_range=exponent_range, preference_concentration=alpha,
            user_exponent=user_exponent, min_items_per_user=lo, max_items_per_user=hi)


def _check_exponent_range(exponent_range) -> tuple:
    try:
        low, high = (float(v) for v in exponent_range)
    except (TypeError, ValueError):
        raise InvalidValue(f"exponent_range must be a pair (low, high), got {exponent_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        raise InvalidValue(f"exponent_range must satisfy 0 < low <= high, got {exponent_range}")
    return low, high


def _check_cluster_probs(cluster_probs, n_clusters: int) -> np.ndarray:
    if cluster_probs is None:
        return np.full(n_clusters, 1.0 / n_clusters)
    try:
        cluster_probs = np.asarray(cluster_probs, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidType(f"cluster_probs must be an array of numbers, got {cluster_probs!r}") from None
    if cluster_probs.shape != (n_clusters,):
        raise InvalidValue(
            f"cluster_probs must have length n_clusters={n_clusters}, got shape {cluster_probs.shape}"
        )
    if not np.all(np.isfinite(cluster_probs)) or np.any(cluster_probs < 0) \
            or cluster_probs.sum() <= 0:
        raise InvalidValue("cluster_probs must be finite, non-negative and not all zero")
    return cluster_probs / cluster_probs.sum()


def _counts_from_power_law(x, kind: str, low: int, high: int) -> np.ndarray:
    """Turn power-law draws x into item counts k_u in [low, high] (see :func:`simulate`)."""
    if kind == "power":  # x in (0, 1]: spread over low..high
        k = low + np.floor(x * (high - low + 1))
    elif kind == "pareto":  # x >= 1: P(k > t) = (t / low)^(-β), capped at high
        k = np.floor(low * x)
    else:  # "zipf": x = r^(-β) in (0, 1] by rank, the top-ranked user gets `high`
        k = np.ceil(high * x)
    return np.clip(k, low, high).astype(np.int64)


_DEFAULTS = SimulationSettings()

#: The paper's sizes (§4): n users, p items, C clusters; the defaults of :func:`simulate`.
PAPER_N_USERS, PAPER_N_ITEMS, PAPER_N_CLUSTERS = 20_000, 1_000, 5
#: Users per vectorised block of the interaction sampler: memory only, since the blocks
#: draw the same random stream in the same order, any block size gives the same data.
BLOCK_SIZE = 2048


def simulate(
    n_users: int = PAPER_N_USERS,
    n_items: int = PAPER_N_ITEMS,
    n_clusters: int = PAPER_N_CLUSTERS,
    *,
    seed: int = 0,
    cluster_probs=_DEFAULTS.cluster_probs,
    exponent_range=_DEFAULTS.exponent_range,
    popularity_sampler: str = _DEFAULTS.popularity_sampler,
    preference_concentration: float = _DEFAULTS.preference_concentration,
    user_exponent: float = _DEFAULTS.user_exponent,
    items_per_user_sampler: str = _DEFAULTS.items_per_user_sampler,
    min_items_per_user: int = _DEFAULTS.min_items_per_user,
    max_items_per_user: int | None = _DEFAULTS.max_items_per_user,
    block_size: int = BLOCK_SIZE,
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
    cluster_probs, exponent_range, popularity_sampler, preference_concentration, \
    user_exponent, items_per_user_sampler, min_items_per_user, max_items_per_user
        The choices the paper leaves open; their meaning, the readings on
        offer and the defaults are documented once, in :class:`SimulationSettings`.
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
    settings = SimulationSettings(
        cluster_probs=cluster_probs, exponent_range=exponent_range,
        popularity_sampler=popularity_sampler, preference_concentration=preference_concentration,
        user_exponent=user_exponent, items_per_user_sampler=items_per_user_sampler,
        min_items_per_user=min_items_per_user, max_items_per_user=max_items_per_user)
    return simulate_with(settings, n_users, n_items, n_clusters, seed=seed, block_size=block_size)


def simulate_with(settings: SimulationSettings, n_users: int = PAPER_N_USERS, n_items: int = PAPER_N_ITEMS,
                  n_clusters: int = PAPER_N_CLUSTERS, *, seed: int = 0,
                  block_size: int = BLOCK_SIZE) -> SimulatedData:
    """:func:`simulate` with its open choices given as one :class:`SimulationSettings`.

    The random draws, in this order (one ``numpy.random.Generator``): the
    items' clusters and popularity (:func:`_draw_items`), the users'
    preferences and activity k_u (:func:`_draw_users`), then the interactions
    (:func:`_draw_interactions`).
    """
    n_users, n_items, n_clusters, seed = _check_sizes(n_users, n_items, n_clusters, seed)
    s = settings.resolved(n_items, n_clusters)
    block_size = _check_positive_int(block_size, "block_size")
    rng = np.random.default_rng(seed)
    clusters, exponents, popularity = _draw_items(rng, n_items, n_clusters, s)
    prefs, counts = _draw_users(rng, n_users, n_clusters, s)
    X = _draw_interactions(rng, clusters, popularity, prefs, counts, block_size)
    return SimulatedData(X, clusters.astype(np.int64), popularity, exponents, prefs, counts)


def _check_sizes(n_users, n_items, n_clusters, seed) -> tuple:
    n_users = _check_positive_int(n_users, "n_users")
    n_items = _check_positive_int(n_items, "n_items", 2)
    n_clusters = _check_positive_int(n_clusters, "n_clusters")
    if n_clusters > n_items:
        raise InvalidValue(f"n_clusters must be <= n_items ({n_items}), got {n_clusters}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InvalidValue(f"seed must be a non-negative integer, got {seed!r}")
    return n_users, n_items, n_clusters, int(seed)


def _draw_items(rng, n_items, n_clusters, s: SimulationSettings) -> tuple:
    """Cluster c_i ~ p_c, exponent β_c ~ Unif(range), popularity p_i ~ PowerLaw(β_{c_i})."""
    clusters = rng.choice(n_clusters, size=n_items, p=s.cluster_probs)
    exponents = rng.uniform(*s.exponent_range, size=n_clusters)
    popularity = np.empty(n_items)
    for c in range(n_clusters):
        members = np.flatnonzero(clusters == c)
        if members.size:
            popularity[members] = sample_power_law(rng, exponents[c], members.size,
                                                   s.popularity_sampler)
    return clusters, exponents, popularity


def _draw_users(rng, n_users, n_clusters, s: SimulationSettings) -> tuple:
    """Preferences p_u· ~ Dirichlet(α) and activity k_u ~ PowerLaw(β_user) in [lo, hi]."""
    prefs = rng.dirichlet(np.full(n_clusters, s.preference_concentration), size=n_users)
    x = sample_power_law(rng, s.user_exponent, n_users, s.items_per_user_sampler)
    counts = _counts_from_power_law(x, s.items_per_user_sampler, s.min_items_per_user,
                                    s.max_items_per_user)
    return prefs, counts


def _draw_interactions(rng, clusters, popularity, prefs, counts, block_size) -> sp.csr_matrix:
    """k_u items per user without replacement, ``p_ui ∝ p_{u,c_i} p_i`` (Gumbel-top-k).

    Blocks of `block_size` users bound the memory. `counts` is lowered in
    place for users whose preferences leave fewer than k_u items possible.
    """
    n_clusters = prefs.shape[1]
    log_pop = np.log(popularity)
    with np.errstate(divide="ignore"):  # a zero preference means weight 0: log = -inf
        log_prefs = np.log(prefs)
    # items of positive popularity per cluster
    cluster_sizes = np.bincount(clusters[popularity > 0], minlength=n_clusters).astype(np.int64)
    blocks = []  # the drawn columns of each block of users
    rows = min(block_size, prefs.shape[0])
    work = _GumbelWork(rows, clusters.shape[0])  # every block's arrays, reused
    logw_buffer = np.empty((rows, clusters.shape[0]))
    for start in range(0, prefs.shape[0], block_size):
        stop = min(start + block_size, prefs.shape[0])
        # log_prefs[start:stop][:, clusters], gathered by take (indices valid: "clip" skips
        # the bounds checks)
        logw = np.take(log_prefs[start:stop], clusters, axis=1, out=logw_buffer[:stop - start],
                       mode="clip")
        logw += log_pop[None, :]
        # items with positive weight: those of clusters with positive preference
        available = (prefs[start:stop] > 0) @ cluster_sizes  # (bool @ int: an int count)
        counts[start:stop] = np.minimum(counts[start:stop], available)
        blocks.append(_gumbel_columns(rng, logw, counts[start:stop], work))
    # one CSR matrix of all blocks (no per-block matrices to stack)
    cols = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int32)
    indptr = np.concatenate([[0], np.cumsum(counts)])  # scipy picks int32 when it fits
    data = np.ones(cols.shape[0], dtype=np.float64)
    return sp.csr_matrix((data, cols, indptr), shape=(prefs.shape[0], clusters.shape[0]))
