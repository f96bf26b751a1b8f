"""cossim.paper.optim: numerical checks of the closed forms of Eq. (1) and Eq. (2)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import cossim


def small(seed=0, n=120, p=10):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < np.linspace(0.1, 0.6, p)).astype(float)


def test_minimize_eq1_reaches_closed_form():
    X = small()
    k, lam = 3, 5.0
    A, B = cossim.fit_eq1(X, k, lam)
    r = cossim.minimize_eq1(X, k, lam, seed=1)
    assert_allclose(r.value, cossim.objective_eq1(X, A, B, lam), rtol=1e-9)
    assert_allclose(r.factors.A @ r.factors.B.T, A @ B.T, atol=1e-5)
    assert r.grad_norm < 1e-4


def test_minimize_eq2_reaches_closed_form_and_cosines():
    X = small(1)
    k, lam = 3, 2.0
    A, B = cossim.fit_eq2(X, k, lam)
    r = cossim.minimize_eq2(X, k, lam, seed=2)
    assert_allclose(r.value, cossim.objective_eq2(X, A, B, lam), rtol=1e-9)
    assert_allclose(cossim.item_item_cosine(r.factors.B), cossim.item_item_cosine(B), atol=1e-4)


def test_optimal_value_formula():
    X = small(2)
    lam = 3.0
    spec = cossim.top_singular(X)
    for k in (1, 4, 10):
        A, B = cossim.fit_eq1(X, k, lam)
        assert_allclose(cossim.eq1_optimal_value(X, spec.sigma, lam, np.arange(k)),
                        cossim.objective_eq1(X, A, B, lam), rtol=1e-12)
    # other subsets are worse
    assert cossim.eq1_optimal_value(X, spec.sigma, lam, np.array([1, 2])) > \
        cossim.eq1_optimal_value(X, spec.sigma, lam, np.array([0, 1]))


def test_value_on_subspace():
    X = small(3)
    lam, k = 2.0, 3
    spec = cossim.top_singular(X, k)
    best = cossim.eq1_value_on_subspace(X, spec.V, lam)
    assert_allclose(best, cossim.objective_eq1(X, *cossim.fit_eq1(X, k, lam), lam), rtol=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(5):
        Q, _ = np.linalg.qr(rng.standard_normal((10, k)))
        assert cossim.eq1_value_on_subspace(X, Q, lam) > best


def test_bad_input():
    X = small()
    with pytest.raises(ValueError, match="k"):
        cossim.minimize_eq1(X, 0, 1.0)
    with pytest.raises(ValueError, match="lam"):
        cossim.minimize_eq2(X, 2, -1.0)
    with pytest.raises(ValueError, match="maxiter"):
        cossim.minimize_eq1(X, 2, 1.0, maxiter=0)
    with pytest.raises(ValueError, match="Q"):
        cossim.eq1_value_on_subspace(X, np.ones((10, 2)), 1.0)
    with pytest.raises(ValueError, match="keep"):
        cossim.eq1_optimal_value(X, np.ones(3), 1.0, np.array([0, 0]))
    with pytest.raises(ValueError, match="sigma"):
        cossim.eq1_optimal_value(X, np.array([1.0, -1.0]), 1.0)


def test_gram_matrix_and_reuse():
    import scipy.sparse as sp
    X = small(4)
    G = cossim.paper.optim.gram_matrix(X)
    assert_allclose(G, X.T @ X, rtol=1e-14)
    assert_allclose(cossim.paper.optim.gram_matrix(sp.csr_matrix(X)), G, rtol=1e-14)
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((10, 3)))
    assert_allclose(cossim.eq1_value_on_subspace(X, Q, 1.5, gram=G),
                    cossim.eq1_value_on_subspace(X, Q, 1.5), rtol=1e-14)
    # the value is that of the explicit ridge solution
    A = np.linalg.solve(G + 1.5 * np.eye(10), G @ Q)
    assert_allclose(cossim.eq1_value_on_subspace(X, Q, 1.5, gram=G),
                    cossim.objective_eq1(X, A, Q, 1.5), rtol=1e-10)
    with pytest.raises(ValueError, match="gram"):
        cossim.eq1_value_on_subspace(X, Q, 1.5, gram=G[:3])
