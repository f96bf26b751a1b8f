"""Tests for cossim.paper.remedies (the paper's §3 remedies, Chapter 3)."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import cossim


def _data(n=60, p=15, density=0.3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < density).astype(float)


def _factors(p=15, k=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((p, k)), rng.standard_normal((p, k))


# ---------------------------------------------------------------- remedy 2

@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0])
def test_projected_cosines_identical_for_every_d(gamma):
    X = _data(50, 12, seed=4)
    spectrum = cossim.top_singular(X, 4)
    A, B = cossim.eq1_factors(spectrum, 3.0, 0.5)
    Ag, Bg = cossim.eq1_factors(spectrum, 3.0, gamma)
    rng = np.random.default_rng(0)
    for Ad, Bd in [(Ag, Bg)] + [cossim.rescale(A, B, np.exp(rng.uniform(-2, 2, 4)))
                                 for _ in range(3)]:
        # identical for every D up to rounding of cosines (~1e-15); a latent cosine would move
        # by O(0.1)
        assert_allclose(cossim.projected_item_cosine(Ad, Bd), cossim.projected_item_cosine(A, B),
                        atol=1e-12)
        assert_allclose(cossim.projected_item_cosine(Ad, Bd, X),
                        cossim.projected_item_cosine(A, B, X), atol=1e-12)
        assert_allclose(cossim.projected_user_cosine(X, Ad, Bd, [0, 3, 7]),
                        cossim.projected_user_cosine(X, A, B, [0, 3, 7]), atol=1e-12)


def test_projections_match_direct_computation():
    X = _data(40, 10, seed=5)
    A, B = _factors(10, 3)
    XW = X @ A @ B.T
    assert_allclose(cossim.projected_user_embeddings(X, A, B), XW, rtol=1e-12)
    assert_allclose(cossim.projected_user_cosine(X, A, B), cossim.cosine_similarity(XW), atol=1e-12)
    assert_allclose(cossim.projected_item_cosine(A, B, X), cossim.cosine_similarity(XW.T),
                    atol=1e-12)
    assert_allclose(cossim.projected_item_cosine(A, B), cossim.cosine_similarity(B @ A.T),
                    atol=1e-12)


def test_projected_rows_equal_gamma_one_latent_cosines():
    X = _data(60, 12, seed=6)
    spectrum = cossim.top_singular(X, 5)
    A, B = cossim.eq1_factors(spectrum, 2.0, 0.5)
    _, B1 = cossim.eq1_factors(spectrum, 2.0, 1.0)
    # B̂(ÂᵀÂ)B̂ᵀ = V m² Vᵀ = Gram of V m: the same cosines up to rounding (~1e-15)
    assert_allclose(cossim.projected_item_cosine(A, B), cossim.item_item_cosine(B1), atol=1e-12)


def test_projection_bad_input():
    X = _data(10, 6)
    A, B = _factors(6, 2)
    with pytest.raises(ValueError, match="users"):
        cossim.projected_user_cosine(X, A, B, [0, 10])
    with pytest.raises(TypeError, match="users"):
        cossim.projected_user_cosine(X, A, B, [0.5])
    with pytest.raises(ValueError, match="X has 5 columns"):
        cossim.projected_item_cosine(A, B, X[:, :5])
    with pytest.raises(ValueError, match="B has"):
        cossim.projected_item_cosine(A, B[:, :1])


# ---------------------------------------------------------------- remedies 3a and 3b

def test_standardized_gram_matches_dense_standardisation():
    X = _data(70, 9, seed=7)
    X[:, 4] = 0.0  # an item nobody consumed
    G, mean, sd = cossim.standardized_gram(sp.csr_matrix(X))
    Z = np.zeros_like(X)
    live = X.std(axis=0) > 0
    Z[:, live] = (X[:, live] - X[:, live].mean(axis=0)) / X[:, live].std(axis=0)
    # entries of X̃ᵀX̃ are ≤ n = 70; computing them as (XᵀX − nμμᵀ)/sd² cancels terms of size
    # n, so ~nε/sd² ≈ 1e-13 absolute: 1e-9 leaves room, while forgetting the centring moves
    # entries by O(n μ²/sd²) ≈ 10
    assert_allclose(G, Z.T @ Z, atol=1e-9)
    assert_allclose(mean, X.mean(axis=0), rtol=1e-12)
    assert_allclose(sd, X.std(axis=0), atol=1e-12)  # ddof = 1 would move sd by ~1 %


def test_propensity_weights_and_weighted_gram():
    X = _data(50, 8, seed=8)
    X[:, 2] = 0.0
    w = cossim.propensity_weights(X)
    counts = np.maximum((X != 0).sum(axis=0), 1.0)
    assert_allclose(w, (counts / 50) ** -0.5, rtol=1e-12)
    assert_allclose(cossim.propensity_weights(X, 0.0), 1.0)
    Z = X * w
    assert_allclose(cossim.weighted_gram(X, w), Z.T @ Z, rtol=1e-12)
    with pytest.raises(ValueError, match="power"):
        cossim.propensity_weights(X, -1.0)
    with pytest.raises(ValueError, match="w has a zero"):
        cossim.weighted_gram(X, np.zeros(8))


def test_ips_model_is_weighted_eq1():
    """Fitting Eq. (1) to X·dMat(w) and mapping back minimises the IPS-weighted loss (eq-ips)."""
    X = _data(60, 10, seed=9)
    w = cossim.propensity_weights(X)
    lam = 1.5
    spectrum = cossim.spectrum_from_gram(cossim.weighted_gram(X, w), 10)
    A, B = cossim.eq1_factors(spectrum, lam, 0.5)
    AX, BX = w[:, None] * A, B / w[:, None]
    W = AX @ BX.T
    weighted = np.sum((X - X @ W) ** 2 * w**2) + lam * np.sum(((W * w) / w[:, None]) ** 2)
    # the Gram form cancels tr G against terms of its size: ~p²ε ≈ 2e-14 relative
    assert_allclose(weighted, cossim.objective_eq1_gram(cossim.weighted_gram(X, w), A, B, lam),
                    rtol=1e-10)
    assert_allclose(cossim.item_item_cosine(BX), cossim.item_item_cosine(B), atol=1e-12)


def test_spectrum_from_gram_matches_top_singular():
    X = _data(40, 12, seed=10)
    a = cossim.spectrum_from_gram(X.T @ X, 4)
    b = cossim.top_singular(X, 4)
    # eigenvalues of XᵀX against singular values of X: ~ε σ₁²/σ_4² relative ≈ 1e-14; the
    # vectors agree up to sign to ~ε σ₁²/gap² (gaps here ≳ 1: ≈ 1e-12)
    assert_allclose(a.sigma, b.sigma, rtol=1e-10)
    assert_allclose(np.abs(a.V.T @ b.V), np.eye(4), atol=1e-8)
    with pytest.raises(ValueError, match="symmetric"):
        cossim.spectrum_from_gram(np.triu(np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match="k must satisfy"):
        cossim.spectrum_from_gram(X.T @ X, 13)


def test_gram_objectives_match_models():
    X = _data(30, 8, seed=11)
    A, B = _factors(8, 3)
    G = X.T @ X
    # Gram form vs direct residual: ~p²ε relative (1e-14); a wrong λ or a transposed factor
    # changes the value by O(1) relative
    assert_allclose(cossim.objective_eq1_gram(G, A, B, 2.0), cossim.objective_eq1(X, A, B, 2.0),
                    rtol=1e-10)
    assert_allclose(cossim.objective_eq2_gram(G, A, B, 2.0), cossim.objective_eq2(X, A, B, 2.0),
                    rtol=1e-10)


# ---------------------------------------------------------------- the executed check

def test_rescaling_check_classifies_eq1_eq2_and_projection():
    X = _data(60, 12, seed=12)
    G = X.T @ X
    spectrum = cossim.spectrum_from_gram(G, 4)
    ds = cossim.random_rescalings(4, 3, seed=0)
    A1, B1 = cossim.eq1_factors(spectrum, 3.0, 0.5)
    c1 = cossim.rescaling_check(lambda a, b: cossim.objective_eq1_gram(G, a, b, 3.0),
                                lambda a, b: cossim.item_item_cosine(b), A1, B1, ds)
    # every random D (entries in [0.1, 10]) is free for Eq. (1) and moves cosines by O(0.1)
    assert c1.d_dependent and np.all(c1.free) and np.all(c1.cosine_change > 1e-3)
    A2, B2 = cossim.eq2_factors(spectrum, 0.5)
    c2 = cossim.rescaling_check(lambda a, b: cossim.objective_eq2_gram(G, a, b, 0.5),
                                lambda a, b: cossim.item_item_cosine(b), A2, B2, ds)
    assert not c2.d_dependent and not np.any(c2.free)
    cp = cossim.rescaling_check(lambda a, b: cossim.objective_eq1_gram(G, a, b, 3.0),
                                lambda a, b: cossim.projected_item_cosine(a, b), A1, B1, ds)
    assert not cp.d_dependent and np.all(cp.cosine_change < 1e-12)  # rounding only (~1e-15)
    with pytest.raises(ValueError, match="ds"):
        cossim.rescaling_check(lambda a, b: 0.0, lambda a, b: b @ b.T, A1, B1, [])
    with pytest.raises(ValueError, match=r"ds\[0\] has a zero"):
        cossim.rescaling_check(lambda a, b: 0.0, lambda a, b: b @ b.T, A1, B1, [np.zeros(4)])


def test_random_rescalings_and_recovery_scores():
    ds = cossim.random_rescalings(5, 4, low=0.5, high=2.0, seed=3)
    assert len(ds) == 4 and all(d.shape == (5,) for d in ds)
    assert all(np.all((d >= 0.5) & (d <= 2.0)) for d in ds)
    assert_allclose(ds[0], cossim.random_rescalings(5, 4, low=0.5, high=2.0, seed=3)[0])
    labels = np.array([0, 0, 1, 1])
    S = np.array([[1, .9, 0, 0], [.9, 1, 0, 0], [0, 0, 1, .8], [0, 0, .8, 1.]])
    r = cossim.recovery_scores(S, labels, n_neighbours=1)
    assert r == {"auc": 1.0, "purity": 1.0}
    with pytest.raises(ValueError, match="low"):
        cossim.random_rescalings(3, low=0.0)


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_standardized_gram_constant_and_threshold_columns():
    """A constant column whose variance rounds below 0 (0.3 three times) has sd exactly 0 and
    becomes the zero column; a column whose sd equals the threshold 1e-12·max(1, max|μ|) exactly
    ([0, 2e-12] next to a column of mean 1) counts as constant too (sd > threshold is required)."""
    G, mean, sd = cossim.standardized_gram(np.array([[0.3, 0.0], [0.3, 1.0], [0.3, 0.0]]))
    assert sd[0] == 0.0 and np.all(G[0] == 0) and np.all(G[:, 0] == 0)
    assert_allclose(G[1, 1], 3.0, rtol=1e-15)  # a standardised column has squared norm n
    G, mean, sd = cossim.standardized_gram(np.array([[0.0, 1.0], [2e-12, 1.0]]))
    assert sd[0] == 1e-12 and np.all(G == 0)


def test_standardized_gram_threshold_scales_with_the_mean():
    """With a column of mean 4 the threshold is 4e-12: sd = 3e-12 is constant, sd = 5e-12 is not."""
    for sd_value, constant in ((3e-12, True), (5e-12, False)):
        X = np.array([[0.0, 4.0], [2 * sd_value, 4.0]])
        G, _, sd = cossim.standardized_gram(X)
        assert_allclose(sd[0], sd_value, rtol=1e-12)
        assert (G[0, 0] == 0) == constant
        if not constant:
            assert_allclose(G[0, 0], 2.0, rtol=1e-6)  # n = 2 (sd this small loses digits)


def test_propensity_weights_floor_is_positive():
    X = np.array([[1.0, 0.0], [1.0, 0.0]])
    # π = (2/2, max(0, ½)/2): w = π^(−½) = (1, 2)
    assert_allclose(cossim.propensity_weights(X, floor=0.5), [1.0, 2.0], rtol=1e-15)
    for floor, error, match in ((0.0, ValueError, "^floor must"), ("1", TypeError, "^floor must")):
        with pytest.raises(error, match=match):
            cossim.propensity_weights(X, floor=floor)


@pytest.mark.parametrize("name", ["projected_user_embeddings", "projected_user_cosine"])
@pytest.mark.parametrize("a_shape, b_shape, match", [
    ((5, 2), (4, 2), "^A has 5 rows, expected 4$"),
    ((4, 2), (5, 2), "^B has 5 rows, expected 4$"),
    ((4, 2), (4, 3), "^B has 3 columns, expected 2$"),
])
def test_user_projections_check_the_factor_shapes(name, a_shape, b_shape, match):
    """X is 3 × 4, so A and B need 4 rows and the same number of columns."""
    with pytest.raises(ValueError, match=match):
        getattr(cossim, name)(np.ones((3, 4)), np.ones(a_shape), np.ones(b_shape))


@pytest.mark.parametrize("call, match", [
    (lambda: cossim.rescaling_check(np.sum, np.sum, np.ones(3), np.ones((3, 1)), [[1.0]]), "^A must be 2-D"),
    (lambda: cossim.rescaling_check(np.sum, np.sum, np.ones((3, 1)), np.ones((2, 1)), [[1.0]]),
     "^B has 2 rows, expected 3$"),
    (lambda: cossim.rescaling_check(np.sum, np.sum, np.ones((3, 1)), np.ones((3, 2)), [[1.0]]),
     "^B has 2 columns, expected 1$"),
    (lambda: cossim.random_rescalings(0), "^k must"),
    (lambda: cossim.random_rescalings(2, 0), "^n must"),
])
def test_remedies_validation_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_random_rescalings_defaults_and_one_column():
    """Defaults: three diagonals, log-uniform on [0.1, 10], seed 0; k = 1 is allowed."""
    ds = cossim.random_rescalings(4)
    explicit = cossim.random_rescalings(4, 3, low=0.1, high=10.0, seed=0)
    assert len(ds) == 3 and all(np.array_equal(a, b) for a, b in zip(ds, explicit))
    rng = np.random.default_rng(0)
    assert_allclose(ds[0], np.exp(rng.uniform(np.log(0.1), np.log(10.0), size=4)), rtol=1e-15)
    assert cossim.random_rescalings(1, 1)[0].shape == (1,)


def test_rescaling_check_by_hand():
    """objective = ΣA: D = 2 doubles it (relative change exactly 1, 'free' at tolerance 1 since
    ≤); item 'cosine' = the first column of A moves by exactly 1 (d-dependent only above 1)."""
    A, B = np.ones((3, 2)), np.ones((3, 2))
    objective = lambda a, b: float(np.sum(a))  # noqa: E731
    cosine = lambda a, b: a[:, :1]  # noqa: E731
    check = cossim.rescaling_check(objective, cosine, A, B, [[2.0, 2.0], [1.0, 1.0]],
                                   objective_tol=1.0, cosine_tol=1.0)
    assert_array_equal(check.objective_change, [1.0, 0.0])
    assert_array_equal(check.cosine_change, [1.0, 0.0])
    assert_array_equal(check.free, [True, True])
    assert not check.d_dependent
    assert cossim.rescaling_check(objective, cosine, A, B, [[2.0, 2.0]], objective_tol=1.0,
                                  cosine_tol=0.5).d_dependent
    zero = cossim.rescaling_check(lambda a, b: 0.0, cosine, A, B, [[2.0, 2.0]])
    assert zero.objective_change[0] == 0.0 and zero.free[0]


def test_rescaling_check_defaults():
    import inspect

    params = inspect.signature(cossim.rescaling_check).parameters
    assert params["objective_tol"].default == 1e-9 and params["cosine_tol"].default == 1e-6


def test_recovery_scores_default_of_ten_neighbours():
    labels = np.array([0] * 11 + [1])
    S = (labels[:, None] == labels[None, :]).astype(float)
    assert_allclose(cossim.recovery_scores(S, labels)["purity"], 11 / 12, rtol=1e-15)


@pytest.mark.parametrize("call, match", [
    (lambda: cossim.projected_item_cosine(np.ones(3), np.ones((3, 1))), "^A must be 2-D"),
    (lambda: cossim.projected_item_cosine(np.ones((3, 1)), np.ones((2, 1))), "^B has 2 rows, expected 3$"),
    (lambda: cossim.spectrum_from_gram(np.ones((2, 3)), 1), "^G must be square, got shape \\(2, 3\\)$"),
])
def test_projection_and_spectrum_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("users, ok", [
    ([0], True), ([-3], True), ([2], True),  # one user; the most negative valid index; the last row
    ([], False), ([-4], False), ([3], False),
])
def test_projected_user_cosine_user_bounds(users, ok):
    """n = 3 users, p = 5 items (so a bound on the wrong axis shows)."""
    X = np.arange(15.0).reshape(3, 5)
    A, B = np.eye(5)[:, :2], np.eye(5)[:, :2]
    users = np.asarray(users, dtype=np.int64)
    if ok:
        assert_allclose(cossim.projected_user_cosine(X, A, B, users), [[1.0]], rtol=1e-15)
    else:
        with pytest.raises(ValueError, match="^users must be non-empty indices into the 3 rows of X$"):
            cossim.projected_user_cosine(X, A, B, users)


@pytest.mark.parametrize("G, ok", [
    (np.array([[1.0, 1.0 + 1e-7], [1.0, 1.0]]), False),      # relative asymmetry 1e-7 > 1e-10
    (np.array([[1e6, 1e6 + 1.5e-4], [1e6, 1e6]]), True),     # within 1e-10 (atol) + 1e-10 (rtol) of 1e6
    (np.array([[0.5, 0.5 + 1.8e-10], [0.5, 0.5]]), False),   # atol 1e-10·max(1, 0.5) + rtol·0.5 < 1.8e-10
])
def test_spectrum_from_gram_symmetry_tolerance(G, ok):
    if ok:
        assert cossim.spectrum_from_gram(G, 1).sigma.shape == (1,)
    else:
        with pytest.raises(ValueError, match="^G must be symmetric$"):
            cossim.spectrum_from_gram(G, 1)


def test_spectrum_from_gram_clips_negative_rounding():
    """An eigenvalue of −1e−15 (rounding in a PSD Gram matrix) gives σ = 0, not NaN."""
    sigma, V = cossim.spectrum_from_gram(np.diag([4.0, -1e-15]), 2)
    assert_array_equal(sigma, [2.0, 0.0])


def test_rescaling_check_default_tolerances():
    """Defaults: relative objective change ≤ 1e-9 is free, a cosine change > 1e-6 matters
    (2⁻³⁰ ≈ 9.3e-10 and 2⁻²⁹ ≈ 1.9e-9; 2⁻²⁰ ≈ 9.5e-7 and 2⁻¹⁹ ≈ 1.9e-6, all exact)."""
    A, B = np.ones((3, 1)), np.ones((3, 1))

    def check(df, dc):
        objective = lambda a, b: 1.0 + (df if a[0, 0] != 1.0 else 0.0)  # noqa: E731
        cosine = lambda a, b: np.full((3, 3), dc if a[0, 0] != 1.0 else 0.0)  # noqa: E731
        return cossim.rescaling_check(objective, cosine, A, B, [[2.0]])

    assert check(2.0**-30, 2.0**-19).free[0] and check(2.0**-30, 2.0**-19).d_dependent
    assert not check(2.0**-29, 0.0).free[0]
    assert not check(2.0**-30, 2.0**-20).d_dependent


def test_standardized_gram_threshold_is_absolute_below_mean_one():
    """max|μ| < 1: the threshold is 1e-12 itself; sd = 1.5e-12 is a real column (squared norm n = 2)."""
    G, _, sd = cossim.standardized_gram(np.array([[0.0, 0.0], [3e-12, 0.0]]))
    assert_allclose(sd[0], 1.5e-12, rtol=1e-12)
    assert_allclose(G[0, 0], 2.0, rtol=1e-6)


def test_random_rescalings_bounds():
    """low = high gives that constant; low > high and a non-number high are rejected."""
    assert_allclose(cossim.random_rescalings(3, 1, low=2.0, high=2.0)[0], [2.0, 2.0, 2.0], rtol=1e-15)
    with pytest.raises(ValueError, match="^need 0 < low <= high < inf, got low=3.0, high=2.0$"):
        cossim.random_rescalings(3, low=3.0, high=2.0)
    with pytest.raises(TypeError, match="^high must"):
        cossim.random_rescalings(3, high="x")
