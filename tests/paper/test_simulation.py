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
