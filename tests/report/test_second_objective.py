import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import cossim
from cossim.report import second_objective as S


def test_grid_product_is_the_soft_threshold():
    assert abs(S.grid_product(3.0, 1.0) - 2.0) < 0.02
    assert abs(S.grid_product(1.0, 3.0)) < 0.02


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
    assert (table["relative value gap"] < 1e-6).all()
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
