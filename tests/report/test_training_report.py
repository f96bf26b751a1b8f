import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import cossim
from cossim.beyond.training import train_runs
from cossim.report import training_report as TR
from cossim.report.training_report import plot_run_scatter, training_errors


def test_training_errors_zero_for_the_closed_forms_and_plot():
    X = cossim.simulate(200, 20, 2, seed=0).X
    spec = cossim.top_singular(X, 2)
    ref1, ref2 = cossim.eq1_factors(spec, 10.0, 0.5), cossim.eq2_factors(spec, 1.0)

    class Run:
        def __init__(self, f):
            self.A, self.B, self.history = f.A, f.B, np.array([3.0, 2.0, 2.0])

    e = training_errors(X, [Run(ref1)], [Run(ref2)], ref1, ref2)
    assert all(e[k] < 1e-12 for k in ("err1_W", "err1_pred", "err2_pred", "err2_gram", "err2_W"))
    runs = train_runs(X, 2, 10.0, "eq1", n_runs=2, seed=0, n_steps=5)
    fig = plot_run_scatter(runs, runs, X.shape[1])
    assert fig.axes[0].get_title() == "Eq. (1): product penalty"
    plt.close(fig)


def test_lambda_tolerances_and_offdiag_share():
    X = cossim.simulate(300, 30, 2, seed=1).X
    spec = cossim.top_singular(X, 3)
    tol = TR.lambda_tolerances(X, spec, 50.0, "eq1", 0.1)
    f, g = cossim.eq1_factors(spec, 50.0, 0.5), cossim.eq1_factors(spec, 55.0, 0.5)
    W, Wg = f.A @ f.B.T, g.A @ g.B.T
    np.testing.assert_allclose(tol["W"], 0.5 * np.linalg.norm(Wg - W) / np.linalg.norm(W), rtol=1e-12)
    assert TR.offdiag_share(cossim.eq1_factors(spec, 50.0, 0.2).B, spec.V) < 1e-12
    R = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    assert TR.offdiag_share(spec.V @ np.diag([3.0, 2.0, 1.0]) @ R, spec.V) < 1e-12
    C = np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert TR.offdiag_share(spec.V @ C, spec.V) > 0.1


def test_imbalance_change_and_drift_ratio():
    X = cossim.simulate(300, 30, 2, seed=1).X
    runs = train_runs(X, 2, 50.0, "eq1", n_runs=2, n_steps=50, steps="ratio", step_scale=0.01)
    lo, hi = TR.imbalance_change(runs)
    assert 0 <= lo <= hi < 0.5
    d = TR.drift_ratio(X, 2, 50.0, n_steps=40, step_scale=0.05)
    assert d["drift_full"] <= d["bound_full"] * (1 + 1e-9)
    assert 0.1 < d["ratio"] < 0.5
