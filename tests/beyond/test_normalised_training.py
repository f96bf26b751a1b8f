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
