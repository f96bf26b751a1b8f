"""cossim.paper.models: the paper's Section 2 claims, checked numerically on random data."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim

SCALINGS = [0.0, 0.5, 1.0, "a", "b", "symmetric", "inv_sqrt_sigma", -0.7, 1.8]


def data(seed=0, n=80, p=12, density=0.35):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < density).astype(float)


def random_orthogonal(rng, k):
    Q, R = np.linalg.qr(rng.standard_normal((k, k)))
    return Q * np.sign(np.diag(R))


def grad_scale(X):
    return np.linalg.norm(X, 2) ** 2 * max(1.0, np.abs(X).max())


# ---------------------------------------------------------------- closed forms
@pytest.mark.parametrize("k", [3, 12])
@pytest.mark.parametrize("scaling", SCALINGS)
def test_eq1_product_is_the_shrunk_projection(k, scaling):
    """ÂB̂ᵀ = V_k dMat(1/(1+λ/σ²)) V_kᵀ for every member of the family (Eq. 5 and Eq. 3)."""
    X, lam = data(), 7.0
    A, B = cossim.fit_eq1(X, k, lam, scaling)
    _, s, Vt = np.linalg.svd(X)
    V = Vt[:k].T
    expected = V @ np.diag(1 / (1 + lam / s[:k] ** 2)) @ V.T
    assert_allclose(A @ B.T, expected, atol=1e-12)


def test_eq1_named_choices():
    """(a): B = V_k; (b): A = V_k; symmetric: A = B (Eq. 5)."""
    X, lam, k = data(), 4.0, 5
    spec = cossim.top_singular(X, k)
    m = 1 / (1 + lam / spec.sigma**2)
    A, B = cossim.eq1_factors(spec, lam, "a")
    assert_allclose(B, spec.V, atol=1e-14)
    assert_allclose(A, spec.V * m, atol=1e-14)
    A, B = cossim.eq1_factors(spec, lam, "b")
    assert_allclose(A, spec.V, atol=1e-14)
    A, B = cossim.eq1_factors(spec, lam, "symmetric")
    assert_allclose(A, B, atol=1e-14)
    A, B = cossim.eq1_factors(spec, lam, "inv_sqrt_sigma")
    assert_allclose(A, spec.V * np.sqrt(m / spec.sigma), atol=1e-14)
    assert_allclose(B, spec.V * np.sqrt(m * spec.sigma), atol=1e-14)


@pytest.mark.parametrize("lam", [0.0, 0.5, 2.0, 50.0])
def test_eq2_soft_thresholds_the_spectrum(lam):
    """XÂB̂ᵀ = U_k dMat((σ − λ)₊) V_kᵀ and XÂ, B̂ share the diagonal √(σ(1 − λ/σ)₊) (Eq. 6)."""
    X, k = data(1), 8
    A, B = cossim.fit_eq2(X, k, lam)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    U, s, V = U[:, :k], s[:k], Vt[:k].T
    expected = U @ np.diag(np.maximum(s - lam, 0)) @ V.T
    assert_allclose(X @ A @ B.T, expected, atol=1e-10)
    assert_allclose(np.linalg.norm(X @ A, axis=0), np.linalg.norm(B, axis=0), atol=1e-10)


# ----------------------------------------------------------------- optimality
@pytest.mark.parametrize("k", [1, 4, 12])
@pytest.mark.parametrize("scaling", ["a", "symmetric", "b", "inv_sqrt_sigma"])
def test_eq1_gradient_vanishes(k, scaling):
    X, lam = data(2), 3.0
    A, B = cossim.fit_eq1(X, k, lam, scaling)
    dA, dB = cossim.gradient_eq1(X, A, B, lam)
    assert np.abs(dA).max() < 1e-10 * grad_scale(X)
    assert np.abs(dB).max() < 1e-10 * grad_scale(X)


@pytest.mark.parametrize("k", [1, 4, 12])
@pytest.mark.parametrize("lam", [0.5, 3.0, 40.0])
def test_eq2_gradient_vanishes(k, lam):
    X = data(3)
    A, B = cossim.fit_eq2(X, k, lam)
    dA, dB = cossim.gradient_eq2(X, A, B, lam)
    assert np.abs(dA).max() < 1e-10 * grad_scale(X)
    assert np.abs(dB).max() < 1e-10 * grad_scale(X)


@pytest.mark.parametrize("which", ["eq1", "eq2"])
def test_gradients_match_finite_differences(which):
    rng = np.random.default_rng(4)
    X, lam = data(4, n=20, p=6), 1.5
    A, B = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    f = cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2
    g = cossim.gradient_eq1 if which == "eq1" else cossim.gradient_eq2
    dA, dB = g(X, A, B, lam)
    h = 1e-6
    for M, dM, slot in ((A, dA, 0), (B, dB, 1)):
        num = np.zeros_like(M)
        for idx in np.ndindex(*M.shape):
            E = np.zeros_like(M)
            E[idx] = h
            args_p = (A + E, B) if slot == 0 else (A, B + E)
            args_m = (A - E, B) if slot == 0 else (A, B - E)
            num[idx] = (f(X, *args_p, lam) - f(X, *args_m, lam)) / (2 * h)
        assert_allclose(dM, num, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k", [2, 6, 12])
def test_no_perturbation_or_random_point_does_better(k):
    rng = np.random.default_rng(5)
    X, lam1, lam2 = data(5), 6.0, 1.0
    A1, B1 = cossim.fit_eq1(X, k, lam1)
    A2, B2 = cossim.fit_eq2(X, k, lam2)
    best1 = cossim.objective_eq1(X, A1, B1, lam1)
    best2 = cossim.objective_eq2(X, A2, B2, lam2)
    slack = 1e-9 * (1 + np.sum(X**2))
    for eps in (1e-4, 1e-2, 1e-1, 1.0):
        for _ in range(20):
            E, F = rng.standard_normal((2, X.shape[1], k)) * eps
            assert cossim.objective_eq1(X, A1 + E, B1 + F, lam1) >= best1 - slack
            assert cossim.objective_eq2(X, A2 + E, B2 + F, lam2) >= best2 - slack
    for _ in range(50):
        A, B = rng.standard_normal((2, X.shape[1], k)) * rng.uniform(0.01, 1)
        assert cossim.objective_eq1(X, A, B, lam1) >= best1 - slack
        assert cossim.objective_eq2(X, A, B, lam2) >= best2 - slack


@pytest.mark.parametrize("k", [1, 3, 7])
def test_truncation_beats_random_rank_k_subspaces(k):
    """For k < p the top-k truncation (reduced-rank ridge) beats every random rank-k subspace,
    each fitted optimally: with row space Q, the best W = A Qᵀ has A = (G + λI)⁻¹ G Q."""
    rng = np.random.default_rng(6)
    X, lam = data(6), 5.0
    p = X.shape[1]
    G = X.T @ X
    A, B = cossim.fit_eq1(X, k, lam)
    best = cossim.objective_eq1(X, A, B, lam)
    for _ in range(200):
        Q, _ = np.linalg.qr(rng.standard_normal((p, k)))
        A_q = np.linalg.solve(G + lam * np.eye(p), G @ Q)
        assert cossim.objective_eq1(X, A_q, Q, lam) >= best - 1e-9
    # and every other choice of k singular directions loses too
    spec = cossim.top_singular(X)
    m = cossim.eq1_shrinkage(spec.sigma, lam)
    for _ in range(50):
        idx = rng.choice(p, size=k, replace=False)
        if set(idx) == set(range(k)):
            continue
        V = spec.V[:, idx]
        assert cossim.objective_eq1(X, V * m[idx], V, lam) > best - 1e-9


# ----------------------------------------------------------------- invariances
def _random_problem(seed, n, p, k, lam_low):
    """(rng, X, A, B, λ) with Gaussian entries and λ uniform on [lam_low, 10]."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    A, B = rng.standard_normal((2, p, k))
    return rng, X, A, B, float(rng.uniform(lam_low, 10))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30), p=st.integers(2, 10), data_=st.data())
def test_eq1_invariant_to_diagonal_rescaling_and_rotation(seed, n, p, data_):
    """Eq. (3): (ÂD, B̂D⁻¹) and (ÂR, B̂R) leave Eq. (1) unchanged, for any factors."""
    k = data_.draw(st.integers(1, p))
    rng, X, A, B, lam = _random_problem(seed, n, p, k, 0.0)
    d = rng.uniform(0.2, 5, k) * rng.choice([-1, 1], k)
    base = cossim.objective_eq1(X, A, B, lam)
    assert_allclose(cossim.objective_eq1(X, *cossim.rescale(A, B, d), lam), base, rtol=1e-9)
    R = random_orthogonal(rng, k)
    assert_allclose(cossim.objective_eq1(X, A @ R, B @ R, lam), base, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), p=st.integers(2, 10), data_=st.data())
def test_eq2_invariant_to_rotation_only(seed, n, p, data_):
    k = data_.draw(st.integers(1, p))
    rng, X, A, B, lam = _random_problem(seed, n, p, k, 0.1)
    base = cossim.objective_eq2(X, A, B, lam)
    R = random_orthogonal(rng, k)
    assert_allclose(cossim.objective_eq2(X, A @ R, B @ R, lam), base, rtol=1e-9)


def test_eq2_is_not_invariant_to_diagonal_rescaling():
    """At the Eq. (6) optimum, every non-trivial D strictly increases Eq. (2)."""
    rng = np.random.default_rng(7)
    X, lam, k = data(7), 1.0, 5
    A, B = cossim.fit_eq2(X, k, lam)
    best = cossim.objective_eq2(X, A, B, lam)
    assert np.all(np.linalg.norm(B, axis=0) > 0)  # all k components active
    for _ in range(20):
        d = rng.uniform(0.5, 2.0, k)
        worse = cossim.objective_eq2(X, *cossim.rescale(A, B, d), lam)
        assert worse > best + 1e-6 * np.max(np.abs(np.log(d)))**2 * best
    d = np.ones(k)
    d[0] = 2.0
    assert cossim.objective_eq2(X, *cossim.rescale(A, B, d), lam) > best * (1 + 1e-4)


# ------------------------------------------------- full rank: choices (a), (b)
def test_choice_a_item_item_cosine_is_identity_and_ranking_matches_dot():
    X, lam = data(8, n=100, p=15), 3.0
    p = X.shape[1]
    A, B = cossim.fit_eq1(X, p, lam, "a")
    assert_allclose(cossim.item_item_cosine(B), np.eye(p), atol=1e-12)
    dot = (X @ A) @ B.T
    cos = cossim.user_item_cosine(X, A, B)
    for u in range(X.shape[0]):
        if np.any(dot[u] != 0):
            assert np.array_equal(np.argsort(-cos[u], kind="stable"),
                                  np.argsort(-dot[u] / np.linalg.norm((X @ A)[u]), kind="stable"))
            # the per-user ranking is exactly the dot product's: cos = dot / ‖x_u A‖
            assert_allclose(cos[u] * np.linalg.norm((X @ A)[u]), dot[u], atol=1e-12)


def test_choice_b_user_user_cosine_is_raw_data_cosine():
    X, lam = data(9, n=40, p=15), 3.0
    A, B = cossim.fit_eq1(X, X.shape[1], lam, "b")
    assert_allclose(cossim.user_user_cosine(X, A), cossim.cosine_similarity(X), atol=1e-12)


def test_choices_a_and_b_give_different_item_item_cosines():
    X, lam = data(10, n=100, p=15), 30.0
    p = X.shape[1]
    _, Ba = cossim.fit_eq1(X, p, lam, "a")
    _, Bb = cossim.fit_eq1(X, p, lam, "b")
    off = ~np.eye(p, dtype=bool)
    assert np.abs(cossim.item_item_cosine(Bb)[off]).max() > 0.1
    assert np.abs(cossim.item_item_cosine(Ba)[off]).max() < 1e-12


def test_sparse_fit_equals_dense_fit():
    X = data(11)
    for fit, args in ((cossim.fit_eq1, (5, 2.0, "symmetric")), (cossim.fit_eq2, (5, 1.0))):
        dense = fit(X, *args)
        sparse = fit(sp.csr_matrix(X), *args)
        assert_allclose(sparse.A, dense.A, atol=1e-10)
        assert_allclose(sparse.B, dense.B, atol=1e-10)


def test_objectives_sparse_large_path_matches_dense():
    """The trace formula used for large or sparse X equals the direct residual."""
    X = data(12)
    rng = np.random.default_rng(12)
    A, B = rng.standard_normal((2, X.shape[1], 4))
    for f in (cossim.objective_eq1, cossim.objective_eq2):
        assert_allclose(f(sp.csr_matrix(X), A, B, 2.0), f(X, A, B, 2.0), rtol=1e-10)


# ------------------------------------------------------------------ edge cases
def test_zero_singular_values_give_zero_components_not_nan():
    X = np.zeros((5, 4))
    X[:, 0] = 1.0  # rank 1
    for scaling in SCALINGS:
        A, B = cossim.fit_eq1(X, 4, 1.0, scaling)
        assert np.all(np.isfinite(A)) and np.all(np.isfinite(B))
        assert np.all(A[:, 1:] == 0) and np.all(B[:, 1:] == 0)
    A, B = cossim.fit_eq2(X, 4, 1.0)
    assert np.all(np.isfinite(A)) and np.all(B[:, 1:] == 0)


def test_lambda_zero_eq1_is_projection():
    X = data(13)
    A, B = cossim.fit_eq1(X, X.shape[1], 0.0)
    assert_allclose(A @ B.T, np.eye(X.shape[1]), atol=1e-9)


def test_eq2_components_below_lambda_are_zero():
    X = data(14)
    s = np.linalg.svd(X, compute_uv=False)
    lam = float((s[2] + s[3]) / 2)
    A, B = cossim.fit_eq2(X, 6, lam)
    assert np.all(np.linalg.norm(B, axis=0)[:3] > 0)
    assert np.all(B[:, 3:] == 0) and np.all(A[:, 3:] == 0)


@pytest.mark.parametrize("call, exc, msg", [
    (lambda X: cossim.fit_eq1(X, 2, -1.0), ValueError, "lam must be non-negative"),
    (lambda X: cossim.fit_eq1(X, 2, np.nan), ValueError, "lam must be finite"),
    (lambda X: cossim.fit_eq1(X, 2, np.inf), ValueError, "lam must be finite"),
    (lambda X: cossim.fit_eq1(X, 2, "1"), TypeError, "lam must be a real number"),
    (lambda X: cossim.fit_eq2(X, 0, 1.0), ValueError, "k must satisfy"),
    (lambda X: cossim.fit_eq2(X, 99, 1.0), ValueError, "k must satisfy"),
    (lambda X: cossim.fit_eq1(X, 2, 1.0, "c"), ValueError, "scaling"),
    (lambda X: cossim.fit_eq1(X, 2, 1.0, np.nan), ValueError, "scaling"),
    (lambda X: cossim.rescale(np.ones((4, 2)), np.ones((4, 2)), [1.0, 0.0]), ValueError, "not invertible"),
    (lambda X: cossim.rescale(np.ones((4, 2)), np.ones((4, 2)), [1.0]), ValueError, "d has length"),
    (lambda X: cossim.rescale(np.ones((4, 2)), np.ones((3, 2)), [1.0, 1.0]), ValueError, "B has 3 rows"),
    (lambda X: cossim.objective_eq1(X, np.ones((5, 2)), np.ones((5, 2)), 1.0), ValueError, "A has 5 rows"),
    (lambda X: cossim.objective_eq2(X, np.ones((4, 2)), np.ones((4, 3)), 1.0), ValueError, "B has 3 columns"),
    (lambda X: cossim.gradient_eq1(X, np.full((4, 2), np.nan), np.ones((4, 2)), 1.0), ValueError, "A contains NaN"),
    (lambda X: cossim.eq1_shrinkage([-1.0], 1.0), ValueError, "sigma"),
    (lambda X: cossim.eq1_factors((np.ones(2),), 1.0), TypeError, "spectrum"),
])
def test_bad_arguments_are_named(call, exc, msg):
    X = data(15, n=10, p=4)
    with pytest.raises(exc, match=msg):
        call(X)


# ------------------------------------------- the one objective / gradient from G

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), which=st.sampled_from(["eq1", "eq2"]))
def test_objective_from_gram_matches_x_based(seed, which):
    """Both routes compute the same number; they differ only in summation order,
    so they agree to a few ulps of the largest term (‖X‖², ‖XABᵀ‖², the penalty)."""
    from cossim.paper.models import objective_from_gram

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((25, 7))
    A, B = rng.standard_normal((2, 7, 3))
    lam = float(rng.uniform(0, 5))
    G = cossim.gram_matrix(X)
    via_x = (cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2)(X, A, B, lam)
    XA = X @ A
    scale = (np.sum(X**2) + np.sum((XA @ B.T) ** 2)
             + lam * (np.sum((A @ B.T) ** 2) + np.sum(XA**2) + np.sum(B**2)))
    assert abs(objective_from_gram(G, A, B, lam, which) - via_x) <= 1e-12 * scale


@pytest.mark.parametrize("which", ["eq1", "eq2"])
def test_gradient_from_products_matches_finite_differences(which):
    from cossim.paper.models import gradient_from_products, gram_products, objective_from_gram

    rng = np.random.default_rng(11)
    X = rng.standard_normal((30, 6))
    A, B = rng.standard_normal((2, 6, 2))
    lam = 0.8
    G = cossim.gram_matrix(X)
    dA, dB = gradient_from_products(A, B, G @ B, lam, which, gram_products(G, A, B))
    ref = (cossim.gradient_eq1 if which == "eq1" else cossim.gradient_eq2)(X, A, B, lam)
    # the X route forms XᵀXA as Xᵀ(XA): same formula, other rounding
    assert_allclose(dA, ref.A, rtol=1e-12, atol=1e-12 * np.abs(ref.A).max())
    assert_allclose(dB, ref.B, rtol=1e-12, atol=1e-12 * np.abs(ref.B).max())
    h = 1e-6
    for M, dM, name in ((A, dA, "A"), (B, dB, "B")):
        for i, j in [(0, 0), (3, 1), (5, 0)]:
            E = np.zeros_like(M)
            E[i, j] = h
            args = {"A": A, "B": B}
            plus = dict(args, **{name: M + E})
            minus = dict(args, **{name: M - E})
            fd = (objective_from_gram(G, plus["A"], plus["B"], lam, which)
                  - objective_from_gram(G, minus["A"], minus["B"], lam, which)) / (2 * h)
            assert_allclose(dM[i, j], fd, rtol=1e-6, atol=1e-6)


def test_objective_from_gram_bad_input():
    from cossim.paper.models import objective_from_gram

    G = np.eye(3)
    with pytest.raises(ValueError, match="which must be one of 'eq1', 'eq2'"):
        objective_from_gram(G, np.ones((3, 1)), np.ones((3, 1)), 1.0, "eq3")
    with pytest.raises(ValueError, match="G must be square"):
        objective_from_gram(np.ones((3, 2)), np.ones((3, 1)), np.ones((3, 1)), 1.0)
