import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import cossim
from cossim.report import remedies_study as rs


@pytest.fixture(scope="module")
def study():
    data = cossim.simulate(400, 40, 2, seed=0)
    G = cossim.gram_matrix(data.X)
    return rs.RemedyStudy(G, data.clusters, 4, 50.0, 2.0, 5, 2, 0), data


def test_baselines_add_rows_and_find_the_freedom_of_eq1(study):
    s, _ = study
    s.rows.clear()
    base = s.baselines()
    assert set(base) == {0.0, 0.5, 1.0, "eq2"}
    assert [r["variant"] for r in s.rows] == ["Eq. (1), γ = 0", "Eq. (1), γ = 0.5",
                                             "Eq. (1), γ = 1", "Eq. (2)"]
    assert all(base[g].free_d for g in (0.0, 0.5, 1.0)) and not base["eq2"].free_d
    assert 0 <= base[0.5].scores["auc"] <= 1
    assert len(s.all_ds) == 2 + len(s.random_ds)


def test_transformed_scales_the_penalties(study):
    s, data = study
    s.rows.clear()
    G2 = 4.0 * s.G
    fits, ratio = s.transformed("x", G2)
    assert ratio == pytest.approx(4.0)
    assert len(s.rows) == 4 and {r["remedy"] for r in s.rows} == {"x"}
    # the same model at 4× the data: λ₁·4 and λ₂·2 give the same cosines
    np.testing.assert_allclose(fits[0.5].S, cossim.item_item_cosine(
        cossim.eq1_factors(s.spectrum, s.lam1, 0.5).B), atol=1e-8)


def test_projections_are_independent_of_d(study):
    s, data = study
    A1, B1 = cossim.eq1_factors(s.spectrum, s.lam1, 0.5)
    rows, cols, users, latent = s.projections(A1, B1, data.X, np.arange(20))
    assert rs.max_change(rows) < 1e-10 and rs.max_change(cols) < 1e-10
    assert rs.max_change(users) < 1e-10 and rs.max_change(latent) > 1e-6


def test_max_change_and_compare():
    fam = {0: np.zeros(3), 1: np.array([0.0, -2.0, 1.0])}
    assert rs.max_change(fam) == 2.0
    assert rs.compare(0.5, 0.5002) == "level with"
    assert rs.compare(0.6, 0.5) == "above" and rs.compare(0.4, 0.5) == "below"


def test_objective_path_is_zero_at_t0_and_flat_for_eq1(study):
    s, _ = study
    A1, B1 = cossim.eq1_factors(s.spectrum, s.lam1, 0.5)
    ts = np.linspace(-1, 1, 5)
    rel = rs.objective_path(s.eq1_objective(), A1, B1, np.linspace(-1, 1, 4), ts)
    assert rel[2] == 0 and np.max(np.abs(rel)) < 1e-10
    fig = rs.plot_objective_path(ts, rel, rel)
    assert len(fig.axes[0].lines) == 3
    plt.close(fig)


def test_summary_numbers_picks_best_rows():
    rows = [{"remedy": "baseline", "variant": "a", "auc": 0.8, "purity": 0.9, "free D moves cosines": "yes"},
            {"remedy": "r1", "variant": "b", "auc": 0.85, "purity": 0.9, "free D moves cosines": "yes"},
            {"remedy": "r2", "variant": "c", "auc": 0.8001, "purity": 0.95, "free D moves cosines": "no"}]
    table = rs.summary_table(rows, 10)
    assert "purity@10" in table and "a free D moves the cosines" in table
    numbers, remedy_rows = rs.summary_numbers(table)
    assert len(remedy_rows) == 2 and numbers["n_remedy_rows"] == 2
    assert numbers["best_remedy_name"] == "r1 (b)" and numbers["best_unique_name"] == "r2 (c)"
    assert numbers["unique_vs_base"] == "level with" and numbers["n_better"] == 1
    html = rs.style_summary(table, 10).to_html()
    assert "0.850" in html


def test_cosine_fit_numbers():
    class Fit:
        def __init__(self, objective):
            self.objective = objective

    class Check:
        def __init__(self, v):
            self.objective_change = np.array([v, 1.0])

    fits = {0.0: Fit(3.0), 0.5: Fit(1.0), 1.0: Fit(2.0)}
    cos_scores = {0.0: {"auc": 0.7}, 0.5: {"auc": 0.9}, 1.0: {"auc": 0.8}}
    base = {0.0: {"auc": 0.71}, 0.5: {"auc": 0.88}, 1.0: {"auc": 0.8}}
    n = rs.cosine_fit_numbers(fits, cos_scores, base, 10.0, {0: Check(0.1), 1: Check(0.3)})
    assert n["cos_best_fit_start"] == "0.5" and n["cos_best_fit_same"] == "is also"
    assert n["cos_obj_spread"] == pytest.approx(0.2)
    assert n["cos_auc_drift"] == pytest.approx(0.02)
    assert n["cos_min_obj_change"] == pytest.approx(0.1)
