"""Tests of cossim.beyond.normalised_training: unit-norm items and normalised two towers."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

import cossim
from cossim._validation import InvalidType, InvalidValue
from cossim.beyond import normalised_training as nt

LAM = 3.0


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = (rng.random((50, 8)) < np.linspace(0.15, 0.6, 8)).astype(float)
    A, B = rng.standard_normal((2, 8, 3))
    return X, X.T @ X, A, B


def test_unit_item_objective_matches_the_data_form(small):
    X, G, A, B = small
    Bn = B / np.linalg.norm(B, axis=1, keepdims=True)
    direct = np.sum((X - X @ A @ Bn.T) ** 2) + LAM * np.sum((A @ Bn.T) ** 2)
    assert_allclose(nt.objective_unit_items(G, A, B, LAM), direct, rtol=1e-12)
    # only the direction of each row of B matters
    assert_allclose(nt.objective_unit_items(G, A, B * np.arange(1, 9)[:, None], LAM), direct, rtol=1e-12)


def test_best_a_is_stationary_and_gives_the_projected_value(small):
    X, G, A, B = small
    A_best = nt.unit_item_best_a(G, B, LAM)
    f = nt.objective_unit_items(G, A_best, B, LAM)
    rng = np.random.default_rng(2)
    for _ in range(3):
        E = rng.standard_normal(A.shape)
        assert nt.objective_unit_items(G, A_best + 1e-3 * E, B, LAM) > f
    value, _ = nt._projected_value_grad(nt._ridge(G, LAM), B)
    assert_allclose(value, f, rtol=1e-12)


def test_projected_gradient_matches_finite_differences(small):
    _, G, _, B = small
    ridge = nt._ridge(G, LAM)
    _, g = nt._projected_value_grad(ridge, B)
    rng = np.random.default_rng(3)
    for _ in range(3):
        E = rng.standard_normal(B.shape)
        h = 1e-6
        fd = (nt._projected_value_grad(ridge, B + h * E)[0] - nt._projected_value_grad(ridge, B - h * E)[0]) / (2 * h)
        assert_allclose(np.sum(g * E), fd, rtol=1e-6)


def test_fit_unit_items_is_bounded_by_eq1_and_pinned(small):
    X, G, _, B = small
    spec = cossim.spectrum_from_gram(G, 3)
    A1, B1 = cossim.eq1_factors(spec, LAM, 0.5)
    optimum = cossim.objective_eq1_gram(G, A1, B1, LAM)
    fits = nt.fit_unit_items(G, LAM, [B1, B], max_iter=500)
    for fit in fits:
        assert fit.info.objective >= optimum * (1 - 1e-12)
        # the fit's value tr G − tr(M⁻¹B̃ᵀHB̃) goes through the inverse of M = B̃ᵀB̃, which the fit
        # drives towards singular (the unit rows cannot span V_k exactly); rounding is ~ε·cond(M)·tr G
        Bn = fit.B / np.linalg.norm(fit.B, axis=1, keepdims=True)
        rounding = 10 * np.finfo(float).eps * np.linalg.cond(Bn.T @ Bn) * np.trace(G) / fit.info.objective
        assert_allclose(nt.objective_unit_items(G, fit.A, fit.B, LAM), fit.info.objective, rtol=rounding)
    start = nt.objective_unit_items(G, nt.unit_item_best_a(G, B, LAM), B, LAM)
    assert fits[1].info.objective < start
    single = nt.fit_unit_items(G, LAM, B, max_iter=500)
    assert isinstance(single, nt.UnitItemModel) and single.info.objective == fits[1].info.objective
    d = np.array([0.5, 1.0, 2.0])
    moved = nt.objective_unit_items(G, fits[0].A * d, fits[0].B / d, LAM)
    assert moved > fits[0].info.objective * (1 + 1e-6)
    same = nt.objective_unit_items(G, fits[0].A * 2.0, fits[0].B / 2.0, LAM)   # D = cI
    assert same != pytest.approx(fits[0].info.objective, rel=1e-6)            # A is not normalised


CONFIGS = list(itertools.product(nt.USER_NORMS, (True, False), (True, False)))


@pytest.mark.parametrize("user_norm, item_norm, gain", CONFIGS)
def test_two_tower_gradient_matches_finite_differences(small, user_norm, item_norm, gain):
    X, _, A, B = small
    rng = np.random.default_rng(4)
    scale = rng.random(3) + 0.5 if gain else np.full(3, 1.3)
    model = nt.TwoTower(A, B, scale, user_norm, item_norm, gain)
    dA, dB, ds = nt.two_tower_gradient(sp.csr_matrix(X), model)
    EA, EB = rng.standard_normal((2,) + A.shape)
    Es = rng.standard_normal(3) if gain else np.full(3, 0.7)
    h = 1e-6

    def f(t):
        return nt.two_tower_objective(X, model._replace(A=A + t * EA, B=B + t * EB, scale=scale + t * Es))

    analytic = np.sum(dA * EA) + np.sum(dB * EB) + (np.sum(ds * Es) if gain else ds * 0.7)
    assert_allclose(analytic, (f(h) - f(-h)) / (2 * h), rtol=1e-6)


def test_two_tower_objective_matches_the_scores(small):
    X, _, A, B = small
    H = X @ A
    Hc = H - H.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(Hc, axis=1, keepdims=True)
    ln = np.sqrt(3) * Hc / np.where(norm > 0, norm, 1.0)          # users with no item stay at 0
    g = np.array([0.5, 1.0, 2.0])
    Bn = B / np.linalg.norm(B, axis=1, keepdims=True)
    model = nt.TwoTower(A, B, g, "layer", True, True)
    assert_allclose(nt.two_tower_objective(X, model), np.mean((X - (ln * g) @ Bn.T) ** 2), rtol=1e-12)
    norm = np.linalg.norm(H, axis=1, keepdims=True)
    unit = H / np.where(norm > 0, norm, 1.0)
    model = nt.TwoTower(A, B, np.full(3, 2.0), "unit", False, False)
    assert_allclose(nt.two_tower_objective(X, model), np.mean((X - 2.0 * unit @ B.T) ** 2), rtol=1e-12)


def test_gain_with_raw_items_leaves_d_free_and_normalised_items_pin_it(small):
    X, _, A, B = small
    ds = [np.array([0.5, 2.0, 1.5])]
    free = nt.TwoTower(A, B, np.array([1.0, 0.5, 2.0]), "layer", False, True)
    check = nt.two_tower_rescaling_check(X, free, ds)
    assert check.objective_change[0] <= 1e-14 and check.d_dependent and check.cosine_change[0] > 0.01
    for model in (free._replace(item_norm=True), nt.TwoTower(A, B, np.full(3, 1.0), "unit", True, False)):
        check = nt.two_tower_rescaling_check(X, model, ds)
        assert check.objective_change[0] > 1e-4 and not check.d_dependent


def test_layer_norm_ignores_a_common_shift_of_the_latent_coordinates(small):
    X, _, A, B = small
    model = nt.TwoTower(A, B, np.ones(3), "layer", True, True)
    shifted = model._replace(A=A + np.arange(8)[:, None] * np.ones(3))
    assert_allclose(nt.two_tower_objective(X, shifted), nt.two_tower_objective(X, model), rtol=1e-12)
    unit = model._replace(user_norm="unit")
    assert_allclose(nt.two_tower_objective(X, unit._replace(A=3.0 * A)), nt.two_tower_objective(X, unit),
                    rtol=1e-12)


def test_fit_two_tower_decreases_the_loss(small):
    X, _, A, B = small
    for user_norm, item_norm, gain in CONFIGS:
        model = nt.fit_two_tower(X, 3, user_norm=user_norm, item_norm=item_norm, gain=gain, init=(A, B),
                                 max_iter=50)
        start = nt.two_tower_objective(X, nt.TwoTower(A, B, np.ones(3), user_norm, item_norm, gain))
        assert model.info.objective < start
        assert_allclose(nt.two_tower_objective(X, model), model.info.objective, rtol=1e-12)
    seeded = [nt.fit_two_tower(X, 3, seed=1, max_iter=5) for _ in range(2)]
    assert_allclose(seeded[0].B, seeded[1].B)


@pytest.mark.parametrize("call, error", [
    (lambda s: nt.objective_unit_items(s[1], s[2], s[3][:, :2], LAM), InvalidValue),
    (lambda s: nt.objective_unit_items(s[1], s[2], s[3], -1.0), InvalidValue),
    (lambda s: nt.unit_item_best_a(s[1], np.ones((8, 2)), LAM), InvalidValue),
    (lambda s: nt.fit_unit_items(s[1], LAM, []), InvalidValue),
    (lambda s: nt.fit_unit_items(s[1], LAM, s[3], max_iter=0), InvalidValue),
    (lambda s: nt.fit_two_tower(s[0], 3, user_norm="batch"), InvalidValue),
    (lambda s: nt.fit_two_tower(s[0], 2, init=(s[2], s[3])), InvalidValue),
    (lambda s: nt.fit_two_tower(s[0], 3, init=(s[2][:5], s[3])), InvalidValue),
    (lambda s: nt.two_tower_objective(s[0], (s[2], s[3])), InvalidType),
    (lambda s: nt.rescale_two_tower(nt.TwoTower(s[2], s[3], np.ones(3), "unit", True, False), [1.0, 0.0, 1.0]),
     InvalidValue),
    (lambda s: nt.two_tower_rescaling_check(s[0], nt.TwoTower(s[2], s[3], np.ones(3), "unit", True, False), []),
     InvalidValue),
])
def test_bad_input(small, call, error):
    with pytest.raises(error):
        call(small)


# ---- issue 13: closed forms on small and singular G, defaults, stationarity, rescaling reports

def _best_a_formula(G, B, lam):
    Bn = B / np.linalg.norm(B, axis=1, keepdims=True)
    R = np.linalg.pinv(G + lam * np.eye(G.shape[0])) @ G
    return R @ Bn @ np.linalg.inv(Bn.T @ Bn)


@pytest.mark.parametrize("scale, lam", [(1e-2, 0.05), (1.0, 3.0), (1e-2, 0.0)])
def test_best_a_closed_form_on_small_and_singular_g(scale, lam):
    """(G + λI)⁻¹G B̃ (B̃ᵀB̃)⁻¹, with eigenvalues of G below 1 and, at λ = 0, a singular G (rank 3 < 5):
    the ridge map is then the projection onto G's range."""
    rng = np.random.default_rng(6)
    X = scale * rng.standard_normal((3, 5))
    G = X.T @ X
    B = rng.standard_normal((5, 2))
    A = nt.unit_item_best_a(G, B, lam)
    # (at λ = 0 the component of A in G's null space is free: compare XA)
    assert_allclose(X @ A, X @ _best_a_formula(G, B, lam), rtol=1e-7, atol=1e-9 * np.abs(X @ A).max())
    value, _ = nt._projected_value_grad(nt._ridge(G, lam), B)
    assert_allclose(value, nt.objective_unit_items(G, A, B, lam), rtol=1e-9, atol=1e-12 * np.trace(G))


def test_ridge_of_an_asymmetric_rounding_of_g_uses_its_symmetric_part():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 4))
    G = X.T @ X
    skew = np.triu(np.full((4, 4), 1e-3), 1)
    ridge = nt._ridge(G + skew - skew.T, 2.0)
    ref = nt._ridge(G, 2.0)
    assert_allclose(ridge.R, ref.R, rtol=1e-13, atol=1e-15)
    assert_allclose(ridge.H, G @ np.linalg.solve(G + 2.0 * np.eye(4), G), rtol=1e-12)
    assert ridge.trace == pytest.approx(np.trace(G), rel=1e-15)


def test_fit_unit_items_defaults(small):
    _, G, _, B = small
    default = nt.fit_unit_items(G, LAM, B)
    explicit = nt.fit_unit_items(G, LAM, B, max_iter=300, tol=1e-15)
    assert np.array_equal(default.B, explicit.B) and default.info == explicit.info
    assert default.lam == LAM
    # the default iteration limit 300 binds for this start
    rng = np.random.default_rng(30)
    X30 = (rng.random((80, 30)) < rng.random(30)).astype(float)
    G30, B30 = X30.T @ X30, rng.standard_normal((30, 3))
    fit30 = nt.fit_unit_items(G30, LAM, B30)
    assert fit30.info.n_iter == 300
    assert fit30.info == nt.fit_unit_items(G30, LAM, B30, max_iter=300).info
    # a loose tol stops earlier
    assert nt.fit_unit_items(G, LAM, B, tol=1e-3).info.n_iter < default.info.n_iter
    assert_allclose(default.A, nt.unit_item_best_a(G, default.B, LAM), rtol=1e-12)
    one = nt.fit_unit_items(G, LAM, B, max_iter=1)
    assert one.info.n_iter == 1 and one.info.objective > default.info.objective
    with pytest.raises(InvalidValue, match="tol"):
        nt.fit_unit_items(G, LAM, B, tol=-1.0)
    with pytest.raises(InvalidValue, match="square"):
        nt.fit_unit_items(G[:, :5], LAM, B)


def test_two_tower_sparse_and_blocked_evaluation_agree(small):
    X, _, A, B = small
    for user_norm, item_norm, gain in CONFIGS:
        scale = np.array([0.5, 1.0, 2.0])
        whole = nt._two_tower_value_grad(X, A, B, scale, user_norm, item_norm)
        blocked = nt._two_tower_value_grad(sp.csr_matrix(X), A, B, scale, user_norm, item_norm, block=7)
        for a, b in zip(whole, blocked):
            assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        model = nt.TwoTower(A, B, scale, user_norm, item_norm, gain)
        assert nt.two_tower_objective(sp.csr_matrix(X), model) == pytest.approx(
            nt.two_tower_objective(X, model), rel=1e-13)


def test_scalar_scale_uses_the_first_entry_and_sums_its_derivative(small):
    X, _, A, B = small
    model = nt.TwoTower(A, B, np.array([1.5, 7.0, -2.0]), "unit", True, False)
    same = model._replace(scale=np.full(3, 1.5))
    assert nt.two_tower_objective(X, model) == nt.two_tower_objective(X, same)
    dA, dB, ds = nt.two_tower_gradient(X, model)
    _, _, dg = nt.two_tower_gradient(X, same._replace(gain=True))
    assert isinstance(ds, float) and ds == pytest.approx(dg.sum(), rel=1e-13)
    with pytest.raises(InvalidValue, match="scale"):
        nt.two_tower_objective(X, model._replace(gain=True, scale=np.array([1.0, 0.0, 1.0])))


def test_scale_start_is_the_least_squares_scale(small):
    """The loss is quadratic in s: the fit starts at its minimiser ⟨X, N(XA)B̃ᵀ⟩ / ‖N(XA)B̃ᵀ‖²."""
    X, _, A, B = small
    H = X @ A
    norm = np.linalg.norm(H, axis=1, keepdims=True)
    P = (H / np.where(norm > 0, norm, 1.0)) @ (B / np.linalg.norm(B, axis=1, keepdims=True)).T
    s_star = np.sum(X * P) / np.sum(P * P)
    for gain in (False, True):
        s0 = nt._scale_start(X, A, B, "unit", True)
        assert s0 == pytest.approx(s_star, rel=1e-12)
        fit = nt.fit_two_tower(X, 3, init=(A, B), gain=gain, max_iter=1)
        start = nt.TwoTower(A, B, np.full(3, s_star), "unit", True, gain)
        assert fit.info.objective < nt.two_tower_objective(X, start)
    assert nt._scale_start(np.zeros((4, 8)), A, B, "unit", True) == 1.0     # no curvature: s = 1


def test_fit_two_tower_defaults(small):
    X = small[0]
    default = nt.fit_two_tower(X, 2, max_iter=3)
    explicit = nt.fit_two_tower(X, 2, user_norm="unit", item_norm=True, gain=False, seed=0, max_iter=3,
                                tol=1e-12)
    assert np.array_equal(default.A, explicit.A) and default.info == explicit.info
    assert default.user_norm == "unit" and default.item_norm is True and default.gain is False
    assert default.scale.shape == (2,) and default.scale[0] == default.scale[1]
    rng = np.random.default_rng(0)
    A0, B0 = rng.standard_normal((8, 2)) / np.sqrt(8), rng.standard_normal((8, 2))
    pair = nt.fit_two_tower(X, 2, init=(A0, B0), max_iter=3)
    assert np.array_equal(default.A, pair.A) and np.array_equal(default.B, pair.B)
    full = nt.fit_two_tower(X, 2)
    assert full.info.n_iter > 3 and full.info.objective < default.info.objective
    gain = nt.fit_two_tower(X, 2, user_norm="layer", gain=True, max_iter=3)
    assert gain.gain is True and gain.user_norm == "layer" and gain.scale[0] != gain.scale[1]
    with pytest.raises(InvalidValue, match="max_iter"):
        nt.fit_two_tower(X, 2, max_iter=0)
    with pytest.raises(InvalidValue, match="tol"):
        nt.fit_two_tower(X, 2, tol=-1.0)
    with pytest.raises(InvalidValue, match="k"):
        nt.fit_two_tower(X, 9)


def test_rescale_two_tower_exact(small):
    _, _, A, B = small
    d = np.array([2.0, -1.0, 0.5])
    model = nt.TwoTower(A, B, np.array([1.0, 3.0, 4.0]), "layer", False, True, info="fit")
    moved = nt.rescale_two_tower(model, d)
    assert np.array_equal(moved.scale, [2.0, -3.0, 2.0]) and np.array_equal(moved.B, B / d)
    assert moved.A is A and moved.info is None
    plain = nt.rescale_two_tower(model._replace(gain=False), d)
    assert np.array_equal(plain.A, A * d) and np.array_equal(plain.B, B / d)
    assert np.array_equal(plain.scale, model.scale) and plain.info is None
    with pytest.raises(InvalidType, match="TwoTower"):
        nt.rescale_two_tower((A, B), d)


def test_rescaling_check_reports_by_hand(small):
    X, _, A, B = small
    model = nt.TwoTower(A, B, np.ones(3), "unit", True, False)
    ds = [np.array([1.0, 1.0, 1.0]), np.array([0.5, 2.0, 1.5])]
    check = nt.two_tower_rescaling_check(X, model, ds)
    f0 = nt.two_tower_objective(X, model)
    S0 = cossim.item_item_cosine(B)
    obj = [abs(nt.two_tower_objective(X, nt.rescale_two_tower(model, d)) - f0) / f0 for d in ds]
    cos = [np.abs(cossim.item_item_cosine(B / d) - S0).max() for d in ds]
    assert_allclose(check.objective_change, obj, rtol=1e-12, atol=0)
    assert_allclose(check.cosine_change, cos, rtol=1e-12, atol=0)
    assert list(check.free) == [True, False] and not check.d_dependent
    # the tolerances' boundaries: free when the change equals objective_tol, dependent only above cosine_tol
    at = nt.two_tower_rescaling_check(X, model, ds[1:], objective_tol=obj[1], cosine_tol=cos[1])
    assert at.free[0] and not at.d_dependent
    below = nt.two_tower_rescaling_check(X, model, ds[1:], objective_tol=obj[1], cosine_tol=cos[1] * (1 - 1e-9))
    assert below.d_dependent
    # default tolerances 1e-9 and 1e-6
    gained = nt.TwoTower(A, B, np.array([1.0, 0.5, 2.0]), "layer", False, True)
    tiny = [np.array([1.0, 1.0, 1.0 + 5e-7])]
    c = nt.two_tower_rescaling_check(X, gained, tiny)
    assert c.free[0] and 1e-7 < c.cosine_change[0] < 1e-6 and not c.d_dependent
    assert nt.two_tower_rescaling_check(X, gained, tiny, cosine_tol=1e-7).d_dependent
    with pytest.raises(InvalidValue, match="objective_tol"):
        nt.two_tower_rescaling_check(X, model, ds, objective_tol=-1.0)
    with pytest.raises(InvalidValue, match="cosine_tol"):
        nt.two_tower_rescaling_check(X, model, ds, cosine_tol=-1.0)


def test_rescaling_check_of_a_zero_objective():
    """X = 0 and no user embedding: the loss is 0 for every D; its relative change is 0, not NaN."""
    X = np.zeros((3, 4))
    B = np.random.default_rng(0).standard_normal((4, 2))
    model = nt.TwoTower(np.ones((4, 2)), B, np.ones(2), "unit", False, False)
    check = nt.two_tower_rescaling_check(X, model, [np.array([2.0, 0.5])])
    assert check.objective_change[0] == 0.0 and check.free[0] and check.d_dependent


def test_ridge_treats_negative_eigenvalues_as_zero():
    """Eigenvalues of G below 0 (rounding of a PSD matrix) count as 0: R = diag(w/(w + λ)), H = diag(w²/(w + λ))."""
    ridge = nt._ridge(np.diag([4.0, 0.5, -0.25]), 1.0)
    assert_allclose(ridge.R, np.diag([0.8, 1 / 3, 0.0]), rtol=1e-15, atol=1e-16)
    assert_allclose(ridge.H, np.diag([3.2, 1 / 6, 0.0]), rtol=1e-15, atol=1e-16)
    singular = nt._ridge(np.diag([2.0, 0.0]), 0.0)                 # λ = 0: the projection onto range(G)
    assert np.array_equal(singular.R, np.diag([1.0, 0.0])) and np.array_equal(singular.H, np.diag([2.0, 0.0]))


def test_unit_item_validation_messages(small):
    _, G, _, B = small
    with pytest.raises(InvalidType, match="^G must be a dense array"):
        nt.unit_item_best_a(sp.csr_matrix(G), B, LAM)
    with pytest.raises(InvalidValue, match="^B has 7 rows, expected 8"):
        nt.unit_item_best_a(G, B[:7], LAM)
    with pytest.raises(InvalidValue, match="full column rank"):
        nt.unit_item_best_a(G, np.ones((8, 2)), LAM)
    with pytest.raises(InvalidValue, match="^init has 9 rows, expected 8"):
        nt.fit_unit_items(G, LAM, np.vstack([B, B[:1]]))
    with pytest.raises(InvalidValue, match="at least one start"):
        nt.fit_unit_items(G, LAM, [])
    with pytest.raises(InvalidValue, match="^max_iter must satisfy"):
        nt.fit_unit_items(G, LAM, B, max_iter=0)
    with pytest.raises(InvalidValue, match="^tol must satisfy"):
        nt.fit_unit_items(G, LAM, B, tol=-1.0)


def test_fit_unit_items_has_no_gradient_threshold(small):
    """gtol = 0: only the relative decrease (tol) or the iteration limit stops the fit, so a G scaled
    by 1e-12 (gradients ~1e-12) is fitted as far as G itself."""
    from cossim.beyond._fitting import lbfgs

    _, G, _, B = small
    ridge = nt._ridge(G, LAM)

    def fun(b):
        value, grad = nt._projected_value_grad(ridge, b)
        return value, [grad]

    (B_ref,), info = lbfgs(fun, [B], max_iter=300, tol=1e-15, gtol=0.0)
    fit = nt.fit_unit_items(G, LAM, B)
    assert np.array_equal(fit.B, B_ref) and fit.info == info
    tiny = nt.fit_unit_items(1e-12 * G, 1e-12 * LAM, B, max_iter=20)
    start = nt.objective_unit_items(G, nt.unit_item_best_a(G, B, LAM), B, LAM)
    assert tiny.info.n_iter == 20 and tiny.info.objective < 0.9e-12 * start


def test_two_tower_default_block_and_float_gradients(small):
    """Users are summed in blocks of 4096: at n = 4100 the default is two blocks (4096 + 4)."""
    X, _, A, B = small
    X4100 = np.tile(X, (82, 1))
    scale = np.array([0.5, 1.0, 2.0])
    default = nt._two_tower_value_grad(X4100, A, B, scale, "layer", True)
    blocks = nt._two_tower_value_grad(X4100, A, B, scale, "layer", True, block=4096)
    assert all(np.array_equal(a, b) for a, b in zip(default, blocks))
    other = nt._two_tower_value_grad(X4100, A, B, scale, "layer", True, block=4097)
    assert not all(np.array_equal(a, b) for a, b in zip(default, other))     # the split shows in the bits
    dA, dB, ds = nt.two_tower_gradient(X, nt.TwoTower(A, B, scale, "unit", True, True))
    assert dA.dtype == dB.dtype == ds.dtype == np.float64


def test_two_tower_validation_messages(small):
    X, _, A, B = small
    model = nt.TwoTower(A, B, 2.0, "unit", True, False)                # a plain float scale is accepted
    assert nt.two_tower_objective(X, model) == nt.two_tower_objective(X, model._replace(scale=np.full(3, 2.0)))
    with pytest.raises(InvalidType, match="model must be a TwoTower"):
        nt.two_tower_objective(X, (A, B))
    with pytest.raises(InvalidValue, match="^A has 7 rows, expected 8"):
        nt.two_tower_objective(X, model._replace(A=A[:7]))
    with pytest.raises(InvalidValue, match="^B has 7 rows, expected 8"):
        nt.two_tower_objective(X, model._replace(B=B[:7]))
    with pytest.raises(InvalidValue, match="^B has 2 columns, expected 3"):
        nt.two_tower_objective(X, model._replace(B=B[:, :2]))
    with pytest.raises(InvalidValue, match="^user_norm must be one of"):
        nt.two_tower_objective(X, model._replace(user_norm="batch"))
    with pytest.raises(InvalidValue, match="^scale must be finite"):
        nt.two_tower_objective(X, model._replace(scale=np.full(3, np.nan)))
    with pytest.raises(InvalidValue, match="^user_norm must be one of"):
        nt.fit_two_tower(X, 3, user_norm="batch")
    with pytest.raises(InvalidValue, match=r"^init\[0\] has 7 rows, expected 8"):
        nt.fit_two_tower(X, 3, init=(A[:7], B))
    with pytest.raises(InvalidValue, match=r"^init\[1\] has 7 rows, expected 8"):
        nt.fit_two_tower(X, 3, init=(A, B[:7]))
    with pytest.raises(InvalidValue, match=r"^init\[1\] has 2 columns, expected 3"):
        nt.fit_two_tower(X, 3, init=(A, B[:, :2]))
    with pytest.raises(InvalidValue, match="^init has 3 columns, expected k=2"):
        nt.fit_two_tower(X, 2, init=(A, B))
    with pytest.raises(InvalidValue, match="^max_iter must satisfy"):
        nt.fit_two_tower(X, 2, max_iter=0)
    with pytest.raises(InvalidValue, match="^tol must satisfy"):
        nt.fit_two_tower(X, 2, tol=-1.0)


def test_fit_two_tower_full_defaults_and_gain_stationarity(small):
    X = small[0]
    default = nt.fit_two_tower(X, 2)
    assert default.info.n_iter == 200                      # the default iteration limit binds here
    explicit = nt.fit_two_tower(X, 2, user_norm="unit", item_norm=True, gain=False, seed=0, max_iter=200,
                                tol=1e-12)
    assert np.array_equal(default.B, explicit.B) and default.info == explicit.info
    assert nt.fit_two_tower(X, 2, tol=1e-3).info.n_iter < 50
    # a learned gain: L-BFGS gets the gradient of every gain entry, and ends where it vanishes
    gain = nt.fit_two_tower(X, 2, user_norm="layer", item_norm=False, gain=True, max_iter=300)
    assert gain.info.converged
    _, _, ds = nt.two_tower_gradient(X, gain)
    assert ds.shape == (2,) and np.abs(ds).max() < 1e-6 * np.abs(gain.scale).max()


def test_rescaling_check_default_cosine_tolerance_and_messages(small):
    X, _, A, B = small
    gained = nt.TwoTower(A, B, np.array([1.0, 0.5, 2.0]), "layer", False, True)
    c = nt.two_tower_rescaling_check(X, gained, [np.array([1.0, 1.0, 1.01])])
    assert c.free[0] and 1e-6 < c.cosine_change[0] < 1.0 and c.d_dependent
    with pytest.raises(InvalidValue, match="at least one diagonal"):
        nt.two_tower_rescaling_check(X, gained, [])


@pytest.mark.filterwarnings("error::DeprecationWarning")
def test_rescaling_check_makes_no_deprecated_numpy_call(small):
    X, _, A, B = small
    nt.two_tower_rescaling_check(X, nt.TwoTower(A, B, np.ones(3), "unit", True, False), [np.ones(3)])


def _scores_basis(X, A, B, user_norm, item_norm):
    """N(XA) B̃ᵀ: the scores at scale 1 (users with no item score 0)."""
    H = X @ A
    if user_norm == "layer":
        H = H - H.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(H, axis=1, keepdims=True)
    Hn = H / np.where(norm > 0, norm, 1.0) * (np.sqrt(A.shape[1]) if user_norm == "layer" else 1.0)
    Bn = B / np.linalg.norm(B, axis=1, keepdims=True) if item_norm else B
    return Hn @ Bn.T


@pytest.mark.parametrize("user_norm, item_norm", [("layer", True), ("layer", False), ("unit", False)])
def test_scale_start_for_every_normalisation(small, user_norm, item_norm):
    X, _, A, B = small
    P = _scores_basis(X, A, B, user_norm, item_norm)
    assert nt._scale_start(X, A, B, user_norm, item_norm) == pytest.approx(np.sum(X * P) / np.sum(P * P), rel=1e-12)


@pytest.mark.parametrize("gain", [False, True])
def test_fit_two_tower_is_lbfgs_from_the_least_squares_scale(small, gain):
    """Two L-BFGS steps of fit_two_tower equal those of the loss started at s* (the closed form), with
    a scalar scale or a gain of k entries (each with its own gradient)."""
    from cossim.beyond._fitting import lbfgs

    X, _, A, B = small
    P = _scores_basis(X, A, B, "layer", True)
    s_star = np.sum(X * P) / np.sum(P * P)

    def fun(a, b, s):
        v, dA, dB, ds = nt._two_tower_value_grad(X, a, b, np.full(3, s), "layer", True)
        return v, [dA, dB, ds if gain else float(ds.sum())]

    (A1, B1, s1), info = lbfgs(fun, [A, B, np.full(3, s_star) if gain else s_star], max_iter=2, tol=1e-12)
    fit = nt.fit_two_tower(X, 3, user_norm="layer", item_norm=True, gain=gain, init=(A, B), max_iter=2)
    assert_allclose(fit.A, A1, rtol=1e-7, atol=1e-9)
    assert_allclose(fit.scale, np.full(3, s1), rtol=1e-7)
    assert fit.info.n_iter == info.n_iter == 2

