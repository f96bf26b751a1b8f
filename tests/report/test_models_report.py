import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import cossim
from cossim.report import models_report as mr
from cossim.report.models_report import noise_table, plot_cosine_vs_d
from cossim.report.tolerances import value_tolerance


def test_noise_table_matches_exact_formula_and_monte_carlo():
    X = cossim.simulate(60, 8, seed=0, max_items_per_user=4).X.toarray()
    A, B = cossim.fit_eq1(X, 3, 5.0)
    W = A @ B.T
    fit_term = float(np.sum((X - X @ W) ** 2))
    table = noise_table(X, W, fit_term, {"Gaussian": 0.2, "dropout": 0.3}, 300, 1)
    assert list(table.columns) == ["Gaussian", "dropout"]
    assert table.loc["exact E[loss]", "dropout"] == cossim.expected_noisy_loss(X, W, "dropout", 0.3)
    mc = cossim.monte_carlo_noisy_loss(X, W, "gaussian", 0.2, n_samples=300, seed=1)
    assert table.loc["Monte Carlo mean", "Gaussian"] == mc.mean
    assert abs(table.loc["z vs exact", "Gaussian"]) < 5
    # Gaussian noise has equal weights, so the one-λ prediction is the exact value
    lam = cossim.gaussian_noise_lambda(X.shape[0], 0.2)
    assert abs(table.loc["one-λ prediction", "Gaussian"] - table.loc["exact E[loss]", "Gaussian"]) \
        <= value_tolerance(X, A, B, lam, "eq1")
    # a simulation at another level is rejected
    off = noise_table(X, W, fit_term, {"Gaussian": 0.2}, 300, 1, mc_levels={"Gaussian": 0.3})
    assert abs(off.loc["z vs exact", "Gaussian"]) > 5


def test_plot_cosine_vs_d():
    S = np.eye(3)
    fig = plot_cosine_vs_d(S, S, ~np.eye(3, dtype=bool))
    assert fig.axes[0].get_xlabel() == "item–item cosine, Eq. (5) solution"
    plt.close(fig)


def _model(seed=0):
    X = cossim.simulate(120, 12, 3, seed=seed, max_items_per_user=6).X.toarray()
    spec = cossim.top_singular(X, 3)
    return X, spec, cossim.eq1_factors(spec, 4.0, "symmetric"), cossim.eq2_factors(spec, 1.0)


def test_rescaled_values_and_stationarity():
    X, spec, fit1, fit2 = _model()
    d = np.array([0.5, 2.0, 1.5])
    f, f_d, tol = mr.rescaled_values(X, fit1, cossim.rescale(*fit1, d), 4.0, "eq1")
    assert abs(f_d - f) <= tol
    f, f_d, tol = mr.rescaled_values(X, fit2, cossim.rescale(*fit2, d), 1.0, "eq2")
    assert f_d - f > tol
    for fit, lam, which in ((fit1, 4.0, "eq1"), (fit2, 1.0, "eq2")):
        g, tol = mr.stationarity(X, fit, lam, which)
        assert g <= tol


def test_gaussian_gap_and_noise_blindness():
    X, spec, (A, B), _ = _model(1)
    gap, tol = mr.gaussian_penalty_gap(X, A, B, 0.3)
    assert gap <= tol
    wrong, _ = mr.gaussian_penalty_gap(X, A, B, 0.3, lam=X.shape[0] * 0.3)
    assert wrong > tol
    d = np.array([0.5, 2.0, 1.5])
    change, tol = mr.noise_blind_to_d(X, (A, B), cossim.rescale(A, B, d), {"gaussian": 0.3, "dropout": 0.2})
    assert change <= tol


def test_rescaling_effects_counts_changes_beyond_rounding():
    X, spec, fit1, _ = _model(2)
    d = np.array([0.25, 4.0, 1.0])
    eff = mr.rescaling_effects(X, fit1, cossim.rescale(*fit1, d))
    assert eff["pred_change"] <= eff["pred_tol"] and eff["cos_change"] > eff["cos_tol"]
    same = mr.rescaling_effects(X, fit1, cossim.rescale(*fit1, np.full(3, 2.0)))
    assert same["nn_changed"] == 0 and same["cos_change"] <= same["cos_tol"]
