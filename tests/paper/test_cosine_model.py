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
    # the Gram form cancels tr G against terms of the same size: rounding ~ p²ε relative
    # (≈ 5e-14 here); a wrong λ or a missing s² fails by far more than 1e-12
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
    # forward differences with h = 1e-7: truncation ~ h·|f''| and rounding ~ ε|f|/h ≈ 2e-9|f|,
    # both far below 1e-5 of the largest entry; a transposed factor or a dropped term of the
    # normalisation changes entries by O(1) relative
    assert_allclose(g(theta), num, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(num).max()))


def test_cosine_objective_is_not_invariant_to_rescaling_but_is_to_scalar():
    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    f0 = cossim.objective_cosine(G, A, B, 1.0, 2.0)
    d = np.array([0.3, 1.0, 2.0, 5.0])
    # a non-scalar D changes the model: the change is O(f0), far above the rounding of f0
    assert abs(cossim.objective_cosine(G, A * d, B / d, 1.0, 2.0) - f0) > 1e-6 * f0
    # a scalar D changes nothing but the rounding of the row norms (a few ε)
    assert_allclose(cossim.objective_cosine(G, 4.0 * A, B / 4.0, 1.0, 2.0), f0, rtol=1e-12)


def test_fit_cosine_model_decreases_objective_and_respects_eq1_bound():
    X = _problem(80, 12, seed=3)[0]
    G = cossim.gram_matrix(X)
    lam = 2.0
    spectrum = cossim.spectrum_from_gram(G, 3)
    A0, B0 = cossim.eq1_factors(spectrum, lam, 0.5)
    for method in cossim.paper.cosine_model.METHODS:
        start = cossim.fit_cosine_model(G, lam, init=(A0, B0), max_iter=1, method=method)
        fit = cossim.fit_cosine_model(G, lam, init=(A0, B0), max_iter=300, method=method)
        assert fit.objective < start.objective and fit.method == method
        # normalising is a constraint: never below the Eq. (1) optimum (rounding ~1e-14 relative)
        assert fit.objective >= cossim.objective_eq1_gram(G, A0, B0, lam) * (1 - 1e-12)
        # the reported value is the objective at the reported factors (same formula, same input)
        assert_allclose(cossim.objective_cosine(G, fit.A, fit.B, fit.scale, lam), fit.objective,
                        rtol=1e-14)
        assert fit.grad_norm < fit.grad_norm_start


def _tiny():
    """A problem small enough (p = 6, k = 1) for both optimisers to converge."""
    X = (np.random.default_rng(0).random((60, 6)) < 0.4).astype(float)
    G = cossim.gram_matrix(X)
    return G, cossim.eq1_factors(cossim.spectrum_from_gram(G, 1), 2.0, 0.5)


def test_fit_cosine_model_converges_on_a_tiny_problem():
    G, init = _tiny()
    fits = [cossim.fit_cosine_model(G, 2.0, init=init, max_iter=2000, method=m, gtol=1e-8)
            for m in cossim.paper.cosine_model.METHODS]
    for fit in fits:
        assert fit.converged
        # stationary: the direction gradient fell by the stopping factor gtol (up to the
        # √(number of entries) between a max-norm criterion and the 2-norm reported)
        assert fit.grad_norm <= 1e-8 * np.sqrt(2 * 6 + 1) * fit.grad_norm_start
        # s is at its least-squares optimum c/q for the fitted directions: ∂f/∂s = 0
        _, _, gs = cossim.gradient_cosine(G, fit.A, fit.B, fit.scale, 2.0)
        assert abs(gs) <= 1e-8 * np.sqrt(13) * fit.grad_norm_start
    # both optimisers reach the same optimum (the problem has k = 1: no valley to drift along)
    assert_allclose(fits[0].objective, fits[1].objective, rtol=1e-10)


def test_best_unit_rows_solves_each_row_exactly():
    rng = np.random.default_rng(0)
    k = 5
    R = rng.standard_normal((k, k))
    M, C, s = R @ R.T, rng.standard_normal((40, k)), 0.7
    B = cossim.paper.cosine_model.best_unit_rows(M, C, s)
    assert_allclose(np.linalg.norm(B, axis=1), 1.0, rtol=1e-14)
    # KKT of min s²bᵀMb − 2scᵀb on ‖b‖ = 1: s²Mb − sc = νb with ν ≤ s²μ_min (global minimum);
    # the residual is rounding, ~kε relative to ‖sc‖
    r = s * s * B @ M - s * C
    nu = np.sum(r * B, axis=1)
    assert np.all(np.linalg.norm(r - nu[:, None] * B, axis=1) <= 1e-12 * np.linalg.norm(s * C, axis=1))
    assert np.all(nu <= s * s * np.linalg.eigvalsh(M)[0] * (1 + 1e-12))
    # and no random unit vector does better
    trial = rng.standard_normal((40, 2000, k))
    trial /= np.linalg.norm(trial, axis=2, keepdims=True)
    f = lambda b, c: s * s * np.einsum("...i,ij,...j->...", b, M, b) - 2 * s * b @ c  # noqa: E731
    for i in range(40):
        assert f(B[i], C[i]) <= f(trial[i], C[i]).min()


def test_best_unit_rows_hard_case_and_zero_rows():
    M = np.diag([1.0, 2.0, 3.0])
    C = np.array([[0.0, 0.01, 0.0], [0.0, 0.0, 0.0]])  # ⊥ the first eigenvector; zero
    B = cossim.paper.cosine_model.best_unit_rows(M, C, 1.0)
    assert_allclose(np.linalg.norm(B, axis=1), 1.0, rtol=1e-14)
    # hard case: the minimum s²μ₁ − (sc₂)²/(s²(μ₂ − μ₁)) is reached with a component along e₁
    value = B[0] @ M @ B[0] - 2 * C[0] @ B[0]
    assert_allclose(value, 1.0 - 0.01**2 / (2.0 - 1.0), rtol=1e-12)
    assert_allclose(np.abs(B[1]), [1.0, 0.0, 0.0], atol=1e-15)  # c = 0: the smallest eigenvector


def test_direction_gradient_norm_ignores_row_norms():
    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    d = np.random.default_rng(9).uniform(0.2, 5.0, size=(A.shape[0], 1))
    a = cossim.paper.cosine_model.direction_gradient_norm(G, A, B, 0.5, 1.0)
    b = cossim.paper.cosine_model.direction_gradient_norm(G, A * d, B / d, 0.5, 1.0)
    assert_allclose(a, b, rtol=1e-12)  # rows rescaled: same directions, same gradient
    assert a > 0


def test_checkpoints_record_the_path():
    X, A, B = _problem(80, 15, 4, seed=3)
    fit = cossim.fit_cosine_model(cossim.gram_matrix(X), 2.0, init=(A, B), max_iter=5,
                                  method="exact_b", checkpoints=(0, 2, 5), gtol=0.0)
    assert [it for it, *_ in fit.path] == [0, 2, 5]
    values = [v for _, v, _, _ in fit.path]
    assert values[0] >= values[1] >= values[2]  # L-BFGS with a line search does not go up
    it, value, s, B = fit.path[-1]
    assert_allclose(value, fit.objective, rtol=1e-14) and s == fit.scale


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
    with pytest.raises(ValueError, match="method"):
        cossim.fit_cosine_model(G, 1.0, 3, method="adam")
    with pytest.raises(TypeError, match="init"):
        cossim.fit_cosine_model(G, 1.0, init=np.ones((15, 3)))
    with pytest.raises(ValueError, match="G contains NaN"):
        cossim.fit_cosine_model(np.full((4, 4), np.nan), 1.0, 2)
    with pytest.raises(TypeError, match="scale"):
        cossim.objective_cosine(G, *_problem()[1:], "1", 1.0)


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def _kkt_residual(B, M, C, s):
    r = s * s * B @ M - s * C
    nu = np.sum(r * B, axis=1)
    return np.linalg.norm(r - nu[:, None] * B, axis=1), nu


def test_best_unit_rows_across_scales():
    """Rows of c from 10⁻⁶ to 10⁶ (wide bisection brackets) and a spread spectrum: every row
    meets the global-minimum conditions of the trust-region subproblem to rounding."""
    rng = np.random.default_rng(11)
    k = 4
    Q = np.linalg.qr(rng.standard_normal((k, k)))[0]
    mu = np.array([0.01, 0.5, 3.0, 40.0])
    M = Q @ np.diag(mu) @ Q.T
    C = rng.standard_normal((13, k)) * np.logspace(-6, 6, 13)[:, None]
    for s in (0.3, 2.5, -1.5):
        B = cossim.paper.cosine_model.best_unit_rows(M, C, s)
        assert_allclose(np.linalg.norm(B, axis=1), 1.0, rtol=1e-14)
        res, nu = _kkt_residual(B, M, C, s)
        # rounding of s²Mb − sc: a few ε times (s²μ_max + ‖sc‖)
        assert np.all(res <= 1e-13 * (s * s * mu[-1] + np.linalg.norm(s * C, axis=1)))
        assert np.all(nu <= s * s * mu[0] * (1 + 1e-12))


def test_best_unit_rows_two_dimensional_by_hand():
    """M = diag(0, 2), s = 1: c = (1, 0) gives b = e₁; c = (0, 1) is the hard case with
    b₂ = c₂/(s(μ₂ − μ₁)) = ½ and b₁ = √¾; c = (1, 1) gives b_j = c_j/(μ_j − ν) with
    1/ν² + 1/(2 − ν)² = 1, ν < 0 (solved here by bisection, independently)."""
    M = np.diag([0.0, 2.0])
    B = cossim.paper.cosine_model.best_unit_rows(M, np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), 1.0)
    assert_allclose(np.abs(B[0]), [1.0, 0.0], atol=1e-15)
    assert_allclose(np.abs(B[1]), [np.sqrt(0.75), 0.5], rtol=1e-12)
    # the shortfall is added along the eigenvector eigh returns (+e₁ for this diagonal M)
    assert B[1, 1] > 0 and B[1, 0] > 0
    nu = scipy.optimize.brentq(lambda v: 1 / v**2 + 1 / (2 - v) ** 2 - 1, -10.0, -1e-3, xtol=1e-15)
    assert_allclose(B[2], [1 / -nu, 1 / (2 - nu)], rtol=1e-12)


def test_best_unit_rows_at_zero_scale_and_zero_rows_silently():
    """s = 0: every unit row is optimal; the eigenvector of the smallest μ is returned, unit length.
    A zero row of C is completed along that eigenvector without a warning."""
    import warnings

    M = np.diag([3.0, 1.0])
    B0 = cossim.paper.cosine_model.best_unit_rows(M, np.ones((2, 2)), 0.0)
    assert_allclose(np.abs(B0), [[0.0, 1.0], [0.0, 1.0]], atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        B = cossim.paper.cosine_model.best_unit_rows(M, np.array([[0.0, 0.0], [1.0, 2.0]]), 1.0)
    assert_allclose(np.abs(B[0]), [0.0, 1.0], atol=1e-15)


def test_direction_gradient_norm_by_formula():
    """√(Σ (‖A_i‖ ∂A_i)² + Σ (‖B_i‖ ∂B_i)² + (∂s)²) from gradient_cosine."""
    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    gA, gB, gs = cossim.gradient_cosine(G, A, B, 0.5, 1.0)
    expected = np.sqrt(np.sum((gA * np.linalg.norm(A, axis=1)[:, None]) ** 2)
                       + np.sum((gB * np.linalg.norm(B, axis=1)[:, None]) ** 2) + gs**2)
    assert_allclose(cossim.paper.cosine_model.direction_gradient_norm(G, A, B, 0.5, 1.0), expected, rtol=1e-13)


def test_exact_b_inner_solution_is_stationary_in_b():
    """For "exact_b" the B of the path is the exact best B for A and s (with λ > 0, so λAᵀA
    matters): the gradient in B's row directions vanishes to rounding."""
    X, A, B = _problem(80, 15, 4, seed=3)
    G = cossim.gram_matrix(X)
    fit = cossim.fit_cosine_model(G, 3.0, init=(A, B), max_iter=2, method="exact_b", checkpoints=(0, 2))
    for it, _, s, Bp in fit.path:
        Ap = fit.A if it else _normalised(A)
        gB = cossim.gradient_cosine(G, Ap, Bp, s, 3.0)[1]
        scale = np.linalg.norm(cossim.gradient_cosine(G, Ap, _normalised(B), s, 3.0)[1])
        assert np.linalg.norm(gB) <= 1e-10 * scale


def test_exact_b_normalises_init_rows():
    """"exact_b" normalises the rows of init first: rescaled rows give the same fit."""
    X, A, B = _problem(80, 15, 4, seed=3)
    G = cossim.gram_matrix(X)
    d = np.random.default_rng(2).uniform(0.2, 5.0, size=(15, 1))
    a = cossim.fit_cosine_model(G, 1.0, init=(A, B), max_iter=3, method="exact_b")
    b = cossim.fit_cosine_model(G, 1.0, init=(A * d, B / d), max_iter=3, method="exact_b")
    assert_allclose(a.A, b.A, rtol=1e-9, atol=1e-12)
    assert_allclose(a.objective, b.objective, rtol=1e-12)


def test_start_scale_and_path_of_joint_fit():
    """The start is init itself (joint) with s at its least-squares optimum c/q over unit rows;
    no path unless asked; a zero G (q = 0 at λ = 0) starts from s = 1."""
    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    An, Bn = _normalised(A), _normalised(B)
    cross = np.sum((G @ An) * Bn)
    quad = np.sum((An.T @ G @ An) * (Bn.T @ Bn)) + 0.5 * np.sum((An.T @ An) * (Bn.T @ Bn))
    fit = cossim.fit_cosine_model(G, 0.5, init=(A, B), max_iter=1, checkpoints=(0,))
    it, value, s0, B0 = fit.path[0]
    assert it == 0 and np.array_equal(B0, B)
    assert_allclose(s0, cross / quad, rtol=1e-13)
    assert_allclose(value, cossim.objective_cosine(G, A, B, cross / quad, 0.5), rtol=1e-13)
    assert cossim.fit_cosine_model(G, 0.5, init=(A, B), max_iter=1).path == ()
    zero = cossim.fit_cosine_model(np.zeros((15, 15)), 0.0, init=(A, B), max_iter=1, checkpoints=(0,))
    assert zero.path[0][2] == 1.0


def test_fit_options_reach_lbfgs():
    """max_iter bounds the iterations (n_iter is L-BFGS's count); tol = 0 and gtol = 0 are allowed."""
    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    fit = cossim.fit_cosine_model(G, 0.5, init=(A, B), max_iter=3, tol=0.0, gtol=0.0)
    assert fit.n_iter == 3 and type(fit.n_iter) is int and not fit.converged
    loose = cossim.fit_cosine_model(G, 0.5, init=(A, B), max_iter=500, tol=1e-3)
    tight = cossim.fit_cosine_model(G, 0.5, init=(A, B), max_iter=500, tol=1e-14, gtol=0.0)
    assert loose.n_iter < tight.n_iter


def test_fit_defaults():
    import inspect

    params = inspect.signature(cossim.fit_cosine_model).parameters
    assert {n: params[n].default for n in ("max_iter", "tol", "seed", "method", "gtol", "checkpoints")} \
        == {"max_iter": 1000, "tol": 1e-12, "seed": 0, "method": "joint", "gtol": 1e-9, "checkpoints": ()}


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(tol=-1e-3), ValueError, "^tol must"),
    (dict(gtol=-1e-3), ValueError, "^gtol must"),
    (dict(checkpoints=(-1,)), ValueError, "^checkpoints must"),
    (dict(checkpoints=(0.5,)), TypeError, "^checkpoints must"),
    (dict(k=16), ValueError, "^k must satisfy 1 <= k <= 15, got 16$"),
])
def test_fit_option_messages(kwargs, error, match):
    G = cossim.gram_matrix(_problem()[0])
    kwargs = {"k": 3, **kwargs}
    with pytest.raises(error, match=match):
        cossim.fit_cosine_model(G, 1.0, **kwargs)


@pytest.mark.parametrize("init, k, error, match", [
    ((np.ones((14, 3)), np.ones((15, 3))), None, ValueError, "^init\\[0\\] has 14 rows, expected 15$"),
    ((np.ones((15, 3)), np.ones((14, 3))), None, ValueError, "^init\\[1\\] has 14 rows, expected 15$"),
    ((np.ones((15, 3)), np.ones((15, 2))), None, ValueError, "^init\\[1\\] has 2 columns, expected 3$"),
    ((np.ones((15, 3)), np.ones((15, 3)), np.ones((15, 3))), None, TypeError, "^init must be a pair \\(A, B\\)$"),
    ((np.ones((15, 3)), np.ones((15, 3))), 2, ValueError, "^k=2 does not match init with 3 columns$"),
    ((np.ones((15, 3)), np.ones((15, 3))), 16, ValueError, "^k must satisfy 1 <= k <= 15, got 16$"),
    ([np.ones((15, 3)), np.ones((15, 3))], None, TypeError, "^init must be a pair \\(A, B\\)$"),
])
def test_init_messages(init, k, error, match):
    G = cossim.gram_matrix(_problem()[0])
    with pytest.raises(error, match=match):
        cossim.fit_cosine_model(G, 1.0, k, init=init)


def test_init_with_matching_k_and_distinct_factors():
    """k equal to init's columns is accepted; init[0] is A and init[1] is B (not swapped)."""
    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    fit = cossim.fit_cosine_model(G, 0.5, 4, init=(A, B), max_iter=1, checkpoints=(0,))
    assert np.array_equal(fit.path[0][3], B)


@pytest.mark.parametrize("fn", ["gradient_cosine", "direction_gradient_norm"])
def test_scale_message(fn):
    X, A, B = _problem()
    with pytest.raises(TypeError, match="^scale must be a real number"):
        getattr(cossim.paper.cosine_model, fn)(cossim.gram_matrix(X), A, B, "1", 1.0)


def test_fit_default_iteration_limit_and_seed():
    """Without a tolerance L-BFGS runs to the default limit of 1000 iterations; the random
    start uses seed 0 by default."""
    X = (np.random.default_rng(0).random((30, 6)) < 0.4).astype(float)
    G = cossim.gram_matrix(X)
    assert cossim.fit_cosine_model(G, 0.5, 3, tol=0.0, gtol=0.0).n_iter == 1000
    a = cossim.fit_cosine_model(G, 0.5, 3, max_iter=2)
    assert np.array_equal(a.A, cossim.fit_cosine_model(G, 0.5, 3, max_iter=2, seed=0).A)


def test_fit_is_lbfgs_with_memory_30_from_the_least_squares_scale():
    """The fit equals scipy's L-BFGS-B (memory 30) run on the same objective from (A, B, s₀),
    iterate for iterate."""
    from cossim.paper.cosine_model import _JointProblem

    X, A, B = _problem()
    G = cossim.gram_matrix(X)
    # 45 iterations: more than the 30 corrections L-BFGS keeps, so the memory size shows
    fit = cossim.fit_cosine_model(G, 0.5, init=(A, B), max_iter=45, tol=0.0, gtol=0.0, checkpoints=(0,))
    s0 = fit.path[0][2]
    problem = _JointProblem(G, 0.5, A.shape, float(np.trace(G)))
    theta0 = problem.pack(A, B, s0)
    res = scipy.optimize.minimize(problem, theta0, jac=True, method="L-BFGS-B",
                                  options={"maxiter": 45, "ftol": 0.0, "gtol": 0.0, "maxcor": 30})
    assert fit.n_iter == res.nit
    assert_allclose(fit.A, problem.unpack(res.x)[0], rtol=0, atol=0)


def test_start_scale_when_the_quadratic_term_is_below_one():
    """s₀ = c/q also for q < 1 (a small G): only q = 0 falls back to s₀ = 1."""
    X, A, B = _problem()
    G = cossim.gram_matrix(X) * 1e-4
    An, Bn = _normalised(A), _normalised(B)
    cross = np.sum((G @ An) * Bn)
    quad = np.sum((An.T @ G @ An) * (Bn.T @ Bn))
    assert 0 < quad < 1
    fit = cossim.fit_cosine_model(G, 0.0, init=(A, B), max_iter=1, checkpoints=(0,))
    assert_allclose(fit.path[0][2], cross / quad, rtol=1e-13)


def test_best_unit_rows_near_the_hard_case():
    """ĉ₁ from 10⁻³ down to 10⁻¹⁵⁰ (ν → μ₁, the bisection bracket grows to hundreds in log g):
    still unit rows at the global minimum, approaching the hard-case solution (√¾, ½)."""
    M = np.diag([0.0, 2.0])
    c1 = 10.0 ** -np.array([3.0, 8.0, 20.0, 60.0, 150.0])
    C = np.column_stack([c1, np.ones_like(c1)])
    B = cossim.paper.cosine_model.best_unit_rows(M, C, 1.0)
    assert_allclose(np.linalg.norm(B, axis=1), 1.0, rtol=1e-14)
    assert_allclose(B[1:], np.tile([np.sqrt(0.75), 0.5], (4, 1)), rtol=1e-6)
    f = lambda b, c: b @ M @ b - 2 * c @ b  # noqa: E731
    theta = np.linspace(0, 2 * np.pi, 20001)
    circle = np.column_stack([np.cos(theta), np.sin(theta)])
    for b, c in zip(B, C):
        assert f(b, c) <= min(f(u, c) for u in circle[::50]) + 1e-12
        assert_allclose(b[1], 0.5 if c[0] < 1e-5 else b[1], rtol=1e-6)


def _reference_gap(w, shift, lo, hi):
    """The bisection and Newton steps of best_unit_rows written as plain expressions (fresh temporaries)."""
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        big = (w / (shift + np.exp(mid)[:, None]) ** 2).sum(axis=1) > 1.0
        lo, hi = np.where(big, mid, lo), np.where(big, hi, mid)
    gap = np.exp(lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(4):
            d = shift + gap[:, None]
            phi = (w / d**2).sum(axis=1)
            dphi = -2.0 * (w / d**3).sum(axis=1)
            step = (phi**-0.5 - 1.0) / (-0.5 * phi**-1.5 * dphi)
            gap = np.where(np.isfinite(step) & (gap - step > 0), gap - step, gap)
    return gap


@pytest.mark.parametrize("scale", [0.7, -2.5, 1e-3])
def test_unit_gap_buffers_give_the_bits_of_the_plain_expressions(scale):
    # the buffered secular-equation solve must reproduce every bit of the plain one: an
    # L-BFGS trajectory (Chapter 3's fits) depends on every bit of each evaluation
    cm = cossim.paper.cosine_model
    rng = np.random.default_rng(3)
    R = rng.standard_normal((6, 6))
    mu = np.linalg.eigvalsh(R @ R.T)
    C = rng.standard_normal((300, 6)) * rng.uniform(1e-3, 1e3, (300, 1))
    C[:3] = 0.0
    w = C**2 / scale**2
    tiny = np.finfo(np.float64).tiny
    lo = 0.5 * np.log(np.maximum(w[:, 0], tiny))
    hi = 0.5 * np.log(np.maximum(w.sum(axis=1), tiny))
    shift = (mu - mu[0])[None, :]
    gap = cm._unit_gap(w, shift, lo, hi)
    assert np.array_equal(gap, _reference_gap(w, shift, lo, hi))
    assert not np.array_equal(gap, _reference_gap(w, shift, lo, hi * (1 + 1e-9)))  # the check can fail


def _reference_value_grad(G, A, B, s, lam, trace_G):
    """The cosine objective and its gradient as plain expressions, every product formed anew."""
    An, inv_a = cossim.linalg.similarity.unit_rows(A)
    Bn, inv_b = cossim.linalg.similarity.unit_rows(B)
    GA = G @ An
    AtGA, AtA, BtB = An.T @ GA, An.T @ An, Bn.T @ Bn
    cross = float(np.sum(GA * Bn))
    quad = float(np.sum(AtGA * BtB)) + lam * float(np.sum(AtA * BtB))
    value = trace_G - 2.0 * s * cross + s**2 * quad
    gAn = -2.0 * s * (G @ Bn) + 2.0 * s**2 * (GA @ BtB + lam * (An @ BtB))
    gBn = -2.0 * s * GA + 2.0 * s**2 * (Bn @ AtGA + lam * (Bn @ AtA))
    back = lambda g, En, inv: (g - En * np.einsum("ij,ij->i", En, g)[:, None]) * inv[:, None]  # noqa: E731
    return value, back(gAn, An, inv_a), back(gBn, Bn, inv_b), -2.0 * cross + 2.0 * s * quad


def test_exact_b_evaluation_has_the_bits_of_the_plain_computation():
    cm = cossim.paper.cosine_model
    X, A, _ = _problem(n=80, p=30, k=5, seed=4)
    G, lam, s = X.T @ X, 3.0, 0.8
    trace_G = float(np.trace(G))
    problem = cm._ExactBProblem(G, lam, A.shape, trace_G)
    value, grad = problem(problem.pack(A, None, s))
    An = cossim.linalg.similarity.unit_rows(A)[0]
    GA = G @ An
    B = cm.best_unit_rows(An.T @ GA + lam * (An.T @ An), GA, s)
    ref = _reference_value_grad(G, A, B, s, lam, trace_G)
    assert value == ref[0]
    assert np.array_equal(grad, np.concatenate([ref[1].ravel(), [ref[3]]]))
    joint = cm._JointProblem(G, lam, A.shape, trace_G)
    value, grad = joint(joint.pack(A, B, s))
    assert value == ref[0]
    assert np.array_equal(grad, np.concatenate([ref[1].ravel(), ref[2].ravel(), [ref[3]]]))
