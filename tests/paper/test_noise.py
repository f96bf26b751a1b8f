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


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

class _ZeroUniforms(np.random.Generator):
    """A generator whose uniform draws are exactly 0 (the boundary of the dropout test)."""

    def random(self, size=None):
        return np.zeros(size)


def test_corrupt_exact_draws_dense_and_sparse():
    """Gaussian: X + s·N from the generator's next normals; dropout: keep where U >= q, divide
    by 1 − q. Sparse X gives the same dense array."""
    X = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    for Xi in (X, sp.csr_matrix(X)):
        out = cossim.corrupt(Xi, "gaussian", 0.5, np.random.default_rng(1))
        assert type(out) is np.ndarray
        assert_allclose(out, X + 0.5 * np.random.default_rng(1).standard_normal(X.shape), rtol=0, atol=0)
        out = cossim.corrupt(Xi, "dropout", 0.25, np.random.default_rng(2))
        keep = np.random.default_rng(2).random(X.shape) >= 0.25
        assert type(out) is np.ndarray
        assert_allclose(out, np.where(keep, X / 0.75, 0.0), rtol=0, atol=0)


def test_dropout_rate_zero_keeps_everything():
    """q = 0: a uniform draw of exactly 0 still keeps the entry (U >= q)."""
    X = np.array([[1.0, 2.0]])
    assert_allclose(cossim.corrupt(X, "dropout", 0.0, _ZeroUniforms(np.random.PCG64(0))), X, rtol=0, atol=0)


def test_gaussian_lambda_one_user():
    assert cossim.gaussian_noise_lambda(1, 0.5) == 0.25
    with pytest.raises(ValueError, match="^n_users must satisfy n_users >= 1, got 0$"):
        cossim.gaussian_noise_lambda(0, 0.5)


def test_weighted_penalty_of_a_tall_factor():
    """W of shape (p, k) with p = 3, k = 2: one weight per row: 1·2 + 2·2 + 3·2 = 12."""
    assert cossim.weighted_penalty(np.ones((3, 2)), [1.0, 2.0, 3.0]) == 12.0


@pytest.mark.parametrize("call, match", [
    (lambda: cossim.weighted_penalty(np.ones((2, 2)), []), "^weights must have shape \\(2,\\), got \\(0,\\)$"),
    (lambda: cossim.weighted_penalty(np.ones((2, 2)), np.ones((1, 2))),
     "^weights must be a 1-D array of at least 0 value\\(s\\), got shape \\(1, 2\\)$"),
    (lambda: cossim.weighted_penalty(np.ones(2), [1.0, 1.0]), "^W must be 2-D"),
    (lambda: cossim.expected_noisy_loss(np.ones((3, 2)), np.ones((2, 3)), "gaussian", 0.1),
     "^W has 3 columns, expected 2$"),
    (lambda: cossim.monte_carlo_noisy_loss(np.ones((3, 2)), np.ones((3, 2)), "gaussian", 0.1),
     "^W has 3 rows, expected 2$"),
    (lambda: cossim.fit_weighted_full_rank(np.array([[1.0, 0.0]]), [0.0, 0.0]),
     "^XᵀX \\+ dMat\\(weights\\) is singular; use positive weights$"),
])
def test_noise_validation_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_monte_carlo_by_hand_and_defaults():
    """The estimate is the mean and standard error (ddof 1) of ‖X − X̃W‖² over the generator's
    copies; defaults: 1000 copies, seed 0; two copies are the minimum."""
    X = np.array([[1.0, 2.0], [0.5, 0.0]])
    W = np.array([[0.5, 0.1], [0.2, 0.3]])
    rng = np.random.default_rng(7)
    losses = [np.sum((X - cossim.corrupt(X, "dropout", 0.3, rng) @ W) ** 2) for _ in range(2)]
    est = cossim.monte_carlo_noisy_loss(X, W, "dropout", 0.3, n_samples=2, seed=7)
    assert est.n_samples == 2
    assert_allclose(est.mean, np.mean(losses), rtol=1e-15)
    assert_allclose(est.stderr, np.std(losses, ddof=1) / np.sqrt(2), rtol=1e-15)
    default = cossim.monte_carlo_noisy_loss(X, W, "gaussian", 0.1)
    assert default == cossim.monte_carlo_noisy_loss(X, W, "gaussian", 0.1, n_samples=1000, seed=0)
    assert default.n_samples == 1000
