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
    fit = cossim.eq1_factors(spec, 5.0, "symmetric")
    gap, tol = F.closed_form_value(X, fit, 5.0, cossim.eq1_optimal_value(X, spec.sigma, 5.0), a.best,
                                   cossim.eq1_factors(spec, 5.0, 1.0))
    assert gap <= tol
    assert min(a.random) > a.best + tol and min(a.subset) >= a.best and a.swap > a.best + tol
    assert sorted(a.perturbed) == [1e-3, 1e-2, 1e-1]
    assert all(v > a.best + tol for v in a.perturbed.values())


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


def test_optimizer_checks_and_worst():
    X = cossim.simulate(200, 15, 3, seed=0, max_items_per_user=10).X.toarray()
    spec = cossim.top_singular(X, 2)
    closed = cossim.eq1_factors(spec, 5.0, "symmetric")
    runs = [cossim.minimize_eq1(X, 2, 5.0, seed=s) for s in (1, 2)]
    out = F.optimizer_checks(X, runs, closed, 5.0)
    assert all(g <= b for g, b in zip(out["value_gap"], out["value_bound"]))
    assert all(g <= b for g, b in zip(out["W_gap"], out["W_bound"]))
    assert max(out["below"]) <= min(out["below_bound"])
    assert F.worst([1.0, 3.0], [2.0, 4.0]) == (3.0, 4.0)
    assert F.worst([1.0, 3.0], [2.0, 4.0], "at_least") == (1.0, 2.0)


def test_family_and_choice_checks():
    X = cossim.simulate(300, 20, 3, seed=1).X.toarray()
    X = X[:, X.sum(axis=0) > 0]
    spec = cossim.top_singular(X, 3)
    m = cossim.eq1_shrinkage(spec.sigma, 6.0)
    members = {g: cossim.eq1_factors(spec, 6.0, g) for g in (0.0, 0.5, 1.0)}
    fam = F.family_checks(X, spec, members, 6.0, (spec.V * m) @ spec.V.T, gram=X.T @ X)
    for key in ("W", "value", "rescale", "eq5"):
        assert fam[f"{key}_gap"] <= fam[f"{key}_tol"], key
    full = cossim.top_singular(X)
    sol5 = cossim.eq1_factors(full, 6.0, "symmetric")
    choice = {c: cossim.rescale(*sol5, cossim.paper_choice_d(full.sigma, 6.0, c)) for c in "ab"}
    ab = F.choice_checks(X, X[:50], full, 6.0, choice)
    for key in ("a_identity", "a_ranking", "b_raw_users", "b_item_formula", "same_product", "same_value"):
        assert ab[key][0] <= ab[key][1], key
    assert ab["b_not_identity"][0] > ab["b_not_identity"][1]


def test_member_auc_spread():
    sim = cossim.simulate(400, 60, 3, seed=2)
    spec = cossim.top_singular(sim.X, 6)
    aucs, spread, floor = F.member_auc_spread(spec, 200.0, (0.0, 0.5, 1.0), sim.clusters)
    assert sorted(aucs) == [0.0, 0.5, 1.0] and spread == max(aucs.values()) - min(aucs.values())
    assert spread > floor > 0
