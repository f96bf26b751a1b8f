"""Tests of cossim.beyond.deep_model: linear autoencoders of depth 1 and 2 with weight decay."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import cossim
from cossim._validation import InvalidValue
from cossim.beyond import deep_model as dm

LAM = 20.0


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = (rng.random((300, 20)) < np.linspace(0.1, 0.6, 20)).astype(float)
    return X, dm.eigen_gram(X.T @ X)


def _factors(rng, depth, p=20, k=3, h=5):
    shapes = [(p, k)] if depth == 1 else [(p, h), (h, k)]
    return [rng.standard_normal(s) for s in shapes + [(p, k)]]


def test_eigen_gram_reconstructs(small):
    X, eig = small
    assert np.all(np.diff(eig.w) <= 0)
    assert_allclose((eig.V * eig.w) @ eig.V.T, X.T @ X, atol=1e-10)


@pytest.mark.parametrize("depth", [1, 2])
def test_objective_matches_the_data_form(small, depth):
    X, eig = small
    fs = _factors(np.random.default_rng(depth), depth)
    A = fs[0] if depth == 1 else fs[0] @ fs[1]
    direct = np.sum((X - X @ (eig.V @ A) @ (eig.V @ fs[-1]).T) ** 2) + LAM * sum(np.sum(f * f) for f in fs)
    assert_allclose(dm.deep_objective(eig, fs, LAM), direct, rtol=1e-12)


@pytest.mark.parametrize("depth", [1, 2])
def test_gradient_matches_finite_differences(small, depth):
    _, eig = small
    rng = np.random.default_rng(10 + depth)
    fs = _factors(rng, depth)
    grads = dm.deep_gradient(eig, fs, LAM)
    for _ in range(3):
        E = [rng.standard_normal(f.shape) for f in fs]
        h = 1e-6
        fd = (dm.deep_objective(eig, [f + h * e for f, e in zip(fs, E)], LAM)
              - dm.deep_objective(eig, [f - h * e for f, e in zip(fs, E)], LAM)) / (2 * h)
        assert_allclose(sum(np.sum(g * e) for g, e in zip(grads, E)), fd, rtol=1e-6)


def test_balanced_optimum_depth1_is_the_soft_threshold(small):
    _, eig = small
    t = dm.balanced_optimum(eig.w, LAM, 5, 1)
    assert_allclose(t, np.clip(1 - LAM / eig.w[:5], 0, None), rtol=1e-15)


def test_balanced_optimum_depth2_is_the_global_scalar_minimiser():
    grid = np.linspace(0, 1, 200_001)
    for w in (40.0, 80.0, 500.0):
        f = w * (1 - grid) ** 2 + 3 * LAM * grid ** (2 / 3)
        t = dm.balanced_optimum(np.array([w]), LAM, 1, 2)[0]
        assert w * (1 - t) ** 2 + 3 * LAM * t ** (2 / 3) <= f.min() + 1e-9
        assert abs(t - grid[np.argmin(f)]) < 1e-4


@pytest.mark.parametrize("depth", [1, 2])
def test_balanced_value_is_attained_by_balanced_factors(small, depth):
    _, eig = small
    k = 3
    t = dm.balanced_optimum(eig.w, LAM, k, depth)
    F = depth + 1
    p = eig.w.size
    root = np.zeros((p, k))
    root[:k] = np.diag(t ** (1 / F))
    fs = [root, root.copy()] if depth == 1 else [root, np.diag(t ** (1 / F)), root.copy()]
    assert_allclose(dm.deep_objective(eig, fs, LAM), dm.balanced_value(eig.w, LAM, k, depth), rtol=1e-12)


@pytest.mark.parametrize("depth", [1, 2])
def test_training_reaches_the_balanced_optimum_from_a_unit_start(small, depth):
    _, eig = small
    fit = dm.fit_deep_linear(eig, 3, LAM, depth=depth, seed=1, init_scale=1.0)
    assert_allclose(fit.info.objective, dm.balanced_value(eig.w, LAM, 3, depth), rtol=1e-9)
    assert_allclose(cossim.item_item_cosine(fit.B),
                    cossim.item_item_cosine(dm.balanced_embeddings(eig, LAM, 3, depth)), atol=1e-4)


def test_depth2_from_a_tiny_start_stops_at_the_origin(small):
    _, eig = small
    fit = dm.fit_deep_linear(eig, 3, LAM, depth=2, seed=0, init_scale=0.01)
    assert fit.info.objective == pytest.approx(eig.w.sum(), rel=1e-9)        # W = 0
    assert fit.info.objective > dm.balanced_value(eig.w, LAM, 3, 2) * 1.01


def test_top_directions_keep_the_optimum(small):
    _, eig = small
    top = dm.top_directions(eig, 6)
    assert top.V.shape == (20, 6)
    full = dm.balanced_value(eig.w, LAM, 3, 2)
    assert_allclose(dm.balanced_value(top.w, LAM, 3, 2), full - eig.w[6:].sum(), rtol=1e-12)
    assert_allclose(dm.balanced_embeddings(top, LAM, 3, 2), dm.balanced_embeddings(eig, LAM, 3, 2))


@pytest.mark.parametrize("call", [
    lambda e: dm.eigen_gram(np.ones((2, 3))),
    lambda e: dm.deep_objective(e, [np.ones((20, 3))], LAM),
    lambda e: dm.deep_objective(e, [np.ones((19, 3)), np.ones((20, 3))], LAM),
    lambda e: dm.deep_objective(e, [np.ones((20, 4)), np.ones((5, 3)), np.ones((20, 3))], LAM),
    lambda e: dm.deep_objective(e, [np.ones((20, 3)), np.ones((20, 2))], LAM),
    lambda e: dm.deep_objective(e, [np.ones((20, 3)), np.ones((20, 3))], -1.0),
    lambda e: dm.fit_deep_linear(e, 3, LAM, depth=3),
    lambda e: dm.fit_deep_linear(e, 3, LAM, depth=2, hidden=2),
    lambda e: dm.fit_deep_linear(e, 3, LAM, init_scale=0.0),
    lambda e: dm.balanced_optimum(e.w, 0.0, 3, 1),
    lambda e: dm.top_directions(e, 0),
])
def test_bad_input(small, call):
    with pytest.raises(InvalidValue):
        call(small[1])
