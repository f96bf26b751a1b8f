"""Tests of cossim.paper.simulation: the data of the paper's Section 4."""

import dataclasses
import hashlib
import inspect

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from cossim import simulate
from cossim._validation import InvalidType, InvalidValue
from cossim.paper.simulation import POPULARITY_SAMPLERS, SimulationSettings, simulate_with


def test_simulate_structure_small():
    data = simulate(500, 60, 4, seed=3)
    X = data.X
    assert sp.issparse(X) and X.shape == (500, 60)
    assert set(np.unique(X.data)) == {1.0}
    assert_array_equal(np.asarray(X.sum(axis=1)).ravel(), data.items_per_user)
    assert data.items_per_user.min() >= 1 and data.items_per_user.max() <= 60
    assert data.clusters.shape == (60,) and data.clusters.min() >= 0 and data.clusters.max() < 4
    assert np.all(data.popularity > 0) and np.all(data.popularity <= 1)  # "power" reading
    assert np.all((data.cluster_exponents >= 0.25) & (data.cluster_exponents <= 1.5))
    assert_allclose(data.user_preferences.sum(axis=1), 1.0, rtol=1e-12)


def test_simulate_is_seeded():
    a, b, c = simulate(300, 40, seed=7), simulate(300, 40, seed=7), simulate(300, 40, seed=8)
    assert (a.X != b.X).nnz == 0
    assert_array_equal(a.clusters, b.clusters)
    assert (a.X != c.X).nnz > 0


def test_simulate_paper_scale_defaults():
    """n = 20,000, p = 1,000, C = 5; k_u ≤ p with the 'power' law of exponent 1/2."""
    data = simulate(seed=0)
    assert data.X.shape == (20_000, 1_000)
    assert np.unique(data.clusters).size == 5
    k = data.items_per_user
    assert k.max() <= 1_000 and k.min() >= 1
    # k_u = 1 + floor(1000 x), x with density x^(-1/2)/2: its exact law, mean and sd
    from cossim import power_count_law

    law = power_count_law(0.5, 1, 1_000)
    support = np.arange(1, 1_001)
    mean = support @ law
    sd = np.sqrt((support - mean) ** 2 @ law)
    # the sample mean of 20,000 draws is within 4 standard errors (sd/√n ≈ 2.1); the
    # exponent 1 instead of ½ would move it by ~170
    assert abs(k.mean() - mean) <= 4 * sd / np.sqrt(k.size)


def test_preferences_steer_the_clusters():
    """Users draw more items from the clusters they prefer (p_ui ∝ p_uc p_i)."""
    data = simulate(3000, 100, 4, seed=2, max_items_per_user=20)
    onehot = np.eye(4)[data.clusters]
    share = np.asarray(data.X @ onehot) / data.items_per_user[:, None]
    corr = np.corrcoef(share.ravel(), data.user_preferences.ravel())[0, 1]
    # without preferences (p_ui ∝ p_i) the correlation is 0 up to ~1/√12,000 ≈ 0.01; the
    # threshold 0.5 is 50 of those and below the measured value (≈ 0.8)
    assert corr > 0.5


def test_popular_items_are_drawn_more():
    data = simulate(5000, 100, 1, seed=4, max_items_per_user=10)
    counts = np.asarray(data.X.sum(axis=0)).ravel()
    from scipy.stats import spearmanr

    # ignoring p_i would give ρ ≈ 0 ± 1/√99 ≈ 0.1; 0.9 is far above that
    assert spearmanr(counts, data.popularity).statistic > 0.9


@pytest.mark.parametrize("sampler", POPULARITY_SAMPLERS)
def test_items_per_user_readings(sampler):
    data = simulate(2000, 200, seed=5, items_per_user_sampler=sampler, min_items_per_user=2,
                    max_items_per_user=150)
    k = data.items_per_user
    assert k.min() >= 2 and k.max() <= 150
    assert k.std() > 0
    assert np.median(k) > 2  # not degenerate at the lower bound


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_users=0), ValueError, "n_users"),
    (dict(n_items=1), ValueError, "n_items"),
    (dict(n_users=2.5), TypeError, "n_users"),
    (dict(n_clusters=50, n_items=10), ValueError, "n_clusters"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(cluster_probs=[1, 2]), ValueError, "cluster_probs"),
    (dict(cluster_probs=[1, 2, np.nan, 1, 1]), ValueError, "cluster_probs"),
    (dict(exponent_range=(1.0, 0.5)), ValueError, "exponent_range"),
    (dict(popularity_sampler="gauss"), ValueError, "popularity_sampler"),
    (dict(items_per_user_sampler="gauss"), ValueError, "items_per_user_sampler"),
    (dict(preference_concentration=0), ValueError, "preference_concentration"),
    (dict(max_items_per_user=5000), ValueError, "max_items_per_user"),
    (dict(min_items_per_user=20, max_items_per_user=10), ValueError, "min_items_per_user"),
])
def test_simulate_bad_input(kwargs, error, match):
    base = dict(n_users=10, n_items=20)
    base.update(kwargs)
    with pytest.raises(error, match=match):
        simulate(**base)
    # the caller's mistake, marked as such (the command line answers it with exit status 2)
    with pytest.raises(InvalidType if error is TypeError else InvalidValue):
        simulate(**base)


# ---------------------------------------------------------------- the settings record


def _integer_digest(data) -> str:
    """SHA-256 of the integer parts of a simulation (X's pattern, clusters, k_u)."""
    digest = hashlib.sha256()
    for part in (data.X.indptr, data.X.indices, data.clusters, data.items_per_user):
        digest.update(np.ascontiguousarray(part, dtype=np.int64).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("kwargs, expected", [
    ({}, "9d44945121d4ee32e97ab70793717c62c9682f55e1c45e18132525e4ad401c2f"),
    (dict(popularity_sampler="zipf", items_per_user_sampler="pareto", cluster_probs=[1, 2, 3],
          block_size=64), "1131e9cd38490474477e5864f7a38703109069384eaf1c35c11696af05900fac"),
])
def test_simulate_draws_are_pinned(kwargs, expected):
    """The same draws in the same order as before the settings record (digests recorded then)."""
    assert _integer_digest(simulate(400, 50, 3, seed=11, **kwargs)) == expected


def test_simulate_defaults_are_the_record_defaults():
    """simulate's keyword defaults are read from SimulationSettings: written once."""
    params = inspect.signature(simulate).parameters
    for field in dataclasses.fields(SimulationSettings):
        assert params[field.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[field.name].default == field.default, field.name
    assert set(SimulationSettings.names()) == \
        {name for name, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY} - \
        {"seed", "block_size"}


def test_simulate_with_a_record_equals_simulate_with_keywords():
    kwargs = dict(popularity_sampler="pareto", preference_concentration=0.3,
                  max_items_per_user=12, cluster_probs=[2.0, 1.0])
    a = simulate(250, 30, 2, seed=5, **kwargs)
    b = simulate_with(SimulationSettings(**kwargs), 250, 30, 2, seed=5)
    for x, y in zip(a, b, strict=True):
        if sp.issparse(x):
            x, y = x.toarray(), y.toarray()
        assert_array_equal(x, y)


def test_settings_record_resolves_and_checks():
    settings = SimulationSettings(cluster_probs=[3, 1])
    resolved = settings.resolved(n_items=40, n_clusters=2)
    assert_allclose(resolved.cluster_probs, [0.75, 0.25])
    assert resolved.max_items_per_user == 40 and resolved.exponent_range == (0.25, 1.5)
    assert settings.max_items_per_user is None  # the record itself is unchanged
    assert_allclose(SimulationSettings().resolved(10, 4).cluster_probs, np.full(4, 0.25))
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.user_exponent = 2.0
    with pytest.raises(InvalidValue, match="user_exponent"):
        SimulationSettings(user_exponent=-1.0).resolved(10, 2)
    with pytest.raises(InvalidType, match="cluster_probs"):
        SimulationSettings(cluster_probs=["a", "b"]).resolved(10, 2)


def test_settings_from_kwargs_names_unknown_settings():
    assert SimulationSettings.from_kwargs(user_exponent=0.7).user_exponent == 0.7
    assert SimulationSettings.from_kwargs().as_dict() == SimulationSettings().as_dict()
    with pytest.raises(InvalidType, match="colour"):
        SimulationSettings.from_kwargs(colour="red")


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_counts_from_power_law_by_hand():
    """k = lo + ⌊x·N⌋ ("power"), ⌊lo·x⌋ ("pareto"), ⌈hi·x⌉ ("zipf"), each clipped to [lo, hi]."""
    from cossim.paper.simulation import _counts_from_power_law

    assert_array_equal(_counts_from_power_law(np.array([0.0, 0.5, 1.0]), "power", 2, 5), [2, 4, 5])
    assert_array_equal(_counts_from_power_law(np.array([1.0, 1.6, 10.0]), "pareto", 2, 5), [2, 3, 5])
    assert_array_equal(_counts_from_power_law(np.array([0.1, 0.5, 1.0]), "zipf", 5, 20), [5, 10, 20])
    assert _counts_from_power_law(np.array([0.5]), "power", 2, 5).dtype == np.int64


def _interactions(popularity, clusters, prefs, counts):
    from cossim.paper.simulation import _draw_interactions

    counts = np.array(counts, dtype=np.int64)
    X = _draw_interactions(np.random.default_rng(0), np.array(clusters), np.array(popularity),
                           np.array(prefs, dtype=float), counts, 1)
    return X, counts


def test_zero_preference_is_weight_zero_silently():
    """A user with no weight on cluster 1 gets only cluster 0's item, k_u lowered to 1, no warning;
    a cluster without items (the last one here) is allowed."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, counts = _interactions([0.5, 0.5], [0, 1], [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], [2, 2])
    assert isinstance(X, sp.csr_matrix)
    assert_array_equal(X.toarray(), [[1.0, 0.0], [1.0, 1.0]])
    assert_array_equal(counts, [1, 2])


def test_zero_popularity_item_is_never_drawn():
    with np.errstate(divide="ignore"):
        X, counts = _interactions([0.5, 0.0], [0, 0], [[1.0]], [2])
    assert_array_equal(X.toarray(), [[1.0, 0.0]])
    assert_array_equal(counts, [1])


def test_no_users_give_an_empty_matrix():
    X, counts = _interactions([0.5, 0.5, 1.0], [0, 1, 1], np.zeros((0, 2)), [])
    assert isinstance(X, sp.csr_matrix) and X.shape == (0, 3) and X.nnz == 0
    assert counts.shape == (0,)


def test_blocks_bound_the_memory_not_the_draws():
    """Blocks of 20 of 2,000 users: the same matrix as one block (one row-major noise stream),
    with a peak of traced memory below an eighth of one 2,000 × 400 float64 array (0.8 of 6.4 MB;
    measured: 0.36 MB with blocks of 20, 19 MB with one block)."""
    import tracemalloc

    from cossim.paper.simulation import _draw_interactions

    rng = np.random.default_rng(0)
    n, p = 2000, 400
    clusters, popularity = rng.integers(0, 3, p), rng.uniform(0.5, 1.0, p)
    prefs, counts = rng.dirichlet(np.ones(3), n), np.full(n, 5, dtype=np.int64)
    whole = _draw_interactions(np.random.default_rng(1), clusters, popularity, prefs, counts.copy(), n)
    tracemalloc.start()
    try:
        blocked = _draw_interactions(np.random.default_rng(1), clusters, popularity, prefs, counts.copy(), 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_array_equal(blocked.indptr, whole.indptr)
    assert_array_equal(blocked.indices, whole.indices)
    assert whole.nnz == 5 * n
    assert peak < n * p  # bytes


def test_exponent_range_boundaries():
    """low = high is allowed (every β_c equal); low = 0 is not (0 < low)."""
    data = simulate(30, 10, 2, exponent_range=(1.0, 1.0))
    assert_array_equal(data.cluster_exponents, [1.0, 1.0])
    with pytest.raises(InvalidValue, match="^exponent_range must satisfy 0 < low <= high, got \\(0.0, 1.0\\)$"):
        simulate(30, 10, 2, exponent_range=(0.0, 1.0))
    with pytest.raises(InvalidValue, match="^exponent_range must be a pair \\(low, high\\), got 1.0$"):
        simulate(30, 10, 2, exponent_range=1.0)


@pytest.mark.parametrize("probs, expected", [
    ([0.0, 0.2, 0.3], [0.0, 0.4, 0.6]),   # a zero entry is allowed; a sum below 1 is normalised
    ([2.0, 2.0, 4.0], [0.25, 0.25, 0.5]),
])
def test_cluster_probs_normalised(probs, expected):
    s = SimulationSettings(cluster_probs=probs).resolved(10, 3)
    assert_allclose(s.cluster_probs, expected, rtol=1e-15)


@pytest.mark.parametrize("probs", [[-0.5, 1.0, 1.0], [0.0, 0.0, 0.0], [np.nan, 1.0, 1.0]])
def test_cluster_probs_rejected(probs):
    with pytest.raises(InvalidValue, match="^cluster_probs must be finite, non-negative and not all zero$"):
        SimulationSettings(cluster_probs=probs).resolved(10, 3)


def test_items_per_user_bound_message():
    with pytest.raises(InvalidValue, match="^min_items_per_user must be >= 1, got 0$"):
        simulate(30, 10, 2, min_items_per_user=0)


def test_defaults_are_the_papers_scale():
    """n = 20,000 users, p = 1,000 items, C = 5 clusters (paper §4), seed 0, blocks of 2048 users."""
    for fn in (simulate, simulate_with):
        params = inspect.signature(fn).parameters
        assert {name: params[name].default for name in ("n_users", "n_items", "n_clusters", "seed", "block_size")} \
            == {"n_users": 20_000, "n_items": 1_000, "n_clusters": 5, "seed": 0, "block_size": 2048}


def test_simulate_passes_every_setting_on():
    settings = dict(cluster_probs=[1.0, 2.0], exponent_range=(0.5, 0.9), popularity_sampler="pareto",
                    preference_concentration=0.7, user_exponent=0.8, items_per_user_sampler="zipf",
                    min_items_per_user=2, max_items_per_user=6)
    a = simulate(40, 12, 2, seed=3, block_size=7, **settings)
    b = simulate_with(SimulationSettings(**settings), 40, 12, 2, seed=3, block_size=7)
    assert (a.X != b.X).nnz == 0
    for x, y in zip(a[1:], b[1:]):
        assert_array_equal(x, y)
    assert a.items_per_user.min() >= 2 and a.items_per_user.max() <= 6


def test_resolved_settings_are_normalised():
    s = SimulationSettings(exponent_range=[1, 2], preference_concentration=2, user_exponent=1,
                           min_items_per_user=np.int64(2)).resolved(10, 2)
    assert s.exponent_range == (1.0, 2.0) and isinstance(s.exponent_range, tuple)
    assert type(s.preference_concentration) is float and type(s.user_exponent) is float
    assert type(s.min_items_per_user) is int and s.max_items_per_user == 10


def test_size_boundaries():
    """n_items = 2 is the smallest catalogue; n_clusters = n_items is allowed; lo = hi fixes k_u."""
    assert simulate(3, 2, 1).X.shape == (3, 2)
    assert simulate(6, 3, 3).X.shape == (6, 3)
    data = simulate(20, 8, 2, min_items_per_user=3, max_items_per_user=3, preference_concentration=50.0)
    assert_array_equal(data.items_per_user, np.full(20, 3))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_items=1), InvalidValue, "^n_items must be >= 2, got 1$"),
    (dict(n_users=0), InvalidValue, "^n_users must be >= 1, got 0$"),
    (dict(n_clusters=0), InvalidValue, "^n_clusters must be >= 1, got 0$"),
    (dict(n_clusters=5, n_items=4), InvalidValue, "^n_clusters must be <= n_items \\(4\\), got 5$"),
    (dict(seed=True), InvalidValue, "^seed must be a non-negative integer, got True$"),
    (dict(seed=-1), InvalidValue, "^seed must be a non-negative integer, got -1$"),
    (dict(seed=1.5), InvalidValue, "^seed must be a non-negative integer, got 1.5$"),
    (dict(block_size=0), InvalidValue, "^block_size must be >= 1, got 0$"),
    (dict(max_items_per_user=0), InvalidValue, "^max_items_per_user must be >= 1, got 0$"),
    (dict(preference_concentration=0.0), InvalidValue, "^preference_concentration must be finite and positive"),
    (dict(user_exponent=-1.0), InvalidValue, "^user_exponent must be finite and positive"),
])
def test_size_and_setting_messages(kwargs, error, match):
    args = dict(n_users=5, n_items=4, n_clusters=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        simulate(args.pop("n_users"), args.pop("n_items"), args.pop("n_clusters"), **args)


def test_default_seed_is_zero_and_block_size_changes_nothing():
    """Seed 0 by default (both entry points); the block size bounds memory only: blocks of one
    user and one block of all users give the same data."""
    a = simulate(40, 12, 2)
    assert (a.X != simulate(40, 12, 2, seed=0).X).nnz == 0
    assert (a.X != simulate_with(SimulationSettings(), 40, 12, 2).X).nnz == 0
    assert (a.X != simulate(40, 12, 2, block_size=1).X).nnz == 0
    assert (a.X != simulate(40, 12, 2, block_size=40).X).nnz == 0
    assert (a.X != simulate(40, 12, 2, seed=1).X).nnz > 0
