"""cossim.paper.models: the paper's Section 2 claims, checked numerically on random data."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import cossim
from cossim.paper.models import objective_from_gram
from cossim.report.tolerances import (
    U,
    cosine_tolerance,
    gamma,
    gradient_tolerance,
    product_tolerance,
    singular_vector_tolerance,
    value_tolerance,
)

SCALINGS = [0.0, 0.5, 1.0, "a", "b", "symmetric", "inv_sqrt_sigma", -0.7, 1.8]


def data(seed=0, n=80, p=12, density=0.35):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < density).astype(float)


def random_orthogonal(rng, k):
    Q, R = np.linalg.qr(rng.standard_normal((k, k)))
    return Q * np.sign(np.diag(R))


def shrunk_projection_tol(X, k, m):
    """Tolerance for V_k dMat(m) V_kᵀ computed from two different spectra: each v_i moves by at most
    δ (:func:`singular_vector_tolerance`), so each entry by at most 2δ·Σ m_i, plus product rounding."""
    return 2 * singular_vector_tolerance(X, k) * float(np.sum(m)) + 4 * gamma(k) * float(np.max(m))


# ---------------------------------------------------------------- closed forms
@pytest.mark.parametrize("k", [3, 12])
@pytest.mark.parametrize("scaling", SCALINGS)
def test_eq1_product_is_the_shrunk_projection(k, scaling):
    """ÂB̂ᵀ = V_k dMat(1/(1+λ/σ²)) V_kᵀ for every member of the family (Eq. 5 and Eq. 3)."""
    X, lam = data(), 7.0
    A, B = cossim.fit_eq1(X, k, lam, scaling)
    _, s, Vt = np.linalg.svd(X)
    V = Vt[:k].T
    m = 1 / (1 + lam / s[:k] ** 2)
    assert_allclose(A @ B.T, V @ np.diag(m) @ V.T, rtol=0, atol=shrunk_projection_tol(X, k, m))


def test_eq1_named_choices():
    """γ = 0 ("a"): B = V_k; γ = 1 ("b"): A = V_k; symmetric: A = B (Eq. 5). At k = p these are
    the paper's full-rank choices (a) and (b); here k < p, their rank-k counterparts.
    Each entry is a product of V with one or two roundings of m: relative 4u."""
    X, lam, k = data(), 4.0, 5
    spec = cossim.top_singular(X, k)
    m = 1 / (1 + lam / spec.sigma**2)
    A, B = cossim.eq1_factors(spec, lam, "a")
    assert_allclose(B, spec.V, rtol=4 * U, atol=0)
    assert_allclose(A, spec.V * m, rtol=4 * U, atol=0)
    A, B = cossim.eq1_factors(spec, lam, "b")
    assert_allclose(A, spec.V, rtol=4 * U, atol=0)
    A, B = cossim.eq1_factors(spec, lam, "symmetric")
    assert_allclose(A, B, rtol=0, atol=0)
    A, B = cossim.eq1_factors(spec, lam, "inv_sqrt_sigma")
    assert_allclose(A, spec.V * np.sqrt(m / spec.sigma), rtol=4 * U, atol=0)
    assert_allclose(B, spec.V * np.sqrt(m * spec.sigma), rtol=4 * U, atol=0)


@pytest.mark.parametrize("lam", [0.0, 0.5, 2.0, 50.0])
def test_eq2_soft_thresholds_the_spectrum(lam):
    """XÂB̂ᵀ = U_k dMat((σ − λ)₊) V_kᵀ and XÂ, B̂ share the diagonal √(σ(1 − λ/σ)₊) (Eq. 6)."""
    X, k = data(1), 8
    A, B = cossim.fit_eq2(X, k, lam)
    Us, s, Vt = np.linalg.svd(X, full_matrices=False)
    Us, s, V = Us[:, :k], s[:k], Vt[:k].T
    expected = Us @ np.diag(np.maximum(s - lam, 0)) @ V.T
    # XABᵀ = XV_k dMat(t) V_kᵀ with t = (σ − λ)₊/σ: each v_i moves by δ across the two
    # spectra, so an entry by at most 2δ‖X‖₂·Σt + product rounding γ_{p+k}|X||A||B|
    delta = singular_vector_tolerance(X, k)
    t = np.maximum(s - lam, 0) / s
    tol = 2 * delta * np.linalg.norm(X, 2) * t.sum() + float(product_tolerance(X, A, B.T).max())
    assert_allclose(X @ A @ B.T, expected, rtol=0, atol=tol)
    # balanced: ‖(XA)_j‖ = ‖B_j‖ = √((σ_j − λ)₊). ‖Xv_j‖ = σ_j up to the eigensolver's backward
    # error ‖E‖ ≤ γ_{n+p}‖X‖²_F, relative ‖E‖/(2σ_j²), plus the rounding of XA and the norms
    g = gamma(sum(X.shape))
    rel = g * (np.sum(X**2) / s**2 + 2)
    assert np.all(np.abs(np.linalg.norm(X @ A, axis=0) - np.linalg.norm(B, axis=0))
                  <= rel * np.linalg.norm(B, axis=0))


# ----------------------------------------------------------------- optimality
@pytest.mark.parametrize("k", [1, 4, 12])
@pytest.mark.parametrize("scaling", ["a", "symmetric", "b", "inv_sqrt_sigma"])
def test_eq1_gradient_vanishes(k, scaling):
    X, lam = data(2), 3.0
    A, B = cossim.fit_eq1(X, k, lam, scaling)
    dA, dB = cossim.gradient_eq1(X, A, B, lam)
    tol = gradient_tolerance(X, A, B, lam, "eq1")
    assert max(np.abs(dA).max(), np.abs(dB).max()) <= tol
    # and the tolerance is tight enough to catch λ off by 1 %
    wrong = cossim.fit_eq1(X, k, 1.01 * lam, scaling)
    assert max(np.abs(g).max() for g in cossim.gradient_eq1(X, *wrong, lam)) > tol


@pytest.mark.parametrize("k", [1, 4, 12])
@pytest.mark.parametrize("lam", [0.5, 3.0, 40.0])
def test_eq2_gradient_vanishes(k, lam):
    X = data(3)
    A, B = cossim.fit_eq2(X, k, lam)
    dA, dB = cossim.gradient_eq2(X, A, B, lam)
    tol = gradient_tolerance(X, A, B, lam, "eq2")
    assert max(np.abs(dA).max(), np.abs(dB).max()) <= tol
    wrong = cossim.fit_eq2(X, k, 1.01 * lam)
    if np.any(np.linalg.norm(wrong.B, axis=0) > 0):
        assert max(np.abs(g).max() for g in cossim.gradient_eq2(X, *wrong, lam)) > tol


@pytest.mark.parametrize("which", ["eq1", "eq2"])
def test_gradients_match_finite_differences(which):
    """Both objectives are quadratic in each single entry of A or of B, so the central
    difference is exact; only rounding is left: two evaluations err by at most
    value_tolerance, divided by 2h."""
    rng = np.random.default_rng(4)
    X, lam = data(4, n=20, p=6), 1.5
    A, B = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    f = cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2
    g = cossim.gradient_eq1 if which == "eq1" else cossim.gradient_eq2
    dA, dB = g(X, A, B, lam)
    h = 1e-2
    tol = 2 * value_tolerance(X, A + h, B + h, lam, which) / (2 * h) \
        + gradient_tolerance(X, A, B, lam, which)
    for M, dM, slot in ((A, dA, 0), (B, dB, 1)):
        num = np.zeros_like(M)
        for idx in np.ndindex(*M.shape):
            E = np.zeros_like(M)
            E[idx] = h
            args_p = (A + E, B) if slot == 0 else (A, B + E)
            args_m = (A - E, B) if slot == 0 else (A, B - E)
            num[idx] = (f(X, *args_p, lam) - f(X, *args_m, lam)) / (2 * h)
        assert_allclose(dM, num, rtol=0, atol=tol)


@pytest.mark.parametrize("k", [2, 6, 12])
def test_no_perturbation_or_random_point_does_better(k):
    rng = np.random.default_rng(5)
    X, lam1, lam2 = data(5), 6.0, 1.0
    A1, B1 = cossim.fit_eq1(X, k, lam1)
    A2, B2 = cossim.fit_eq2(X, k, lam2)
    best1 = cossim.objective_eq1(X, A1, B1, lam1)
    best2 = cossim.objective_eq2(X, A2, B2, lam2)
    for eps in (1e-4, 1e-2, 1e-1, 1.0):
        for _ in range(20):
            E, F = rng.standard_normal((2, X.shape[1], k)) * eps
            slack1 = value_tolerance(X, A1 + E, B1 + F, lam1, "eq1")
            slack2 = value_tolerance(X, A2 + E, B2 + F, lam2, "eq2")
            assert cossim.objective_eq1(X, A1 + E, B1 + F, lam1) >= best1 - slack1
            assert cossim.objective_eq2(X, A2 + E, B2 + F, lam2) >= best2 - slack2
    for _ in range(50):
        A, B = rng.standard_normal((2, X.shape[1], k)) * rng.uniform(0.01, 1)
        assert cossim.objective_eq1(X, A, B, lam1) >= best1 - value_tolerance(X, A, B, lam1, "eq1")
        assert cossim.objective_eq2(X, A, B, lam2) >= best2 - value_tolerance(X, A, B, lam2, "eq2")


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
        assert cossim.objective_eq1(X, A_q, Q, lam) >= best - value_tolerance(X, A_q, Q, lam, "eq1")
    # and every other choice of k singular directions loses too
    spec = cossim.top_singular(X)
    m = cossim.eq1_shrinkage(spec.sigma, lam)
    for _ in range(50):
        idx = rng.choice(p, size=k, replace=False)
        if set(idx) == set(range(k)):
            continue
        V = spec.V[:, idx]
        assert cossim.objective_eq1(X, V * m[idx], V, lam) > best + value_tolerance(X, V * m[idx], V, lam, "eq1")


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
    A_d, B_d = cossim.rescale(A, B, d)
    tol = max(value_tolerance(X, A, B, lam, "eq1"), value_tolerance(X, A_d, B_d, lam, "eq1"))
    assert abs(cossim.objective_eq1(X, A_d, B_d, lam) - base) <= tol
    R = random_orthogonal(rng, k)
    tol = max(value_tolerance(X, A, B, lam, "eq1"), value_tolerance(X, A @ R, B @ R, lam, "eq1"))
    # the rotated factors carry their own rounding, γ_k relative (‖|A||R|‖ ≤ √k‖A‖)
    assert abs(cossim.objective_eq1(X, A @ R, B @ R, lam) - base) <= tol * (1 + k)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 30), p=st.integers(2, 10), data_=st.data())
def test_eq2_invariant_to_rotation_only(seed, n, p, data_):
    k = data_.draw(st.integers(1, p))
    rng, X, A, B, lam = _random_problem(seed, n, p, k, 0.1)
    base = cossim.objective_eq2(X, A, B, lam)
    R = random_orthogonal(rng, k)
    tol = max(value_tolerance(X, A, B, lam, "eq2"), value_tolerance(X, A @ R, B @ R, lam, "eq2"))
    assert abs(cossim.objective_eq2(X, A @ R, B @ R, lam) - base) <= tol * (1 + k)


def test_eq2_is_not_invariant_to_diagonal_rescaling():
    """At the Eq. (6) optimum D raises Eq. (2) by exactly λ Σ_j c_j²(d_j − 1/d_j)², c_j the common
    column norm of XA and B (Chapter 2's theorem), up to the rounding of two evaluations."""
    rng = np.random.default_rng(7)
    X, lam, k = data(7), 1.0, 5
    A, B = cossim.fit_eq2(X, k, lam)
    best = cossim.objective_eq2(X, A, B, lam)
    c2 = np.sum(B**2, axis=0)
    assert np.all(c2 > 0)  # all k components active
    for _ in range(20):
        d = rng.uniform(0.5, 2.0, k)
        A_d, B_d = cossim.rescale(A, B, d)
        tol = max(value_tolerance(X, A, B, lam, "eq2"), value_tolerance(X, A_d, B_d, lam, "eq2"))
        excess = lam * np.sum(c2 * (d - 1 / d) ** 2)
        assert abs(cossim.objective_eq2(X, A_d, B_d, lam) - best - excess) <= tol
        assert excess > tol


# ------------------------------------------------- full rank: choices (a), (b)
def test_choice_a_item_item_cosine_is_identity_and_ranking_matches_dot():
    X, lam = data(8, n=100, p=15), 3.0
    p = X.shape[1]
    A, B = cossim.fit_eq1(X, p, lam, "a")
    # rounding of a cosine of length-p rows, plus V's orthogonality error γ_p (both sides)
    cos_tol = 2 * cosine_tolerance(p) + 2 * gamma(p)
    assert_allclose(cossim.item_item_cosine(B), np.eye(p), rtol=0, atol=cos_tol)
    dot = (X @ A) @ B.T
    cos = cossim.user_item_cosine(X, A, B)
    for u in range(X.shape[0]):
        if np.any(dot[u] != 0):
            assert np.array_equal(np.argsort(-cos[u], kind="stable"),
                                  np.argsort(-dot[u] / np.linalg.norm((X @ A)[u]), kind="stable"))
            # the per-user ranking is exactly the dot product's: cos = dot / ‖x_u A‖
            # rounding: the cosine (relative cos_tol) and the scores themselves,
            # γ_{2p}·|x_u||A||b_i| ≤ γ_{2p}·‖x_u‖₁·max_j‖a_j‖ (unit rows b_i)
            tol = (cos_tol * np.abs(dot[u]).max()
                   + 2 * gamma(2 * p) * np.abs(X[u]).sum() * np.linalg.norm(A, axis=1).max())
            assert_allclose(cos[u] * np.linalg.norm((X @ A)[u]), dot[u], rtol=0, atol=tol)


def test_choice_b_user_user_cosine_is_raw_data_cosine():
    X, lam = data(9, n=40, p=15), 3.0
    A, B = cossim.fit_eq1(X, X.shape[1], lam, "b")
    # XV has the same row cosines as X; rounding: XV rows (γ_p relative, no cancellation
    # beyond ‖|x||V|‖ ≤ √p‖x‖), two cosines, V's orthogonality error
    p = X.shape[1]
    tol = 2 * cosine_tolerance(p) + 4 * np.sqrt(p) * gamma(p) + 2 * gamma(p)
    assert_allclose(cossim.user_user_cosine(X, A), cossim.cosine_similarity(X), rtol=0, atol=tol)


def test_choices_a_and_b_give_different_item_item_cosines():
    X, lam = data(10, n=100, p=15), 30.0
    p = X.shape[1]
    _, Ba = cossim.fit_eq1(X, p, lam, "a")
    _, Bb = cossim.fit_eq1(X, p, lam, "b")
    off = ~np.eye(p, dtype=bool)
    cos_tol = 2 * cosine_tolerance(p) + 2 * gamma(p)
    assert np.abs(cossim.item_item_cosine(Bb)[off]).max() > cos_tol
    assert np.abs(cossim.item_item_cosine(Ba)[off]).max() <= cos_tol


def test_sparse_fit_equals_dense_fit():
    X = data(11)
    # two spectra (sparse and dense routes): each factor column is a singular vector times
    # a scale, so it moves by at most δ·scale (signs are aligned by cossim's convention)
    delta = singular_vector_tolerance(X, 5)
    for fit, args in ((cossim.fit_eq1, (5, 2.0, "symmetric")), (cossim.fit_eq2, (5, 1.0))):
        dense = fit(X, *args)
        sparse = fit(sp.csr_matrix(X), *args)
        for a, b in ((sparse.A, dense.A), (sparse.B, dense.B)):
            scale = np.linalg.norm(b, axis=0)
            assert np.all(np.abs(a - b) <= delta * scale + 4 * U * np.abs(b))


def test_objectives_sparse_large_path_matches_dense():
    """The trace formula used for large or sparse X equals the direct residual."""
    X = data(12)
    rng = np.random.default_rng(12)
    A, B = rng.standard_normal((2, X.shape[1], 4))
    for f, which in ((cossim.objective_eq1, "eq1"), (cossim.objective_eq2, "eq2")):
        assert abs(f(sp.csr_matrix(X), A, B, 2.0) - f(X, A, B, 2.0)) <= value_tolerance(X, A, B, 2.0, which)


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
    p = X.shape[1]
    A, B = cossim.fit_eq1(X, p, 0.0)
    # V Vᵀ = I up to V's orthogonality error γ_p (each side) and the product's rounding
    assert_allclose(A @ B.T, np.eye(p), rtol=0, atol=2 * gamma(p) + 2 * gamma(p) * p)


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
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((25, 7))
    A, B = rng.standard_normal((2, 7, 3))
    lam = float(rng.uniform(0, 5))
    G = cossim.gram_matrix(X)
    via_x = (cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2)(X, A, B, lam)
    assert abs(objective_from_gram(G, A, B, lam, which) - via_x) <= value_tolerance(X, A, B, lam, which)


@pytest.mark.parametrize("which", ["eq1", "eq2"])
def test_gradient_from_products_matches_finite_differences(which):
    from cossim.paper.models import gradient_from_products, gram_products

    rng = np.random.default_rng(11)
    X = rng.standard_normal((30, 6))
    A, B = rng.standard_normal((2, 6, 2))
    lam = 0.8
    G = cossim.gram_matrix(X)
    dA, dB = gradient_from_products(A, B, G @ B, lam, which, gram_products(G, A, B))
    ref = (cossim.gradient_eq1 if which == "eq1" else cossim.gradient_eq2)(X, A, B, lam)
    # the X route forms XᵀXA as Xᵀ(XA): same formula, other rounding
    tol = gradient_tolerance(X, A, B, lam, which)
    assert_allclose(dA, ref.A, rtol=0, atol=tol)
    assert_allclose(dB, ref.B, rtol=0, atol=tol)
    h = 1e-2   # the objective is quadratic in one entry: the central difference is exact
    for M, dM, name in ((A, dA, "A"), (B, dB, "B")):
        for i, j in [(0, 0), (3, 1), (5, 0)]:
            E = np.zeros_like(M)
            E[i, j] = h
            args = {"A": A, "B": B}
            plus = dict(args, **{name: M + E})
            minus = dict(args, **{name: M - E})
            fd = (objective_from_gram(G, plus["A"], plus["B"], lam, which)
                  - objective_from_gram(G, minus["A"], minus["B"], lam, which)) / (2 * h)
            fd_tol = value_tolerance(X, plus["A"], plus["B"], lam, which) / h + tol
            assert abs(dM[i, j] - fd) <= fd_tol


def test_objective_from_gram_bad_input():
    from cossim.paper.models import objective_from_gram

    G = np.eye(3)
    with pytest.raises(ValueError, match="which must be one of 'eq1', 'eq2'"):
        objective_from_gram(G, np.ones((3, 1)), np.ones((3, 1)), 1.0, "eq3")
    with pytest.raises(ValueError, match="G must be square"):
        objective_from_gram(np.ones((3, 2)), np.ones((3, 1)), np.ones((3, 1)), 1.0)


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def _spectrum(sigma, p=3):
    return cossim.Spectrum(np.asarray(sigma, dtype=float), np.eye(p)[:, :len(sigma)])


def test_eq1_shrinkage_by_hand_and_at_zero():
    """m = σ²/(σ² + λ): 0.25/1.25 = 0.2 for σ = ½, λ = 1; σ = 0 gives 0 also at λ = 0 (no 0/0);
    an empty spectrum (k = 0) is allowed."""
    assert_allclose(cossim.eq1_shrinkage([0.5, 2.0], 1.0), [0.2, 0.8], rtol=1e-15)
    assert np.array_equal(cossim.eq1_shrinkage([0.0, 2.0], 0.0), [0.0, 1.0])
    assert cossim.eq1_shrinkage([], 1.0).shape == (0,)


def test_eq2_factors_at_and_below_lambda():
    """σ = λ exactly and σ = 0 with λ = 0 both give zero columns (no 0/0); σ = 4, λ = 2 gives
    a = √((1 − ½)/4), b = √((1 − ½)·4) on the first axis."""
    A, B = cossim.eq2_factors(_spectrum([4.0, 2.0, 0.0]), 2.0)
    assert_allclose(np.diag(A), [np.sqrt(0.5 / 4), 0.0, 0.0], rtol=1e-15)
    assert_allclose(np.diag(B), [np.sqrt(0.5 * 4), 0.0, 0.0], rtol=1e-15)
    A, B = cossim.eq2_factors(_spectrum([4.0, 0.0]), 0.0)
    assert np.all(np.isfinite(A)) and np.array_equal(A[:, 1], [0, 0, 0]) and np.array_equal(B[:, 1], [0, 0, 0])


def test_eq1_default_scaling_is_symmetric():
    spec = _spectrum([3.0, 1.0])
    for default, explicit in ((cossim.eq1_factors(spec, 1.0), cossim.eq1_factors(spec, 1.0, 0.5)),
                              (cossim.fit_eq1(data(), 2, 1.0), cossim.fit_eq1(data(), 2, 1.0, 0.5))):
        assert_allclose(default.A, explicit.A, rtol=0, atol=0)
        assert_allclose(default.B, explicit.B, rtol=0, atol=0)


@pytest.mark.parametrize("call, error, match", [
    (lambda: cossim.eq1_factors(_spectrum([1.0, -1.0]), 1.0), ValueError,
     "^spectrum.sigma must be finite and non-negative$"),
    (lambda: cossim.eq1_factors(cossim.Spectrum(np.ones(2), np.eye(3)), 1.0), ValueError,
     "^spectrum.V has 3 columns, expected 2$"),
    (lambda: cossim.eq1_factors(_spectrum([1.0]), 1.0, scaling=True), TypeError,
     "^scaling must be a number γ or a name, got bool$"),
    (lambda: cossim.eq1_factors(_spectrum([1.0]), 1.0, scaling=1j), TypeError,
     "^scaling must be a number γ or a name, got complex$"),
    (lambda: cossim.fit_eq1(np.ones((4, 2)), 3, 1.0), ValueError, "^k must satisfy 1 <= k <= 2, got 3$"),
    (lambda: cossim.fit_eq2(np.ones((4, 2)), 3, 1.0), ValueError, "^k must satisfy 1 <= k <= 2, got 3$"),
    (lambda: cossim.fit_eq1(np.ones((4, 2)), 1, 1.0, method="bogus"), ValueError, "^method must be one of"),
    (lambda: cossim.fit_eq2(np.ones((4, 2)), 1, 1.0, method="bogus"), ValueError, "^method must be one of"),
    (lambda: cossim.rescale(np.ones(3), np.ones((3, 1)), [1.0]), ValueError, "^A must be 2-D"),
    (lambda: cossim.rescale(np.ones((3, 2)), np.ones((3, 3)), [1.0, 1.0]), ValueError,
     "^B has 3 columns, expected 2$"),
    (lambda: cossim.objective_eq1(np.ones((4, 3)), np.ones((3, 1)), np.ones((4, 1)), 0.0), ValueError,
     "^B has 4 rows, expected 3$"),
    (lambda: cossim.user_embeddings(np.ones((4, 2)), np.ones((3, 1))), ValueError, "^A has 3 rows, expected 2$"),
    (lambda: cossim.user_embeddings(np.ones(4), np.ones((4, 1))), ValueError, "^X must be 2-D"),
])
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_fit_at_full_rank_k_equals_p():
    X = data(p=4)
    assert cossim.fit_eq1(X, 4, 1.0).A.shape == (4, 4)
    assert cossim.fit_eq2(X, 4, 1.0).B.shape == (4, 4)


def test_user_embeddings_by_hand_dense_and_sparse():
    """Row u of XA is the sum of the rows of A of u's items."""
    X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    expected = np.array([[6.0, 8.0], [3.0, 4.0]])
    for Xi in (X, sp.csr_matrix(X)):
        out = cossim.user_embeddings(Xi, A)
        assert isinstance(out, np.ndarray)
        assert_allclose(out, expected, rtol=0, atol=0)


def test_squared_norm_by_hand():
    from cossim.paper.models import squared_norm

    X = np.array([[1.0, 2.0], [3.0, 4.0]])  # 1 + 4 + 9 + 16
    assert squared_norm(X) == 30.0
    assert squared_norm(sp.csr_matrix(X)) == 30.0


def test_reconstruction_error_branches(monkeypatch):
    """X = [[1e8, 1], [1e8, 1]] with A = B = e₁: the residual is exactly 2. The dense branch
    (up to DENSE_RESIDUAL_MAX_ENTRIES entries, inclusive) returns it exactly; the trace branch
    cannot (2·10¹⁶ + 2 is not a float64: ‖X‖² rounds by 2), which shows the branch taken."""
    from cossim.paper import models

    X = np.array([[1e8, 1.0], [1e8, 1.0]])
    e1 = np.array([[1.0], [0.0]])
    assert cossim.objective_eq1(X, e1, e1, 0.0) == 2.0
    monkeypatch.setattr(models, "DENSE_RESIDUAL_MAX_ENTRIES", 4)  # n·p = 4: still dense
    assert cossim.objective_eq1(X, e1, e1, 0.0) == 2.0
    monkeypatch.setattr(models, "DENSE_RESIDUAL_MAX_ENTRIES", 3)  # n·p = 4 > 3, n/p = 1: traces
    assert cossim.objective_eq1(X, e1, e1, 0.0) in (0.0, 4.0)
    assert cossim.objective_eq1(sp.csr_matrix(X), e1, e1, 0.0) in (0.0, 4.0)


def test_sparse_residual_below_one_is_kept():
    """The trace branch clips only negative rounding: a residual of 0.25 stays 0.25."""
    X = sp.csr_matrix(np.array([[0.5]]))
    assert cossim.objective_eq1(X, np.zeros((1, 1)), np.zeros((1, 1)), 1.0) == 0.25


def test_objective_from_gram_default_is_eq1():
    rng = np.random.default_rng(0)
    X = data(p=5)
    A, B = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    G = X.T @ X
    assert objective_from_gram(G, A, B, 0.5) == objective_from_gram(G, A, B, 0.5, "eq1")
    assert objective_from_gram(G, A, B, 0.5) != objective_from_gram(G, A, B, 0.5, "eq2")


def test_gradient_from_products_rejects_an_unknown_objective():
    from cossim.paper.models import gradient_from_products, gram_products

    G, A = np.eye(2), np.ones((2, 1))
    with pytest.raises(ValueError, match="^which must be 'eq1' or 'eq2', got 'eq3'$"):
        gradient_from_products(A, A, G @ A, 0.0, "eq3", gram_products(G, A, A))
