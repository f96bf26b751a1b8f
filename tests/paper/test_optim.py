"""cossim.paper.optim: numerical checks of the closed forms of Eq. (1) and Eq. (2)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import cossim
from cossim._validation import InvalidValue


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


def test_minimize_is_lbfgs_b_from_the_documented_start():
    """The iterate after 60 steps (past the 30 stored correction pairs) is that of SciPy's
    L-BFGS-B with maxcor = 30 and ftol = 0 from 0.1·N(0, 1) entries drawn with default_rng(0),
    on z = (A, B) row-major: the same numbers up to rounding (1e-12 relative)."""
    import scipy.optimize

    X = small(5, n=40, p=6)
    k, lam, p = 2, 1.5, 6
    for minimize, objective, gradient in [(cossim.minimize_eq1, cossim.objective_eq1, cossim.gradient_eq1),
                                          (cossim.minimize_eq2, cossim.objective_eq2, cossim.gradient_eq2)]:
        def fun(z, objective=objective, gradient=gradient):
            A, B = z[:p * k].reshape(p, k), z[p * k:].reshape(p, k)
            return objective(X, A, B, lam), np.concatenate([g.ravel() for g in gradient(X, A, B, lam)])

        x0 = 0.1 * np.random.default_rng(0).standard_normal(2 * p * k)
        ref = scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B",
                                      options={"maxiter": 60, "gtol": 0.0, "ftol": 0.0, "maxcor": 30})
        r = minimize(X, k, lam, maxiter=60, gtol=0.0)
        assert r.n_iter == ref.nit
        assert_allclose(np.concatenate([r.factors.A.ravel(), r.factors.B.ravel()]), ref.x, rtol=1e-12, atol=1e-14)
        assert_allclose(r.value, ref.fun, rtol=1e-12)
        gA, gB = gradient(X, r.factors.A, r.factors.B, lam)
        assert r.grad_norm == max(np.abs(gA).max(), np.abs(gB).max())
        # the defaults are seed 0 and init_scale 0.1; another seed or scale is another start
        explicit = minimize(X, k, lam, maxiter=60, gtol=0.0, seed=0, init_scale=0.1)
        assert_allclose(explicit.factors.A, r.factors.A, rtol=0)
        for other in (minimize(X, k, lam, maxiter=1, seed=1), minimize(X, k, lam, maxiter=1, init_scale=1.1)):
            assert not np.allclose(other.factors.A, minimize(X, k, lam, maxiter=1).factors.A)


def test_minimize_iteration_cap_and_gradient_tolerance():
    X = small(6, n=60, p=8)
    for minimize in (cossim.minimize_eq1, cossim.minimize_eq2):
        one = minimize(X, 2, 1.0, maxiter=1)  # maxiter = 1 is allowed: one L-BFGS step
        assert one.n_iter == 1 and isinstance(one.n_iter, int)
        # gtol is L-BFGS-B's stopping test on the largest gradient entry (SciPy's default: 1e-5)
        loose, tight = minimize(X, 2, 1.0, gtol=1e-2), minimize(X, 2, 1.0, gtol=1e-6)
        assert loose.grad_norm <= 1e-2 and tight.grad_norm <= 1e-6
        assert loose.n_iter < tight.n_iter
        # a fixed seed reproduces the run exactly
        assert_allclose(minimize(X, 2, 1.0, seed=3, maxiter=5).factors.B,
                        minimize(X, 2, 1.0, seed=3, maxiter=5).factors.B, rtol=0)
        assert minimize(X, 2, 1.0, init_scale=1e-3, maxiter=1).n_iter == 1  # a small scale > 0 is allowed
        for kwargs, word in [({"init_scale": 0.0}, "init_scale"), ({"init_scale": -0.1}, "init_scale"),
                             ({"gtol": -1e-12}, "gtol"), ({"maxiter": 0}, "maxiter")]:
            with pytest.raises(ValueError, match=word):
                minimize(X, 2, 1.0, **kwargs)
        with pytest.raises(ValueError, match="k must satisfy 1 <= k <= 8"):
            minimize(X, 9, 1.0)
        assert minimize(X, 8, 1.0, maxiter=1).factors.A.shape == (8, 8)  # k = p is allowed


def test_optimal_value_small_cases_by_hand():
    """‖X‖² − Σ_{i∈keep} σ_i⁴/(σ_i² + λ) on hand-computed cases (σ need not be X's own: only
    ‖X‖² is read from X); to rounding (1e-15 relative), exactly where the terms are dyadic."""
    X = np.array([[1.0, 2.0], [0.0, 2.0]])  # ‖X‖² = 9
    assert cossim.eq1_optimal_value(X, [], 1.0) == 9.0  # no direction kept
    assert_allclose(cossim.eq1_optimal_value(X, [2.0, 1.0], 4.0), 9.0 - 16.0 / 8.0 - 1.0 / 5.0, rtol=1e-15)
    assert_allclose(cossim.eq1_optimal_value(X, [2.0, 1.0], 4.0, keep=None), 6.8, rtol=1e-15)
    assert_allclose(cossim.eq1_optimal_value(X, [2.0, 1.0], 4.0, keep=[1]), 8.8, rtol=1e-15)
    assert cossim.eq1_optimal_value(X, [2.0, 1.0], 4.0, keep=[0]) == 7.0
    assert_allclose(cossim.eq1_optimal_value(X, [0.5, 0.0], 1.0), 9.0 - 0.05, rtol=1e-15)  # σ < 1 counts
    # λ = 0: a kept σ > 0 removes σ², a kept σ = 0 removes nothing (not 0/0)
    assert cossim.eq1_optimal_value(X, [2.0, 0.0], 0.0) == 5.0
    with pytest.raises(ValueError, match="sigma"):
        cossim.eq1_optimal_value(X, [1.0, -1e-300], 1.0)
    for keep in ([-1], [2], [0.0, 1.0], [[0], [1]], [0, 0]):
        with pytest.raises(ValueError, match="keep must hold distinct integer indices into sigma"):
            cossim.eq1_optimal_value(X, [2.0, 1.0], 1.0, keep=keep)


def test_value_on_subspace_edge_cases():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((30, 2)) @ rng.standard_normal((2, 6))  # rank 2
    V = cossim.top_singular(X, 2).V
    # λ = 0 and Q = the row space: the exact value is 0 (rounding is clamped at 0)
    assert 0.0 <= cossim.eq1_value_on_subspace(X, V, 0.0) <= 1e-12 * np.sum(X * X)
    # the value scales like ‖X‖² when λ scales with it (below 1 here)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 2)))
    v = cossim.eq1_value_on_subspace(X, Q, 2.0)
    small_v = cossim.eq1_value_on_subspace(1e-3 * X, Q, 2e-6)
    assert small_v < 1.0
    assert_allclose(small_v, 1e-6 * v, rtol=1e-10)
    with pytest.raises(ValueError, match="Q has 7 rows, expected 6"):
        cossim.eq1_value_on_subspace(X, np.eye(7, 2), 1.0)
    with pytest.raises(ValueError, match="Q must have orthonormal columns"):
        cossim.eq1_value_on_subspace(X, 1.1 * Q, 1.0)
    with pytest.raises(ValueError, match="gram has 7 columns, expected 6"):
        cossim.eq1_value_on_subspace(X, Q, 1.0, gram=np.zeros((6, 7)))
    X[:, 5] = 0.0  # XᵀX has a zero row and column: exactly singular
    with pytest.raises(ValueError, match="singular; use lam > 0"):
        cossim.eq1_value_on_subspace(X, Q, 0.0)


def test_optimal_value_from_a_given_norm_is_bit_identical():
    from cossim.paper.models import squared_norm
    X = np.random.default_rng(2).standard_normal((50, 12))
    spec = cossim.top_singular(X)
    x2 = squared_norm(X)
    for keep in (None, np.array([0, 3, 5]), np.array([11])):
        assert cossim.eq1_optimal_value(None, spec.sigma, 2.5, keep, squared_norm_x=x2) == \
            cossim.eq1_optimal_value(X, spec.sigma, 2.5, keep)
    # a different norm moves the value by exactly the difference: the given norm is the one used
    assert_allclose(cossim.eq1_optimal_value(X, spec.sigma, 2.5, squared_norm_x=x2 + 1.0)
                    - cossim.eq1_optimal_value(X, spec.sigma, 2.5), 1.0, rtol=0, atol=1e-12 * x2)
    with pytest.raises(InvalidValue):
        cossim.eq1_optimal_value(X, spec.sigma, 2.5, np.array([0, 0]), squared_norm_x=x2)
    for bad in (-1.0, np.nan, np.inf):
        with pytest.raises(InvalidValue, match="^squared_norm_x "):
            cossim.eq1_optimal_value(X, spec.sigma, 2.5, squared_norm_x=bad)
