import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import cossim
from cossim.beyond.training import train_runs
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
    assert e["monotone"]
    bad = Run(ref1)
    bad.history = np.array([1.0, 2.0])
    assert not training_errors(X, [bad], [Run(ref2)], ref1, ref2)["monotone"]
    runs = train_runs(X, 2, 10.0, "eq1", n_runs=2, seed=0, n_steps=5)
    fig = plot_run_scatter(runs, runs, X.shape[1])
    assert fig.axes[0].get_title() == "Eq. (1): product penalty"
    plt.close(fig)
