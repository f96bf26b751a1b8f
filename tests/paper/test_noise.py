"""cossim.paper.noise: denoising / dropout as a penalty on ABᵀ, checked by Monte Carlo."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim


def data(seed=0, n=50, p=8):
    rng = np.random.default_rng(seed)
    X = (rng.random((n, p)) < 0.3).astype(float)
    W = rng.standard_normal((p, p)) * 0.3
    return X, W


def test_gaussian_weights_are_eq1_lambda():
    X, W = data()
    lam = cossim.gaussian_noise_lambda(X.shape[0], 0.5)
    assert lam == pytest.approx(50 * 0.25, rel=1e-15)
    # closed forms evaluated in two orders: agreement to a few ε (rtol 1e-15 to 1e-12 below
    # according to the number of operations); a wrong noise level changes them by O(1)
    assert_allclose(cossim.noise_penalty_weights(X, "gaussian", 0.5), lam, rtol=1e-15)
    A, B = cossim.fit_eq1(X, 3, 1.0)
    assert_allclose(cossim.expected_noisy_loss(X, A @ B.T, "gaussian", 0.5),
                    cossim.objective_eq1(X, A, B, lam), rtol=1e-12)


def test_dropout_weights_are_column_norms():
    X, W = data(1)
    v = cossim.noise_penalty_weights(X, "dropout", 0.25)
    assert_allclose(v, (0.25 / 0.75) * (X**2).sum(axis=0), rtol=1e-14)
    assert_allclose(cossim.noise_penalty_weights(sp.csr_matrix(X), "dropout", 0.25), v,
                    rtol=1e-14)
    assert_allclose(cossim.noise_penalty_weights(X, "dropout", 0.0), 0.0, atol=0)


@pytest.mark.parametrize("kind, level", [("gaussian", 0.3), ("dropout", 0.4)])
def test_monte_carlo_matches_expectation(kind, level):
    X, W = data(2)
    exact = cossim.expected_noisy_loss(X, W, kind, level)
    mc = cossim.monte_carlo_noisy_loss(X, W, kind, level, n_samples=3000, seed=3)
    # within 4 standard errors of the Monte Carlo mean (the measured noise of the estimate)
    assert abs(mc.mean - exact) < 4 * mc.stderr


def test_monte_carlo_rejects_wrong_penalty():
    """A uniform penalty does not describe dropout when item popularities differ."""
    rng = np.random.default_rng(4)
    X = (rng.random((60, 6)) < np.linspace(0.05, 0.9, 6)).astype(float)
    W = np.diag(np.linspace(0.1, 1.5, 6))  # rows of different lengths
    mc = cossim.monte_carlo_noisy_loss(X, W, "dropout", 0.4, n_samples=2000, seed=5)
    v = cossim.noise_penalty_weights(X, "dropout", 0.4)
    fit = np.sum((X - X @ W) ** 2)
    # swap the weights between popular and unpopular items: clearly wrong
    wrong = fit + cossim.weighted_penalty(W, v[::-1])
    assert abs(mc.mean - wrong) > 10 * mc.stderr


def test_corrupt_has_mean_x():
    X, _ = data(6)
    rng = np.random.default_rng(0)
    for kind, level in (("gaussian", 0.5), ("dropout", 0.5)):
        mean = np.mean([cossim.corrupt(X, kind, level, rng) for _ in range(4000)], axis=0)
        # per entry the mean of 4000 draws has sd ≤ 1/√4000 ≈ 0.016 (dropout 0.5 on x ≤ 1:
        # variance x²); 0.08 is 5 sd, above the largest of the entries' deviations (≈ 3.5 sd),
        # while dropping without the 1/(1 − p) rescaling would be off by 0.5 on every 1
        assert_allclose(mean, X, atol=0.08)


def test_fit_weighted_full_rank_matches_eq1():
    X, _ = data(7, n=80, p=6)
    lam = 3.0
    W = cossim.fit_weighted_full_rank(X, np.full(6, lam))
    A, B = cossim.fit_eq1(X, 6, lam)
    assert_allclose(W, A @ B.T, atol=1e-10)  # two closed forms, entries ≤ 1: rounding ~1e-15
    # stationarity of the weighted objective
    v = cossim.noise_penalty_weights(X, "dropout", 0.3) + 0.1
    Wv = cossim.fit_weighted_full_rank(X, v)
    grad = -2 * X.T @ (X - X @ Wv) + 2 * v[:, None] * Wv
    # entries are sums of n = 80 products of size ≤ ~10: rounding ~1e-13; a wrong weight
    # vector (e.g. v without its + 0.1) leaves gradients of O(0.1)
    assert np.abs(grad).max() < 1e-9


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_penalty_blind_to_rescaling(seed, k):
    rng = np.random.default_rng(seed)
    X = (rng.random((20, 7)) < 0.4).astype(float)
    A, B = rng.standard_normal((7, k)), rng.standard_normal((7, k))
    d = np.exp(rng.uniform(-1, 1, k))
    A2, B2 = cossim.rescale(A, B, d)
    for kind, level in (("gaussian", 0.2), ("dropout", 0.3)):
        assert_allclose(cossim.expected_noisy_loss(X, A2 @ B2.T, kind, level),
                        cossim.expected_noisy_loss(X, A @ B.T, kind, level), rtol=1e-10)


def test_bad_input():
    X, W = data()
    with pytest.raises(ValueError, match="kind"):
        cossim.noise_penalty_weights(X, "salt", 0.1)
    with pytest.raises(ValueError, match="level"):
        cossim.noise_penalty_weights(X, "dropout", 1.0)
    with pytest.raises(ValueError, match="level"):
        cossim.noise_penalty_weights(X, "gaussian", -0.1)
    with pytest.raises(TypeError, match="level"):
        cossim.noise_penalty_weights(X, "gaussian", "0.1")
    with pytest.raises(ValueError, match="W"):
        cossim.expected_noisy_loss(X, W[:3], "gaussian", 0.1)
    with pytest.raises(ValueError, match="X"):
        cossim.expected_noisy_loss(np.full((3, 8), np.nan), W, "gaussian", 0.1)
    with pytest.raises(ValueError, match="n_samples"):
        cossim.monte_carlo_noisy_loss(X, W, "gaussian", 0.1, n_samples=1)
    with pytest.raises(TypeError, match="rng"):
        cossim.corrupt(X, "gaussian", 0.1, 0)
    with pytest.raises(ValueError, match="weights"):
        cossim.weighted_penalty(W, -np.ones(8))
    with pytest.raises(ValueError, match="weights"):
        cossim.fit_weighted_full_rank(X, np.ones(3))
    with pytest.raises(ValueError, match="n_users"):
        cossim.gaussian_noise_lambda(0, 0.1)
    with pytest.raises(TypeError, match="n_users"):
        cossim.gaussian_noise_lambda(2.5, 0.1)
