import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import cossim
from cossim.report import first_objective as F


def test_subspace_values_top_k_wins_and_rng_order_is_fixed():
    X = cossim.simulate(300, 30, 3, seed=1).X.toarray()
    spec, full = cossim.top_singular(X, 4), cossim.top_singular(X)
    a = F.subspace_values(X, spec, full, 5.0, np.random.default_rng(0), 3)
    b = F.subspace_values(X, spec, full, 5.0, np.random.default_rng(0), 3)
    assert a.best == b.best and a.random == b.random and a.subset == b.subset
    np.testing.assert_allclose(a.best, cossim.eq1_optimal_value(X, spec.sigma, 5.0), rtol=1e-10)
    assert min(a.random) > a.best and min(a.subset) >= a.best and a.swap > a.best
    assert sorted(a.perturbed) == [1e-3, 1e-2, 1e-1]
    assert all(v >= a.best for v in a.perturbed.values())


def test_shown_rows_spaces_evenly_and_caps():
    order = np.arange(10)[::-1]
    np.testing.assert_array_equal(F.shown_rows(order, 3), [9, 5, 0])
    np.testing.assert_array_equal(F.shown_rows(order, 50), order)


def test_plot_choices_draws_two_rows_of_three():
    M = np.eye(4)
    cos = {c: {"item–item": M, "user–user": M, "user–item": M} for c in "ab"}
    fig = F.plot_choices(cos, np.arange(4), np.arange(2))
    assert len(fig.axes) == 7                        # six panels and a colour bar
    assert fig.axes[0].get_title() == "(a) item–item"
    plt.close(fig)
