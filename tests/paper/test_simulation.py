"""Tests of cossim.paper.simulation: the data of the paper's Section 4."""

import dataclasses
import hashlib
import inspect
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from cossim import sample_power_law, sample_without_replacement, simulate
from cossim._validation import InvalidType, InvalidValue
from cossim.paper.simulation import POPULARITY_SAMPLERS, SimulationSettings, simulate_with


def exact_sequential_probabilities(weights, k):
    """Exact law of sequential weighted sampling without replacement, by enumeration.

    Returns ({frozenset: probability}, inclusion probability per item): every
    ordered sequence of k distinct items has probability
    prod_t w[i_t] / (W - sum of the weights drawn before step t).
    """
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    sets = {}
    for seq in itertools.permutations(np.flatnonzero(weights > 0), k):
        prob, left = 1.0, total
        for i in seq:
            prob *= weights[i] / left
            left -= weights[i]
        key = frozenset(int(i) for i in seq)
        sets[key] = sets.get(key, 0.0) + prob
    inclusion = np.zeros(weights.size)
    for key, prob in sets.items():
        inclusion[list(key)] += prob
    return sets, inclusion


def test_enumeration_helper_is_a_distribution():
    sets, inclusion = exact_sequential_probabilities([4.0, 2.0, 1.0, 1.0], 2)
    assert_allclose(sum(sets.values()), 1.0, rtol=1e-12)
    assert_allclose(inclusion.sum(), 2.0, rtol=1e-12)  # k items per draw
    # a hand-computed case: P(item 0 first) + P(item 0 second)
    p0 = 4 / 8 + (2 / 8) * (4 / 6) + (1 / 8) * (4 / 7) * 2
    assert_allclose(inclusion[0], p0, rtol=1e-12)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_gumbel_top_k_matches_sequential_sampling(k):
    """Inclusion frequencies match the exact probabilities of sequential sampling.

    N = 200,000 independent rows; a frequency's standard error is at most
    sqrt(0.25/N) ≈ 0.0011, and the stated tolerance is 0.006 (more than 5
    standard errors), for each item and for each k-subset.
    """
    weights = np.array([6.0, 3.0, 2.0, 1.0, 0.5, 0.0])  # the last can never be drawn
    n_rows = 200_000
    rng = np.random.default_rng(12345)
    with np.errstate(divide="ignore"):
        logw = np.tile(np.log(weights), (n_rows, 1))
    X = sample_without_replacement(rng, logw, np.full(n_rows, k))
    assert X.shape == (n_rows, weights.size)
    assert_array_equal(np.diff(X.indptr), k)  # k distinct items per row
    assert X.data.min() == 1.0 and X.data.max() == 1.0
    freq = np.asarray(X.sum(axis=0)).ravel() / n_rows
    sets, inclusion = exact_sequential_probabilities(weights, k)
    assert freq[-1] == 0.0
    assert_allclose(freq, inclusion, atol=0.006, rtol=0)
    # the law of the drawn set, not only the marginals
    dense = X.toarray().astype(bool)
    codes = dense @ (1 << np.arange(weights.size))
    observed = np.bincount(codes, minlength=1 << weights.size) / n_rows
    for subset, prob in sets.items():
        code = sum(1 << i for i in subset)
        assert abs(observed[code] - prob) < 0.006, (subset, observed[code], prob)


def test_gumbel_top_k_is_not_uniform():
    """A check that the test above can fail: uniform sampling would be rejected."""
    weights = np.array([6.0, 3.0, 2.0, 1.0, 0.5])
    _, inclusion = exact_sequential_probabilities(weights, 2)
    uniform = np.full(5, 2 / 5)
    assert np.max(np.abs(uniform - inclusion)) > 0.006


def test_rows_with_different_counts_and_zero_weights():
    rng = np.random.default_rng(0)
    logw = np.log(rng.random((50, 30)))
    logw[:, :10] = -np.inf
    counts = rng.integers(0, 21, size=50)
    X = sample_without_replacement(rng, logw, counts)
    assert_array_equal(np.diff(X.indptr), counts)
    assert X.nnz == 0 or X.indices.min() >= 10
    assert X.has_sorted_indices


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 8), p=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_sampling_shapes_and_counts(m, p, seed):
    rng = np.random.default_rng(seed)
    logw = rng.normal(size=(m, p))
    counts = rng.integers(0, p + 1, size=m)
    X = sample_without_replacement(rng, logw, counts)
    assert X.shape == (m, p)
    assert_array_equal(np.diff(X.indptr), counts)
    for r in range(m):  # distinct columns in each row
        row = X.indices[X.indptr[r]:X.indptr[r + 1]]
        assert np.unique(row).size == row.size


def test_sampling_bad_input():
    rng = np.random.default_rng(0)
    logw = np.zeros((3, 4))
    with pytest.raises(ValueError, match="counts"):
        sample_without_replacement(rng, logw, [1, 2])
    with pytest.raises(ValueError, match="counts"):
        sample_without_replacement(rng, logw, [1, 2, 5])
    with pytest.raises(ValueError, match="counts"):
        sample_without_replacement(rng, logw, [1, -1, 0])
    with pytest.raises(TypeError, match="counts"):
        sample_without_replacement(rng, logw, [1.5, 1, 1])
    bad = logw.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="log_weights"):
        sample_without_replacement(rng, bad, [1, 1, 1])
    with pytest.raises(ValueError, match="log_weights"):
        sample_without_replacement(rng, np.zeros(4), [1])


@pytest.mark.parametrize("kind", POPULARITY_SAMPLERS)
def test_power_law_samplers(kind):
    rng = np.random.default_rng(1)
    beta = 0.5
    x = sample_power_law(rng, beta, 100_000, kind)
    assert np.all(x > 0) and np.all(np.isfinite(x))
    if kind == "power":  # density β x^(β−1) on (0, 1]: mean β/(β+1), P(x ≤ t) = t^β
        assert x.max() <= 1.0
        assert_allclose(x.mean(), beta / (beta + 1), atol=0.005)
        assert_allclose(np.mean(x <= 0.25), 0.25**beta, atol=0.005)
    elif kind == "pareto":  # P(x > t) = t^(−β), t ≥ 1
        assert x.min() >= 1.0
        assert_allclose(np.mean(x > 4.0), 4.0**-beta, atol=0.005)
    else:  # x = r^(−β) for a permutation of the ranks 1..n
        assert_allclose(np.sort(x)[::-1], np.arange(1, x.size + 1) ** -beta, rtol=1e-12)


def test_power_law_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="kind"):
        sample_power_law(rng, 1.0, 3, "lognormal")
    with pytest.raises(ValueError, match="exponent"):
        sample_power_law(rng, -1.0, 3)
    with pytest.raises(TypeError, match="exponent"):
        sample_power_law(rng, "1", 3)


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
    # k_u = 1 + floor(1000 x), x with density x^(-1/2)/2: E[k] ≈ 1000/3 + 1/2, sd ≈ 298/sqrt(n)
    assert_allclose(k.mean(), 1000 / 3 + 0.5, atol=10)


def test_preferences_steer_the_clusters():
    """Users draw more items from the clusters they prefer (p_ui ∝ p_uc p_i)."""
    data = simulate(3000, 100, 4, seed=2, max_items_per_user=20)
    onehot = np.eye(4)[data.clusters]
    share = np.asarray(data.X @ onehot) / data.items_per_user[:, None]
    corr = np.corrcoef(share.ravel(), data.user_preferences.ravel())[0, 1]
    assert corr > 0.5


def test_popular_items_are_drawn_more():
    data = simulate(5000, 100, 1, seed=4, max_items_per_user=10)
    counts = np.asarray(data.X.sum(axis=0)).ravel()
    from scipy.stats import spearmanr

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
    for x, y in zip(a, b):
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
