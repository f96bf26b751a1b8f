import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import cossim
from cossim.report.models_report import noise_table, plot_cosine_vs_d


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
    np.testing.assert_allclose(table.loc["one-λ prediction", "Gaussian"],
                               table.loc["exact E[loss]", "Gaussian"], rtol=1e-10)


def test_plot_cosine_vs_d():
    S = np.eye(3)
    fig = plot_cosine_vs_d(S, S, ~np.eye(3, dtype=bool))
    assert fig.axes[0].get_xlabel() == "item–item cosine, Eq. (5) solution"
    plt.close(fig)
