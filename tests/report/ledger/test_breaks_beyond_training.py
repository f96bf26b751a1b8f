"""Each claim of Chapter 6 holds on a small case and fails when the input is broken."""

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim.beyond.training import cosine_spread, gradient_descent, train_runs
from cossim.report import training_report as TR
from cossim.report.ledger import ClaimFailed, check

K, LAM1, LAM2 = 3, 500.0, 5.0


@pytest.fixture(scope="module")
def case():
    data = cossim.simulate(600, 50, 3, seed=0)
    X = data.X[:, np.flatnonzero(data.X.getnnz(axis=0) >= 5)]
    spec = cossim.top_singular(X, K)
    runs1 = train_runs(X, K, LAM1, "eq1", n_runs=2, n_steps=3000, init_scale=(0.1, 1.0))
    runs2 = train_runs(X, K, LAM2, "eq2", n_runs=2, n_steps=20000, init_scale=(0.1, 1.0))
    return X, spec, runs1, runs2


def _errors(case, lam1=LAM1, lam2=LAM2):
    X, spec, runs1, runs2 = case
    return TR.training_errors(X, runs1, runs2, cossim.eq1_factors(spec, lam1, 0.5),
                              cossim.eq2_factors(spec, lam2))


@breaks("ch6-eq1-product-matches", "ch6-eq1-predictions-match")
def test_eq1_match_breaks_with_the_wrong_lambda(case):
    X, spec = case[:2]
    tol = TR.lambda_tolerances(X, spec, LAM1, "eq1", 1e-6)
    good = _errors(case)
    check("ch6-eq1-product-matches", measured=good["err1_W"], at_most=tol["W"])
    check("ch6-eq1-predictions-match", measured=good["err1_pred"], at_most=tol["pred"])
    bad = _errors(case, lam1=LAM1 * (1 + 1e-5))
    with pytest.raises(ClaimFailed):
        check("ch6-eq1-product-matches", measured=bad["err1_W"], at_most=tol["W"])
    with pytest.raises(ClaimFailed):
        check("ch6-eq1-predictions-match", measured=bad["err1_pred"], at_most=tol["pred"])


@breaks("ch6-eq2-predictions-match", "ch6-eq2-gram-matches")
def test_eq2_match_breaks_with_the_wrong_lambda(case):
    X, spec = case[:2]
    tol = TR.lambda_tolerances(X, spec, LAM2, "eq2", 0.1)
    good = _errors(case)
    check("ch6-eq2-predictions-match", measured=good["err2_pred"], at_most=tol["pred"])
    check("ch6-eq2-gram-matches", measured=good["err2_gram"], at_most=tol["gram"])
    bad = _errors(case, lam2=LAM2 * 1.2)
    with pytest.raises(ClaimFailed):
        check("ch6-eq2-predictions-match", measured=bad["err2_pred"], at_most=tol["pred"])
    with pytest.raises(ClaimFailed):
        check("ch6-eq2-gram-matches", measured=bad["err2_gram"], at_most=tol["gram"])


@breaks("ch6-eq2-product-lags")
def test_product_lag_breaks_for_the_closed_form_itself(case):
    X, spec = case[:2]
    tol = TR.lambda_tolerances(X, spec, LAM2, "eq2", 0.1)
    f = cossim.eq2_factors(spec, LAM2)
    perfect = cossim.beyond.training.relative_error(f.A @ f.B.T, f.A @ f.B.T)
    with pytest.raises(ClaimFailed):  # a run that reached Eq. (6) exactly has no lag
        check("ch6-eq2-product-lags", measured=perfect, at_least=2 * tol["W"])


@breaks("ch6-block-steps-not-conserved")
def test_not_conserved_breaks_for_small_fixed_ratio_steps(case):
    X = case[0]
    lo, _ = TR.imbalance_change(case[2])
    check("ch6-block-steps-not-conserved", measured=lo, at_least=1.0)
    small = [gradient_descent(X, K, LAM1, "eq1", seed=s, n_steps=50, init_scale=(0.1, 1.0),
                              steps="ratio", step_scale=1e-3) for s in range(2)]
    with pytest.raises(ClaimFailed):
        check("ch6-block-steps-not-conserved", measured=TR.imbalance_change(small)[0], at_least=1.0)


@breaks("ch6-drift-first-order")
def test_first_order_breaks_when_the_step_is_not_reduced(case):
    X = case[0]
    d = TR.drift_ratio(X, K, LAM1, n_steps=100, init_scale=(0.1, 1.0), step_scale=0.05)
    assert d["drift_full"] <= d["bound_full"] and d["drift_small"] <= d["bound_small"]
    check("ch6-drift-first-order", measured=d["ratio"], at_most=0.5)
    same = TR.drift_ratio(X, K, LAM1, n_steps=100, init_scale=(0.1, 1.0), step_scale=0.05,
                          factor=1)
    with pytest.raises(ClaimFailed):
        check("ch6-drift-first-order", measured=same["ratio"], at_most=0.5)


@breaks("ch6-eq1-general-matrix", "ch6-eq2-gram-diagonal")
def test_offdiag_share_breaks_when_the_factors_are_swapped(case):
    X, spec, runs1, runs2 = case
    tol = TR.lambda_tolerances(X, spec, LAM2, "eq2", 0.1)["gram"]
    off1 = [TR.offdiag_share(r.B, spec.V) for r in runs1]
    off2 = [TR.offdiag_share(r.B, spec.V) for r in runs2]
    check("ch6-eq1-general-matrix", measured=min(off1), at_least=tol)
    check("ch6-eq2-gram-diagonal", measured=max(off2), at_most=tol)
    diag = TR.offdiag_share(cossim.eq1_factors(spec, LAM1, 0.3).B, spec.V)  # a diagonal D
    with pytest.raises(ClaimFailed):
        check("ch6-eq1-general-matrix", measured=diag, at_least=tol)
    with pytest.raises(ClaimFailed):  # Eq. (1) runs in place of Eq. (2) runs
        check("ch6-eq2-gram-diagonal", measured=max(off1), at_most=tol)


@breaks("ch6-seed-moves-cosines", "ch6-eq1-neighbours-less-stable")
def test_seed_effect_breaks_when_runs_are_repeated(case):
    X, _, runs1, runs2 = case
    s1 = cosine_spread([r.B for r in runs1], n_neighbours=5)
    s2 = cosine_spread([r.B for r in runs2], n_neighbours=5)
    check("ch6-seed-moves-cosines", measured=s1["mean_abs_diff"], at_least=s2["max_abs_diff"])
    one = 1 / (5 * X.shape[1])
    check("ch6-eq1-neighbours-less-stable", measured=s1["mean_topk_overlap"],
          at_most=s2["min_topk_overlap"] - one)
    same = cosine_spread([runs1[0].B, runs1[0].B], n_neighbours=5)  # one seed twice
    with pytest.raises(ClaimFailed):
        check("ch6-seed-moves-cosines", measured=same["mean_abs_diff"], at_least=s2["max_abs_diff"])
    with pytest.raises(ClaimFailed):
        check("ch6-eq1-neighbours-less-stable", measured=same["mean_topk_overlap"],
              at_most=s2["min_topk_overlap"] - one)


@breaks("ch6-init-scale-moves-cosines")
def test_init_scale_effect_breaks_when_the_scale_is_not_changed(case):
    X, _, runs1, runs2 = case
    floor = cosine_spread([r.B for r in runs2])["max_abs_diff"]
    kw = dict(n_seeds=1, init_scale=(0.1, 1.0), n_steps=3000)
    moved = TR.init_scale_effect(X, K, LAM1, runs1, (3.0,), **kw)
    check("ch6-init-scale-moves-cosines", measured=float(moved.min()), at_least=floor)
    unchanged = TR.init_scale_effect(X, K, LAM1, runs1, (1.0,), **kw)
    with pytest.raises(ClaimFailed):
        check("ch6-init-scale-moves-cosines", measured=float(unchanged.min()), at_least=floor)
