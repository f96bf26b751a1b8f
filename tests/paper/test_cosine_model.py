"""Tests for cossim.paper.cosine_model (remedy 1 of the paper's §3, Chapter 3)."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim


def _problem(n=60, p=15, k=4, seed=0):
    """Binary data X (n × p, density 0.3, from `seed`) and Gaussian factors A, B (from seed + 1)."""
    X = (np.random.default_rng(seed).random((n, p)) < 0.3).astype(float)
    rng = np.random.default_rng(seed + 1)
    return X, rng.standard_normal((p, k)), rng.standard_normal((p, k))


def _normalised(E):
    return E / np.linalg.norm(E, axis=1, keepdims=True)


def test_objective_cosine_matches_direct_formula():
    X, A, B = _problem()
    s, lam = 0.7, 3.0
    W = s * _normalised(A) @ _normalised(B).T
    direct = np.sum((X - X @ W) ** 2) + lam * np.sum(W**2)
    assert_allclose(cossim.objective_cosine(cossim.gram_matrix(X), A, B, s, lam), direct, rtol=1e-12)


@settings(max_examples=8, deadline=None)
@given(p=st.integers(3, 9), k=st.integers(1, 3), seed=st.integers(0, 10_000),
       lam=st.floats(0.0, 5.0))
def test_gradient_cosine_matches_finite_differences(p, k, seed, lam):
    k = min(k, p)
    X, A, B = _problem(20, p, k, seed)
    G = cossim.gram_matrix(X)
    size = p * k

    def f(t):
        return cossim.objective_cosine(G, t[:size].reshape(p, k), t[size:2 * size].reshape(p, k),
                                       t[-1], lam)

    def g(t):
        gA, gB, gs = cossim.gradient_cosine(G, t[:size].reshape(p, k),
                                            t[size:2 * size].reshape(p, k), t[-1], lam)
        return np.concatenate([gA.ravel(), gB.ravel(), [gs]])

    theta = np.concatenate([A.ravel(), B.ravel(), [0.8]])
    num = scipy.optimize.approx_fprime(theta, f, 1e-7)
    assert_allclose(g(theta), num, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(num).max()))


def test_cosine_objective_is_not_invariant_to_rescaling_but_is_to_scalar():
    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    f0 = cossim.objective_cosine(G, A, B, 1.0, 2.0)
    d = np.array([0.3, 1.0, 2.0, 5.0])
    assert abs(cossim.objective_cosine(G, A * d, B / d, 1.0, 2.0) - f0) > 1e-6 * f0
    assert_allclose(cossim.objective_cosine(G, 4.0 * A, B / 4.0, 1.0, 2.0), f0, rtol=1e-12)


def test_fit_cosine_model_decreases_objective_and_respects_eq1_bound():
    X = _problem(80, 12, seed=3)[0]
    G = cossim.gram_matrix(X)
    lam = 2.0
    spectrum = cossim.spectrum_from_gram(G, 3)
    A0, B0 = cossim.eq1_factors(spectrum, lam, 0.5)
    start = cossim.fit_cosine_model(G, lam, init=(A0, B0), max_iter=1)
    fit = cossim.fit_cosine_model(G, lam, init=(A0, B0), max_iter=300)
    assert fit.objective < start.objective
    assert fit.objective >= cossim.objective_eq1_gram(G, A0, B0, lam) * (1 - 1e-12)
    assert_allclose(cossim.objective_cosine(G, fit.A, fit.B, fit.scale, lam), fit.objective,
                    rtol=1e-10)
    # the learned scale is stationary: ∂/∂s ≈ 0 at the end
    _, _, gs = cossim.gradient_cosine(G, fit.A, fit.B, fit.scale, lam)
    assert abs(gs) < 1e-3 * np.trace(G)


def test_fit_cosine_model_random_init_is_seeded():
    G = cossim.gram_matrix(_problem()[0])
    a = cossim.fit_cosine_model(G, 1.0, 3, max_iter=20, seed=5)
    b = cossim.fit_cosine_model(G, 1.0, 3, max_iter=20, seed=5)
    assert_allclose(a.A, b.A, rtol=0, atol=0)
    assert a.A.shape == (15, 3) and a.lam == 1.0


def test_fit_cosine_model_bad_input():
    G = cossim.gram_matrix(_problem()[0])
    with pytest.raises(ValueError, match="k is required"):
        cossim.fit_cosine_model(G, 1.0)
    with pytest.raises(ValueError, match="lam"):
        cossim.fit_cosine_model(G, -1.0, 3)
    with pytest.raises(ValueError, match="G must be square"):
        cossim.fit_cosine_model(G[:, :5], 1.0, 3)
    with pytest.raises(ValueError, match="max_iter"):
        cossim.fit_cosine_model(G, 1.0, 3, max_iter=0)
    with pytest.raises(TypeError, match="init"):
        cossim.fit_cosine_model(G, 1.0, init=np.ones((15, 3)))
    with pytest.raises(ValueError, match="G contains NaN"):
        cossim.fit_cosine_model(np.full((4, 4), np.nan), 1.0, 2)
    with pytest.raises(TypeError, match="scale"):
        cossim.objective_cosine(G, *_problem()[1:], "1", 1.0)
