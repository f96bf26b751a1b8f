import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import cossim
from cossim.report import second_objective as S


def test_grid_gap_is_within_its_bound_and_sees_a_one_percent_error():
    for s_val, l_val in ((3.0, 1.0), (1.0, 3.0)):
        gap, bound = S.grid_gap(s_val, l_val, max(s_val - l_val, 0.0))
        assert gap <= bound
    gap, bound = S.grid_gap(3.0, 1.0, 3.0 - 1.01)
    assert gap > bound
    pq, h = S.grid_product(3.0, 1.0)
    assert h == pytest.approx(4 * 6 / 1200 / 1200, rel=1e-12)   # ±2h refined with 1201 points


def test_procrustes_recovers_a_rotation():
    rng = np.random.default_rng(0)
    B = rng.standard_normal((8, 3))
    R0 = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    R, err = S.procrustes(B, B @ R0)
    np.testing.assert_allclose(R, R0, atol=1e-10)
    assert err < 1e-12


def test_uniqueness_runs_table_and_format():
    X = cossim.simulate(200, 15, 3, seed=0, max_items_per_user=10).X
    spec = cossim.top_singular(X, 2)
    closed = {"Eq. (1)": cossim.eq1_factors(spec, 5.0, "symmetric"),
              "Eq. (2)": cossim.eq2_factors(spec, 1.0)}
    table, runs = S.uniqueness_runs(X, 2, closed, {"Eq. (1)": 5.0, "Eq. (2)": 1.0}, 0, 2)
    assert list(table.index) == [("Eq. (1)", 1), ("Eq. (1)", 2), ("Eq. (2)", 1), ("Eq. (2)", 2)]
    assert len(runs["Eq. (2)"]) == 2
    # every run within the value bound its own gradient allows (cossim.report.optimum)
    for name, which, lam in (("Eq. (1)", "eq1", 5.0), ("Eq. (2)", "eq2", 1.0)):
        rc = S.run_checks(X, runs[name], closed[name], lam, which)
        assert all(g <= b for g, b in zip(rc["value_gap"], rc["value_bound"]))
    shown = S.format_uniqueness(table)
    assert list(shown.columns) == list(S.SHORT.values())
    assert all(isinstance(v, str) and "e" in v for v in shown.to_numpy().ravel())


def test_compare_to_eq2_zero_for_identical_matrices():
    rng = np.random.default_rng(1)
    B = rng.standard_normal((12, 3))
    Sm = cossim.item_item_cosine(B)
    pair = ~np.eye(12, dtype=bool)
    table = S.compare_to_eq2(Sm, Sm, Sm, pair, np.repeat([0, 1, 2], 4))
    np.testing.assert_allclose(table["mean |Δ cos|"], 0.0)
    np.testing.assert_allclose(table["correlation"], 1.0)
    assert table.index.name is None and len(table) == 3


def test_plot_eq2_vs_analog_three_panels():
    fig = S.plot_eq2_vs_analog((("a", np.eye(3)), ("b", np.eye(3)), ("c", np.eye(3))), np.arange(3))
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
    plt.close(fig)


@pytest.fixture(scope="module")
def small():
    X = cossim.simulate(200, 15, 3, seed=0, max_items_per_user=10).X.toarray()
    return X[:, X.sum(axis=0) > 0]


def test_run_checks_on_eq2_runs(small):
    spec = cossim.top_singular(small, 2)
    closed = cossim.eq2_factors(spec, 1.0)
    runs = [cossim.minimize_eq2(small, 2, 1.0, seed=s) for s in (1, 2)]
    rc = S.run_checks(small, runs, closed, 1.0, "eq2")
    assert max(rc["item_ratio"] + rc["user_ratio"]) <= 1
    assert all(r <= d for r, d in zip(rc["rot_resid"], rc["distance"]))
    assert all(b <= bb for b, bb in zip(rc["balance"], rc["balance_bound"]))


def test_lambda_zero_checks(small):
    rng = np.random.default_rng(0)
    M = np.eye(3) + 0.5 * rng.standard_normal((3, 3))
    out = S.lambda_zero_checks(small, 3, 1.0, M)
    assert out["zero_change"] <= out["zero_tol"]
    assert out["cos_change"] > out["cos_tol"] and out["pos_increase"] > out["pos_tol"]
    R = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    rot = S.lambda_zero_checks(small, 3, 1.0, R)
    assert rot["cos_change"] <= rot["cos_tol"] and rot["pos_increase"] <= rot["pos_tol"]


def test_null_directions_and_null_space_checks():
    X = np.hstack([np.eye(4), np.zeros((4, 2))])
    N = S.null_directions(X, 2, np.random.default_rng(0), scale=3.0)
    np.testing.assert_array_equal(X @ N, 0.0)
    np.testing.assert_allclose(np.linalg.norm(N), 3.0, rtol=4 * 2.0**-53)
    with pytest.raises(ValueError, match="full column rank"):
        S.null_directions(np.eye(3), 1, np.random.default_rng(0))
    out = S.null_space_checks(X, 2, 0.1, N)
    assert out["value_change"] <= out["value_tol"] and out["cos_change"] <= out["cos_tol"]
    assert out["A_change"] == pytest.approx(3.0)


def test_rotation_switched_off_and_analog_checks(small):
    spec = cossim.top_singular(small, 3)
    fit = cossim.eq2_factors(spec, 1.0)
    R = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))[0]
    rot = S.rotation_checks(small, fit, R, 1.0)
    assert rot["value_gap"] <= rot["value_tol"] and rot["cos_gap"] <= rot["cos_tol"]
    lam = float(spec.sigma[1])
    assert S.switched_off_max(cossim.eq2_factors(spec, lam), spec.sigma, lam) == 0
    assert S.switched_off_max(cossim.eq2_factors(spec, lam / 2), spec.sigma, lam) > 0
    sym = cossim.eq1_factors(spec, 4.0, "symmetric")
    an = S.analog_checks(small, spec, 4.0, sym, cossim.eq1_factors(spec, 4.0, "inv_sqrt_sigma"))
    assert an["rescale_gap"] <= an["rescale_tol"] and an["value_gap"] <= an["value_tol"]
