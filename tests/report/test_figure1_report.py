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
    assert g["n_modal"] == 1 and g["n_default_ranking"] == 1 and g["n_orders"] == 2
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


def test_activity_law_numbers():
    rng = np.random.default_rng(0)
    law = cossim.power_count_law(0.5, 1, 50)
    k = 1 + rng.choice(50, size=20_000, p=law)
    out = F1.activity_law(k, 50)
    assert out["ks_realised"] <= out["noise"] < out["ks_discrete"]
    assert out["noise"] == pytest.approx(np.sqrt(np.log(2000) / 40_000), rel=1e-15)
    # at k = 1: 1/√50 against 1/Σ k^(−1/2)
    assert out["p1_ratio"] == pytest.approx(np.sum(np.arange(1, 51) ** -0.5) / np.sqrt(50),
                                            rel=1e-12)


def test_family_loss_gap_zero_for_the_family_and_not_for_a_wrong_member():
    data = cossim.simulate(300, 30, 3, seed=0)
    spec = cossim.top_singular(data.X, 4)
    family = {g: cossim.eq1_factors(spec, 20.0, g) for g in (0.0, 0.5, 1.0)}
    product, loss = F1.family_loss_gap(data.X, family, 20.0)
    assert product < 1e-14 and loss < 1e-13  # rounding: entries ≤ 1, k = 4 terms
    family[1.0] = family[1.0]._replace(B=2.0 * family[1.0].B)  # a wrong factor 2
    product, loss = F1.family_loss_gap(data.X, family, 20.0)
    assert product > 1e-3 and loss > 1e-3


def test_rescaling_spread():
    sigma = np.array([10.0, 2.0, 1.0])
    m = sigma**2 / (sigma**2 + 4.0)
    assert F1.rescaling_spread(sigma, 4.0) == pytest.approx(np.sqrt(m[0] / m[2]), rel=1e-14)
    assert F1.rescaling_spread(np.array([3.0, 0.0]), 1.0) == 1.0  # σ = 0 directions are dropped


def test_popularity_gradient():
    clusters = np.array([0, 0, 0, 1, 1, 1])
    popularity = np.array([3.0, 2.0, 1.0, 3.0, 2.0, 1.0])
    # item i's similarity to its cluster-mates falls with its popularity
    S = np.zeros((6, 6))
    for c in (0, 1):
        idx = np.flatnonzero(clusters == c)
        for i in idx:
            S[i, idx] = 1.0 / popularity[i]
    rho, m = F1.popularity_gradient(S, clusters, popularity)
    assert m == 3
    np.testing.assert_allclose(rho, [-1.0, -1.0], rtol=1e-12)


def test_headline_table_and_shown_seed(tmp_path):
    runs = _runs()
    auc = {"eq1_gamma0": 0.6, "eq1_gamma0.5": 0.7, "eq1_gamma1": 0.8, "eq2": 0.5}
    table = F1.headline_table(runs, auc)
    assert list(table.index) == [F1.SHORT_PANELS[n] for n in E.PANELS[1:]]
    row = table.loc[F1.SHORT_PANELS["eq2"]]
    assert row["median, default"] == pytest.approx(0.7) and row["min, all runs"] == 0.5
    assert row["figure (seed 0)"] == 0.5
    assert F1.shown_seed_lowest(runs, auc) == 4  # ties count as lowest
    assert F1.shown_seed_lowest(runs, {**auc, "eq2": 0.9}) == 3


def test_json_score_gap():
    doc = {"panels": [{"name": "a", "auc": 0.5, "neighbour_purity": 0.25}]}
    assert F1.json_score_gap(doc, {"a": 0.5000004}, {"a": 0.25}) == pytest.approx(4e-7, rel=1e-6)


def test_sweep_numbers_ranges_per_line():
    sweep = pd.DataFrame({"rank": [5] * 3 + [7] * 3, "lam1": [1.0] * 6,
                          "gamma": [0.0, 0.5, 1.0] * 2, "auc": [0.6, 0.9, 0.8, 0.7, 0.72, 0.71]})
    eq2 = pd.DataFrame({"rank": [5, 7], "auc": [0.7, 0.7]})
    table = F1.best_gamma_table(sweep, eq2)
    numbers, _ = F1.sweep_numbers(sweep, table, table.loc[(5, 1.0)], np.array([0.0, 0.5, 1.0]))
    assert numbers["widest_rank"] == 5 and numbers["widest_range"] == pytest.approx(0.3)
    assert numbers["narrowest_range"] == pytest.approx(0.02)
    assert numbers["line_min_here"] == 0.6 and numbers["line_max_here"] == 0.9
