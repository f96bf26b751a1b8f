import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.stats

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
    # the same model at 4× the data: λ₁·4 and λ₂·2 give the same cosines; the two spectra come
    # from two eigen-decompositions, whose vectors agree to ~ε‖G‖/gap (≈ 1e-12 here), 1e-10
    # leaves room; a wrong scaling of λ₁ (e.g. ×2) moves cosines by ~1e-2
    np.testing.assert_allclose(fits[0.5].S, cossim.item_item_cosine(
        cossim.eq1_factors(s.spectrum, s.lam1, 0.5).B), atol=1e-10)


def test_projections_are_independent_of_d(study):
    s, data = study
    A1, B1 = cossim.eq1_factors(s.spectrum, s.lam1, 0.5)
    rows, cols, users, latent = s.projections(A1, B1, data.X, np.arange(20))
    # projections: identical for every D up to rounding of cosines (~1e-15; 1e-10 allows for the
    # Gram matrices' conditioning); the latent cosines move by far more than cosine_tol = 1e-6
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
    assert rel[2] == 0 and np.max(np.abs(rel)) < 1e-10  # flat up to rounding (~1e-15 relative)
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


def test_cosine_fit_numbers_read_the_path_table():
    class Fit:
        def __init__(self, objective, converged=False):
            self.objective, self.converged = objective, converged
            self.grad_norm, self.grad_norm_start = 1.0, 100.0

    fits = {0.0: Fit(3.0), 0.5: Fit(1.0), 1.0: Fit(2.0, converged=True)}
    rows = []
    for g, (auc0, auc1, s0, s1) in {0.0: (0.8, 0.6, 0.1, 0.5), 0.5: (0.9, 0.7, 0.1, 0.3),
                                    1.0: (0.95, 0.65, 0.2, 0.5)}.items():
        for it, auc, s in ((0, auc0, s0), (10, auc1, s1)):
            rows.append({"start γ": f"{g:g}", "iteration": it, "excess over Eq. (1)": 0.1 * it,
                         "scale s": s, "top-direction share of B": 0.1 + 0.05 * it,
                         "cluster AUC": auc})
    n = rs.cosine_fit_numbers(fits, pd.DataFrame(rows))
    assert n["cos_auc_first_min"] == 0.8 and n["cos_auc_last_max"] == 0.7
    assert n["cos_auc_drop_min"] == pytest.approx(0.2) and n["cos_auc_drop_max"] == pytest.approx(0.3)
    assert n["cos_scale_growth_min"] == pytest.approx(2.5)
    assert n["cos_top_share_first_max"] == pytest.approx(0.1)
    assert n["cos_excess_last_max"] == pytest.approx(1.0) and n["cos_excess_spread"] == 0
    assert n["cos_grad_ratio_max"] == pytest.approx(0.01) and n["cos_n_converged"] == 1
    assert n["cos_best_fit_start"] == "0.5" and n["cos_best_fit_auc"] == 0.7
    assert n["cos_best_fit_same"] == "is also"


def test_cosine_path_table_and_units(study):
    s, _ = study
    fits = s.fit_cosine_models(8)
    A1, B1 = cossim.eq1_factors(s.spectrum, s.lam1, 0.5)
    f_eq1 = cossim.objective_eq1_gram(s.G, A1, B1, s.lam1)
    table = s.cosine_path_table(fits, f_eq1)
    assert rs.checkpoints(8) == [0, 1, 2, 4, 8] and rs.checkpoints(200) == [0, 25, 50, 100, 200]
    assert len(table) == 3 * len(rs.checkpoints(8))
    # excess in units of σ_k⁴/(σ_k² + λ₁): the Eq. (1) optimum drops by exactly that when
    # the k-th direction is added (closed form, rounding ~1e-12 relative)
    sigma = s.spectrum.sigma
    unit = sigma[-1] ** 4 / (sigma[-1] ** 2 + s.lam1)
    assert s.weakest_direction_value() == pytest.approx(unit, rel=1e-14)
    last = table[table.iteration == 8].set_index("start γ")
    for g, fit in fits.items():
        assert last.loc[f"{g:g}", "excess over Eq. (1)"] == pytest.approx(
            (fit.objective - f_eq1) / unit, rel=1e-12)
    assert (table["excess over Eq. (1)"] >= -1e-9).all()  # never below the Eq. (1) optimum


def test_top_direction_share():
    B = np.array([[1.0, 0.0], [2.0, 0.0], [-3.0, 0.0]])  # one direction up to sign
    assert rs.top_direction_share(B) == pytest.approx(1.0, rel=1e-15)
    assert rs.top_direction_share(np.eye(4)) == pytest.approx(0.25, rel=1e-15)


def test_free_d_change_and_min_objective_change():
    class Check:
        def __init__(self, obj, cos, free):
            self.objective_change, self.cosine_change = np.array(obj), np.array(cos)
            self.free = np.array(free)

    assert rs.free_d_cosine_change(Check([0, 1], [0.3, 0.9], [True, False])) == 0.3
    assert rs.free_d_cosine_change(Check([1, 1], [0.3, 0.9], [False, False])) == 0.0
    checks = {0: Check([0.5, 0.2], [0, 0], [0, 0]), 1: Check([0.1], [0], [0])}
    assert rs.min_objective_change(checks) == 0.1
    assert rs.min_objective_change(list(checks.values())) == 0.1


def test_energy_share_and_popularity_rho():
    X = sp.csr_matrix(np.array([[1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [1, 0, 0, 0, 1.0]]))
    # column energies 3, 2, 1, 0, 1: the top fifth (one item) holds 3/7
    assert rs.top_items_energy_share(X, 0.2) == pytest.approx(3 / 7, rel=1e-15)
    assert rs.top_items_energy_share(X.toarray(), 0.2) == pytest.approx(3 / 7, rel=1e-15)
    assert rs.popularity_count_rho(X, [5.0, 4.0, 3.0, 1.0, 2.0]) == pytest.approx(
        scipy.stats.spearmanr([5, 4, 3, 1, 2], [3, 2, 1, 0, 1])[0], rel=1e-12)
