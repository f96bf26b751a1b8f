import numpy as np
import pandas as pd
import pytest

import cossim
from cossim import figure1 as E
from cossim.report import figure1_report as F1


def test_subscript():
    assert F1.subscript(12) == "₁₂"


def test_data_summary_rows_and_columns():
    data = cossim.simulate(200, 30, 3, seed=0)
    sigma = cossim.top_singular(data.X, 4).sigma
    table = F1.data_summary(data, data, sigma, sigma, 3, sigma[1])
    assert list(table.columns[-4:]) == ["σ₁", "σ₂", "σ₃", "# σ > λ₂"]
    assert table["# σ > λ₂"].tolist() == [1, 1]
    assert table["density of X"].iloc[0] == pytest.approx(data.X.nnz / (200 * 30))


def test_median_cross_and_max_pairwise_change():
    class R:
        similarities = {name: np.full((4, 4), float(i)) for i, name in enumerate(E.PANELS)}

    clusters = np.array([0, 0, 1, 1])
    med = F1.median_cross(R, clusters)
    assert med == {name: float(i) for i, name in enumerate(E.PANELS)}
    assert F1.max_pairwise_change(R.similarities, list(E.PANELS)[:3]) == 2.0


def _runs():
    rows = []
    for seed, (a0, a5, a1, e2) in enumerate([(0.6, 0.7, 0.8, 0.9), (0.6, 0.7, 0.8, 0.5)]):
        for panel, auc in zip(E.PANELS, (1.0, a0, a5, a1, e2)):
            rows.append({"reading": "default", "seed": seed, "panel": panel, "auc": auc})
    return pd.DataFrame(rows)


def test_robustness_stats():
    stats = F1.robustness_stats(_runs(), {"eq1_gamma0": 0.6, "eq1_gamma0.5": 0.7,
                                          "eq1_gamma1": 0.8, "eq2": 0.9})
    g = stats["glued"]
    assert g["n_runs"] == 2 and g["n_increasing"] == 2
    assert g["n_eq2_beats_b"] == 1 and g["n_eq2_worst"] == 1 and g["n_gamma0_worst"] == 1
    assert g["n_modal"] == 1 and g["n_default_ranking"] == 1
    assert g["min_spread"] == pytest.approx(0.3)
    assert "capped_eq2_min" not in g
    assert (stats["gamma0_worst"] | stats["eq2_worst"]).all()


def test_best_gamma_table_and_numbers():
    sweep = pd.DataFrame({"rank": [5] * 3, "lam1": [1.0] * 3, "gamma": [0.0, 0.5, 1.0],
                          "auc": [0.6, 0.9, 0.8]})
    eq2 = pd.DataFrame({"rank": [5], "auc": [0.7]})
    table = F1.best_gamma_table(sweep, eq2)
    here = table.loc[(5, 1.0)]
    assert here["best γ"] == 0.5 and here["AUC at γ = 0"] == 0.6 and here["Eq. (2) AUC"] == 0.7
    numbers, at_edge = F1.sweep_numbers(sweep, table, here, np.array([0.0, 0.5, 1.0]))
    assert numbers["gap_eq2_best"] == pytest.approx(0.2) and numbers["n_at_edge"] == 0
    assert not at_edge.any()


def test_readings_table():
    table = F1.readings_table(["default"])
    assert table.index.name == "reading" and table.iloc[0, 0] == E.READING_DESCRIPTIONS["default"]
