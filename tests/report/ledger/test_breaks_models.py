"""Every claim of Chapters 1–2.3 (and Chapter 6's flow law) fails when its input is broken on purpose.

Each test computes the claim's measured quantity with the chapter's own
function on a small case, shows that ``check`` passes, then breaks the input
the way a real mistake would (a wrong λ, a wrong exponent, D where D⁻¹ belongs,
a transposed or swapped factor, a wrong closed form, a non-orthogonal "rotation")
and shows that ``check`` fails.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim import symbolic
from cossim.report import first_objective as fo
from cossim.report import models_report as mr
from cossim.report import second_objective as so
from cossim.report.gradient_flow import euler_flow, one_sided_derivative
from cossim.report.ledger import ClaimFailed, check
from cossim.report.toy_report import toy_checks

sig, lam_s = symbolic.sigma, symbolic.lam


def holds_then_fails(claim_id, good, bad, kind="at_most"):
    """``good`` and ``bad`` are (measured, threshold); the first passes, the second raises."""
    check(claim_id, measured=good[0], **{kind: good[1]}, show=False)
    with pytest.raises(ClaimFailed):
        check(claim_id, measured=bad[0], **{kind: bad[1]}, show=False)


# ------------------------------------------------------------------ fixtures
TOY_B = np.array([[1.0, 1.0], [3.0, 1.0], [1.0, 2.0], [0.0, 1.0]])
TOY_X = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [1, 0, 0, 1]])
TOY_D = np.array([0.5, 2.0])


@pytest.fixture(scope="module")
def data():
    """Small simulated data with every item consumed, its spectrum and both closed forms."""
    X = cossim.simulate(300, 30, 3, seed=1, max_items_per_user=10).X.toarray()
    X = X[:, X.sum(axis=0) > 0]
    k = 4
    spec = cossim.top_singular(X, k)
    lam1, lam2 = 20.0, 2.0
    return SimpleNamespace(X=X, k=k, spec=spec, lam1=lam1, lam2=lam2,
                           fit1=cossim.eq1_factors(spec, lam1, "symmetric"),
                           fit2=cossim.eq2_factors(spec, lam2),
                           d=np.exp(np.random.default_rng(0).uniform(-1, 1, k)))


@pytest.fixture(scope="module")
def runs(data):
    """Two L-BFGS runs per objective on the small data."""
    return {"eq1": [cossim.minimize_eq1(data.X, data.k, data.lam1, seed=s) for s in (1, 2)],
            "eq2": [cossim.minimize_eq2(data.X, data.k, data.lam2, seed=s) for s in (1, 2)]}


def fake_runs(X, factors_list, lam, which):
    """Optimiser-result stand-ins at given factors (a run that started at the closed form)."""
    objective = cossim.objective_eq1 if which == "eq1" else cossim.objective_eq2
    return [SimpleNamespace(factors=F, value=objective(X, *F, lam)) for F in factors_list]


# ------------------------------------------------------------------ Chapter 1
@breaks("ch1-toy-predictions-unchanged")
def test_toy_predictions_break_when_B_is_scaled_by_D_not_its_inverse():
    A = TOY_B.copy()
    ok = toy_checks(TOY_X, A, TOY_B, *cossim.rescale(A, TOY_B, TOY_D))
    bad = toy_checks(TOY_X, A, TOY_B, A * TOY_D, TOY_B * TOY_D)
    holds_then_fails("ch1-toy-predictions-unchanged", (ok["score_change"], ok["score_tol"]),
                     (bad["score_change"], bad["score_tol"]))


@breaks("ch1-toy-item-cosines-change", "ch1-toy-neighbour-changes", "ch1-toy-user-cosines-change")
def test_toy_cosine_claims_break_under_a_uniform_rescaling():
    """D = 2·I rescales every latent dimension alike: no cosine moves, no neighbour changes."""
    A = TOY_B.copy()
    ok = toy_checks(TOY_X, A, TOY_B, *cossim.rescale(A, TOY_B, TOY_D))
    bad = toy_checks(TOY_X, A, TOY_B, *cossim.rescale(A, TOY_B, np.array([2.0, 2.0])))
    for cid, key, tol in (("ch1-toy-item-cosines-change", "item_cos_change", "cos_tol"),
                          ("ch1-toy-neighbour-changes", "nn_reversal", "cos_tol"),
                          ("ch1-toy-user-cosines-change", "user_cos_change", "user_cos_tol")):
        holds_then_fails(cid, (ok[key], ok[tol]), (bad[key], bad[tol]), "at_least")


# ------------------------------------------------------- Chapter 2: symbolic
@breaks("ch2-eq1-rescaling-symbolic")
def test_eq1_rescaling_identity_breaks_for_the_second_objective():
    good = symbolic.eq1_rescaling_difference(1, 2, 2)
    bad = symbolic.eq1_rescaling_difference(1, 2, 2, objective=symbolic.eq2_objective)
    holds_then_fails("ch2-eq1-rescaling-symbolic", (symbolic.nonzero_terms(good), 0),
                     (symbolic.nonzero_terms(bad), 0))


@breaks("ch2-eq1-rotation-symbolic", "ch2-eq2-rotation-symbolic")
def test_rotation_identities_break_for_a_shear():
    import sympy as sp

    _, _, (s, _) = symbolic.rotation_2d()
    shear = sp.Matrix([[1, s], [0, 1]])
    for cid, fn in (("ch2-eq1-rotation-symbolic", symbolic.eq1_rotation_difference),
                    ("ch2-eq2-rotation-symbolic", symbolic.eq2_rotation_difference)):
        holds_then_fails(cid, (symbolic.nonzero_terms(fn(1, 2)), 0),
                         (symbolic.nonzero_terms(fn(1, 2, transform=shear)), 0))


@breaks("ch2-eq2-rescaling-formula")
def test_eq2_change_formula_breaks_with_the_wrong_power_of_d():
    good = symbolic.eq2_rescaling_difference(1, 2, 2).residual
    bad = symbolic.eq2_rescaling_difference(1, 2, 2, power=1).residual
    holds_then_fails("ch2-eq2-rescaling-formula", (symbolic.nonzero_terms(good), 0),
                     (symbolic.nonzero_terms(bad), 0))


@breaks("ch2-eq2-not-rescaling-invariant")
def test_eq2_non_invariance_breaks_at_lambda_zero():
    good = symbolic.eq2_rescaling_difference(1, 2, 2).difference
    bad = symbolic.eq2_rescaling_difference(1, 2, 2, lam_=0).difference
    holds_then_fails("ch2-eq2-not-rescaling-invariant", (symbolic.nonzero_terms(good), 1),
                     (symbolic.nonzero_terms(bad), 1), "at_least")


@breaks("ch2-eq2-optimum-excess")
def test_optimum_excess_breaks_for_a_wrong_formula():
    excess, d = symbolic.eq2_rescaled_optimum_excess()
    right = lam_s * (sig - lam_s) * (d - 1 / d) ** 2
    wrong = lam_s * (sig - lam_s) * (d - 1) ** 2
    holds_then_fails("ch2-eq2-optimum-excess", (symbolic.nonzero_terms(excess - right), 0),
                     (symbolic.nonzero_terms(excess - wrong), 0))


# ------------------------------------------------------- Chapter 2: numerics
@breaks("ch2-eq1-value-d-invariant")
def test_eq1_value_invariance_breaks_when_both_factors_get_D(data):
    A, B = data.fit1
    good = mr.rescaled_values(data.X, data.fit1, cossim.rescale(A, B, data.d), data.lam1, "eq1")
    bad = mr.rescaled_values(data.X, data.fit1, (A * data.d, B * data.d), data.lam1, "eq1")
    holds_then_fails("ch2-eq1-value-d-invariant", (abs(good[1] - good[0]), good[2]),
                     (abs(bad[1] - bad[0]), bad[2]))


@breaks("ch2-eq2-value-d-worse")
def test_eq2_value_increase_breaks_for_a_sign_flip_d(data):
    """D = dMat(±1) is orthogonal: Eq. (2) does not notice it."""
    good = mr.rescaled_values(data.X, data.fit2, cossim.rescale(*data.fit2, data.d), data.lam2, "eq2")
    signs = np.array([1.0, -1.0, -1.0, 1.0])
    bad = mr.rescaled_values(data.X, data.fit2, cossim.rescale(*data.fit2, signs), data.lam2, "eq2")
    holds_then_fails("ch2-eq2-value-d-worse", (good[1] - good[0], good[2]),
                     (bad[1] - bad[0], bad[2]), "at_least")


@breaks("ch2-eq1-stationary", "ch2-eq2-stationary")
def test_stationarity_breaks_for_a_closed_form_with_lambda_off_by_one_percent(data):
    for cid, which, lam, build in (
            ("ch2-eq1-stationary", "eq1", data.lam1, lambda lam_: cossim.eq1_factors(data.spec, lam_, 0.5)),
            ("ch2-eq2-stationary", "eq2", data.lam2, lambda lam_: cossim.eq2_factors(data.spec, lam_))):
        holds_then_fails(cid, mr.stationarity(data.X, build(lam), lam, which),
                         mr.stationarity(data.X, build(1.01 * lam), lam, which))


def _noise_setup():
    X = cossim.simulate(200, 20, seed=0, max_items_per_user=10).X.toarray()
    A, B = cossim.fit_eq1(X, 8, 5.0)
    W = A @ B.T
    return X, A, B, W, float(np.sum((X - X @ W) ** 2))


@breaks("ch2-noise-gaussian-mc", "ch2-noise-dropout-mc")
def test_monte_carlo_claims_break_when_the_simulated_noise_level_is_wrong():
    X, _, _, W, fit = _noise_setup()
    levels = {"Gaussian": 0.2, "dropout": 0.3}
    good = mr.noise_table(X, W, fit, levels, 1000, 1)
    bad = mr.noise_table(X, W, fit, levels, 1000, 1, mc_levels={"Gaussian": 0.25, "dropout": 0.4})
    for cid, kind in (("ch2-noise-gaussian-mc", "Gaussian"), ("ch2-noise-dropout-mc", "dropout")):
        holds_then_fails(cid, (abs(good.loc["z vs exact", kind]), 4.0),
                         (abs(bad.loc["z vs exact", kind]), 4.0))


@breaks("ch2-noise-gaussian-is-eq1")
def test_gaussian_penalty_breaks_with_lambda_ns_instead_of_ns2():
    X, A, B, _, _ = _noise_setup()
    holds_then_fails("ch2-noise-gaussian-is-eq1", mr.gaussian_penalty_gap(X, A, B, 0.2),
                     mr.gaussian_penalty_gap(X, A, B, 0.2, lam=X.shape[0] * 0.2))


@breaks("ch2-noise-dropout-not-one-lambda")
def test_dropout_is_one_lambda_when_all_columns_have_the_same_norm():
    """On data whose columns all have the same norm, dropout IS Eq. (1): the claim must fail."""
    X, _, _, W, fit = _noise_setup()
    good = mr.noise_table(X, W, fit, {"dropout": 0.3}, 1000, 1)
    even = np.tile(np.eye(20), (10, 1))                     # every item consumed by 10 users
    A, B = cossim.fit_eq1(even + 0.0, 8, 5.0)
    W_e = A @ B.T
    bad = mr.noise_table(even, W_e, float(np.sum((even - even @ W_e) ** 2)), {"dropout": 0.3}, 1000, 1)
    holds_then_fails("ch2-noise-dropout-not-one-lambda", (abs(good.loc["z vs one-λ", "dropout"]), 4.0),
                     (abs(bad.loc["z vs one-λ", "dropout"]), 4.0), "at_least")


@breaks("ch2-noise-blind-to-d")
def test_noise_blindness_breaks_when_both_factors_get_D():
    X, A, B, _, _ = _noise_setup()
    d = np.exp(np.random.default_rng(3).uniform(-1, 1, A.shape[1]))
    levels = {"gaussian": 0.2, "dropout": 0.3}
    holds_then_fails("ch2-noise-blind-to-d", mr.noise_blind_to_d(X, (A, B), cossim.rescale(A, B, d), levels),
                     mr.noise_blind_to_d(X, (A, B), (A * d, B * d), levels))


@breaks("ch2-eq4-item-item", "ch2-eq4-user-user", "ch2-eq4-user-item")
def test_eq4_breaks_when_the_rescaling_is_applied_the_wrong_way_round(data):
    A, B = data.fit1
    good = mr.eq4_errors(data.X, A, B, data.d)
    bad = mr.eq4_errors(data.X, A, B, data.d, fit_d=cossim.rescale(A, B, 1 / data.d))
    for name in ("item-item", "user-user", "user-item"):
        holds_then_fails(f"ch2-eq4-{name}", good[name], bad[name])


@breaks("ch2-d-keeps-predictions")
def test_predictions_change_when_both_factors_get_D(data):
    A, B = data.fit1
    good = mr.rescaling_effects(data.X, data.fit1, cossim.rescale(A, B, data.d))
    bad = mr.rescaling_effects(data.X, data.fit1, (A * data.d, B * data.d))
    holds_then_fails("ch2-d-keeps-predictions", (good["pred_change"], good["pred_tol"]),
                     (bad["pred_change"], bad["pred_tol"]))


@breaks("ch2-d-changes-cosines", "ch2-d-changes-neighbours")
def test_cosine_changes_vanish_under_a_uniform_rescaling(data):
    A, B = data.fit1
    d = np.exp(np.random.default_rng(5).uniform(-np.log(4), np.log(4), data.k))
    good = mr.rescaling_effects(data.X, data.fit1, cossim.rescale(A, B, d))
    bad = mr.rescaling_effects(data.X, data.fit1, cossim.rescale(A, B, np.full(data.k, 3.0)))
    holds_then_fails("ch2-d-changes-cosines", (good["cos_change"], good["cos_tol"]),
                     (bad["cos_change"], bad["cos_tol"]), "at_least")
    holds_then_fails("ch2-d-changes-neighbours", (good["nn_changed"], 1), (bad["nn_changed"], 1),
                     "at_least")


# ------------------------------------------------------------- Chapter 2.2
@breaks("ch22-eq1-decoupling-symbolic")
def test_decoupling_breaks_with_a_wrong_centre():
    bad = symbolic.eq1_decoupling_identity(2, shrinkage=lambda s: s / (s + lam_s))
    holds_then_fails("ch22-eq1-decoupling-symbolic",
                     (symbolic.nonzero_terms(symbolic.eq1_decoupling_identity(2)), 0),
                     (symbolic.nonzero_terms(bad), 0))


@breaks("ch22-eq1-scalar-symbolic")
def test_scalar_minimiser_breaks_against_lambda_over_sigma():
    s = symbolic.eq1_scalar_minimiser()
    good = symbolic.nonzero_terms(s.minimiser - 1 / (1 + lam_s / sig**2))
    bad = symbolic.nonzero_terms(s.minimiser - 1 / (1 + lam_s / sig))
    holds_then_fails("ch22-eq1-scalar-symbolic", (good, 0), (bad, 0))


@breaks("ch22-truncation-monotone")
def test_truncation_score_breaks_for_a_decreasing_weight():
    _, good = symbolic.eq1_truncation_score()
    _, bad = symbolic.eq1_truncation_score(weight=1 / sig**3)
    holds_then_fails("ch22-truncation-monotone", (symbolic.positive_factors_missing(good), 0),
                     (symbolic.positive_factors_missing(bad), 0))


@breaks("ch22-closed-form-value")
def test_closed_form_value_breaks_against_a_minimum_with_lambda_off(data):
    X, spec, lam = data.X, data.spec, data.lam1
    best = cossim.eq1_value_on_subspace(X, spec.V, lam)
    ridge = cossim.eq1_factors(spec, lam, 1.0)
    holds_then_fails("ch22-closed-form-value",
                     fo.closed_form_value(X, data.fit1, lam, cossim.eq1_optimal_value(X, spec.sigma, lam),
                                          best, ridge),
                     fo.closed_form_value(X, data.fit1, lam,
                                          cossim.eq1_optimal_value(X, spec.sigma, 1.01 * lam), best, ridge))


@breaks("ch22-lbfgs-value", "ch22-lbfgs-not-lower", "ch22-lbfgs-product")
def test_optimizer_claims_break_against_a_closed_form_with_lambda_off(data, runs):
    good = fo.optimizer_checks(data.X, runs["eq1"], data.fit1, data.lam1)
    wrong = cossim.eq1_factors(data.spec, 1.01 * data.lam1, "symmetric")
    bad = fo.optimizer_checks(data.X, runs["eq1"], wrong, data.lam1)
    for cid, m, b in (("ch22-lbfgs-value", "value_gap", "value_bound"),
                      ("ch22-lbfgs-product", "W_gap", "W_bound")):
        holds_then_fails(cid, fo.worst(good[m], good[b]), fo.worst(bad[m], bad[b]))
    holds_then_fails("ch22-lbfgs-not-lower", (max(good["below"]), min(good["below_bound"])),
                     (max(bad["below"]), min(bad["below_bound"])))


@breaks("ch22-lbfgs-other-member")
def test_other_member_breaks_for_a_run_that_is_the_closed_form(data, runs):
    good = fo.optimizer_checks(data.X, runs["eq1"], data.fit1, data.lam1)
    bad = fo.optimizer_checks(data.X, fake_runs(data.X, [data.fit1], data.lam1, "eq1"), data.fit1,
                              data.lam1)
    holds_then_fails("ch22-lbfgs-other-member", fo.worst(good["factor_gap"], good["distance"], "at_least"),
                     fo.worst(bad["factor_gap"], bad["distance"], "at_least"), "at_least")


@breaks("ch22-topk-subspace-best")
def test_topk_claim_breaks_when_the_best_subspace_skips_the_first_direction(data):
    X, lam = data.X, data.lam1
    full = cossim.top_singular(X)
    tol = fo.closed_form_value(X, data.fit1, lam, 0.0, 0.0, data.fit1)[1]

    def excess(spectrum):
        sub = fo.subspace_values(X, spectrum, full, lam, np.random.default_rng(0), 5)
        return min(min(sub.random), min(sub.subset), sub.swap, *sub.perturbed.values()) - sub.best

    shifted = cossim.Spectrum(full.sigma[1:data.k + 1], full.V[:, 1:data.k + 1])
    holds_then_fails("ch22-topk-subspace-best", (excess(data.spec), tol), (excess(shifted), tol),
                     "at_least")


@breaks("ch22-eq5-symmetric", "ch22-family-product", "ch22-family-value", "ch22-family-is-rescaling")
def test_family_claims_break_for_a_member_with_a_wrong_exponent(data):
    spec, lam = data.spec, data.lam1
    m = cossim.eq1_shrinkage(spec.sigma, lam)
    W = (spec.V * m) @ spec.V.T
    members = {g: cossim.eq1_factors(spec, lam, g) for g in (0.0, 0.5, 1.0)}
    good = fo.family_checks(data.X, spec, members, lam, W)
    broken = dict(members)
    broken[0.5] = cossim.Factors(spec.V * m**0.5, spec.V * m**0.6)      # B gets m^0.6, not m^0.5
    broken[1.0] = cossim.Factors(spec.V * m**0.1, spec.V * m)           # A gets m^0.1, not m^0
    bad = fo.family_checks(data.X, spec, broken, lam, W)
    for cid, key in (("ch22-eq5-symmetric", "eq5"), ("ch22-family-product", "W"),
                     ("ch22-family-value", "value"), ("ch22-family-is-rescaling", "rescale")):
        holds_then_fails(cid, (good[f"{key}_gap"], good[f"{key}_tol"]),
                         (bad[f"{key}_gap"], bad[f"{key}_tol"]))


@pytest.fixture(scope="module")
def full_rank(data):
    full = cossim.top_singular(data.X)
    sol5 = cossim.eq1_factors(full, data.lam1, "symmetric")
    choice = {c: cossim.rescale(*sol5, cossim.paper_choice_d(full.sigma, data.lam1, c)) for c in "ab"}
    return full, choice


@breaks("ch22-choices-same-model", "ch22-choices-same-value")
def test_choices_are_different_models_when_b_uses_another_lambda(data, full_rank):
    full, choice = full_rank
    other = cossim.eq1_factors(full, 1.5 * data.lam1, "symmetric")
    wrong = dict(choice, b=cossim.rescale(*other, cossim.paper_choice_d(full.sigma, 1.5 * data.lam1, "b")))
    good = fo.choice_checks(data.X, data.X[:100], full, data.lam1, choice)
    bad = fo.choice_checks(data.X, data.X[:100], full, data.lam1, wrong)
    for cid, key in (("ch22-choices-same-model", "same_product"), ("ch22-choices-same-value", "same_value")):
        holds_then_fails(cid, good[key], bad[key])


@breaks("ch22-choice-a-identity", "ch22-choice-a-ranking", "ch22-choice-b-raw-users",
        "ch22-choice-b-item-formula", "ch22-choice-b-not-identity")
def test_choice_claims_break_when_a_and_b_are_swapped(data, full_rank):
    full, choice = full_rank
    good = fo.choice_checks(data.X, data.X[:100], full, data.lam1, choice)
    bad = fo.choice_checks(data.X, data.X[:100], full, data.lam1, {"a": choice["b"], "b": choice["a"]})
    for cid, key in (("ch22-choice-a-identity", "a_identity"), ("ch22-choice-a-ranking", "a_ranking"),
                     ("ch22-choice-b-raw-users", "b_raw_users"),
                     ("ch22-choice-b-item-formula", "b_item_formula")):
        holds_then_fails(cid, good[key], bad[key])
    holds_then_fails("ch22-choice-b-not-identity", good["b_not_identity"], bad["b_not_identity"],
                     "at_least")


@breaks("ch22-rank-k-members-differ")
def test_member_spread_vanishes_when_one_member_is_compared_with_itself():
    sim = cossim.simulate(400, 60, 3, seed=2)
    spec = cossim.top_singular(sim.X, 6)
    _, good, floor = fo.member_auc_spread(spec, 200.0, (0.0, 0.5, 1.0), sim.clusters)
    _, bad, floor_bad = fo.member_auc_spread(spec, 200.0, (0.5, 0.5), sim.clusters)
    holds_then_fails("ch22-rank-k-members-differ", (good, floor), (bad, floor_bad), "at_least")


# ------------------------------------------------------------- Chapter 2.3
@breaks("ch23-soft-threshold-derived", "ch23-eq6-derived")
def test_soft_threshold_breaks_for_weight_decay_written_with_a_half():
    """Penalty λ(p² + q²)/2 thresholds at λ/2: neither (σ − λ)₊ nor Eq. (6)."""
    good = symbolic.eq2_scalar_solution()
    bad = symbolic.eq2_scalar_solution(penalty=0.5)
    holds_then_fails("ch23-soft-threshold-derived", (symbolic.nonzero_terms(good.soft_threshold_residual), 0),
                     (symbolic.nonzero_terms(bad.soft_threshold_residual), 0))

    def eq6_terms(penalty):
        eq6 = symbolic.eq6_from_scalar(penalty)
        return sum(symbolic.nonzero_terms(r) for r in (*eq6["a_diff"], *eq6["b_diff"]))

    holds_then_fails("ch23-eq6-derived", (eq6_terms(1), 0), (eq6_terms(0.5), 0))


@breaks("ch23-grid-soft-threshold")
def test_grid_search_breaks_against_a_threshold_with_lambda_off():
    def ratio(lam_factor):
        gaps = [so.grid_gap(s, lam, max(s - lam_factor * lam, 0.0)) for s, lam in ((3.0, 1.0), (1.0, 3.0))]
        return max(g / b for g, b in gaps)

    holds_then_fails("ch23-grid-soft-threshold", (ratio(1.0), 1), (ratio(1.01), 1))


@breaks("ch23-balance-symbolic")
def test_balance_identity_breaks_for_unequal_penalties():
    def terms(weights):
        return sum(symbolic.nonzero_terms(e) for e in symbolic.eq2_balance_identity(1, 2, 2, weights))

    holds_then_fails("ch23-balance-symbolic", (terms((1, 1)), 0), (terms((1, 2)), 0))


@breaks("ch23-lambda0-scalar-free")
def test_rescaling_freedom_disappears_with_a_penalty():
    holds_then_fails("ch23-lambda0-scalar-free",
                     (symbolic.nonzero_terms(symbolic.eq2_scalar_lambda_zero().rescaling_difference), 0),
                     (symbolic.nonzero_terms(symbolic.eq2_scalar_lambda_zero(1).rescaling_difference), 0))


@breaks("ch23-eq2-runs-value", "ch23-eq1-runs-value", "ch23-eq2-runs-cosines", "ch23-eq2-runs-rotation")
def test_run_claims_break_against_closed_forms_with_lambda_off(data, runs):
    for which, lam, build in (("eq2", data.lam2, lambda lam_: cossim.eq2_factors(data.spec, lam_)),
                              ("eq1", data.lam1, lambda lam_: cossim.eq1_factors(data.spec, lam_, 0.5))):
        good = so.run_checks(data.X, runs[which], build(lam), lam, which)
        bad = so.run_checks(data.X, runs[which], build(1.01 * lam), lam, which)
        holds_then_fails(f"ch23-{which}-runs-value", fo.worst(good["value_gap"], good["value_bound"]),
                         fo.worst(bad["value_gap"], bad["value_bound"]))
        if which == "eq2":
            holds_then_fails("ch23-eq2-runs-cosines", (max(good["item_ratio"] + good["user_ratio"]), 1),
                             (max(bad["item_ratio"] + bad["user_ratio"]), 1))
            holds_then_fails("ch23-eq2-runs-rotation", fo.worst(good["rot_resid"], good["distance"]),
                             fo.worst(bad["rot_resid"], bad["distance"]))


@breaks("ch23-eq2-runs-balanced")
def test_balance_breaks_for_runs_of_the_first_objective(data, runs):
    """Stationary points of Eq. (1) need not be balanced: its runs, with their own bounds, fail."""
    good = so.run_checks(data.X, runs["eq2"], data.fit2, data.lam2, "eq2")
    bad = so.run_checks(data.X, runs["eq1"], data.fit1, data.lam1, "eq1")
    holds_then_fails("ch23-eq2-runs-balanced", fo.worst(good["balance"], good["balance_bound"]),
                     fo.worst(bad["balance"], bad["balance_bound"]))


@breaks("ch23-eq1-runs-cosines-differ", "ch23-eq1-runs-not-rotations")
def test_eq1_runs_claims_break_for_runs_that_are_rotations_of_eq5(data, runs):
    R = np.linalg.qr(np.random.default_rng(4).standard_normal((data.k, data.k)))[0]
    rotated = fake_runs(data.X, [cossim.Factors(data.fit1.A @ R, data.fit1.B @ R)], data.lam1, "eq1")
    good = so.run_checks(data.X, runs["eq1"], data.fit1, data.lam1, "eq1")
    bad = so.run_checks(data.X, rotated, data.fit1, data.lam1, "eq1")

    def differ(rc):
        return min(max(i, u) for i, u in zip(rc["item_ratio"], rc["user_ratio"]))

    holds_then_fails("ch23-eq1-runs-cosines-differ", (differ(good), 1), (differ(bad), 1), "at_least")
    holds_then_fails("ch23-eq1-runs-not-rotations", fo.worst(good["M_dev"], good["M_bound"], "at_least"),
                     fo.worst(bad["M_dev"], bad["M_bound"], "at_least"), "at_least")


@breaks("ch23-lambda0-value-unchanged", "ch23-lambda0-cosines-change", "ch23-lambda-positive-m-worse")
def test_lambda_zero_claims_break_for_the_wrong_map_or_an_orthogonal_one(data):
    rng = np.random.default_rng(6)
    M = np.eye(data.k) + 0.5 * rng.standard_normal((data.k, data.k)) / np.sqrt(data.k)
    good = so.lambda_zero_checks(data.X, data.k, data.lam2, M)
    wrong_map = so.lambda_zero_checks(data.X, data.k, data.lam2, M, N=M)     # B → BM, not BM⁻ᵀ
    R = np.linalg.qr(rng.standard_normal((data.k, data.k)))[0]
    orthogonal = so.lambda_zero_checks(data.X, data.k, data.lam2, R)
    holds_then_fails("ch23-lambda0-value-unchanged", (good["zero_change"], good["zero_tol"]),
                     (wrong_map["zero_change"], wrong_map["zero_tol"]))
    holds_then_fails("ch23-lambda0-cosines-change", (good["cos_change"], good["cos_tol"]),
                     (orthogonal["cos_change"], orthogonal["cos_tol"]), "at_least")
    holds_then_fails("ch23-lambda-positive-m-worse", (good["pos_increase"], good["pos_tol"]),
                     (orthogonal["pos_increase"], orthogonal["pos_tol"]), "at_least")


@breaks("ch23-nullspace-value-unchanged", "ch23-nullspace-cosines-unchanged", "ch23-nullspace-product-changes")
def test_null_space_claims_break_for_a_shift_outside_it_or_no_shift():
    X = np.hstack([cossim.simulate(200, 12, 3, seed=3, max_items_per_user=6).X.toarray(), np.zeros((200, 3))])
    k, lam = 3, 1.0
    rng = np.random.default_rng(7)
    scale = np.linalg.norm(cossim.fit_eq2(X, k, lam).A)
    N = so.null_directions(X, k, rng, scale)
    good = so.null_space_checks(X, k, lam, N)
    outside = so.null_space_checks(X, k, lam, rng.standard_normal(N.shape) * scale / np.sqrt(N.size))
    none = so.null_space_checks(X, k, lam, np.zeros_like(N))
    holds_then_fails("ch23-nullspace-value-unchanged", (good["value_change"], good["value_tol"]),
                     (outside["value_change"], outside["value_tol"]))
    holds_then_fails("ch23-nullspace-cosines-unchanged", (good["cos_change"], good["cos_tol"]),
                     (outside["cos_change"], outside["cos_tol"]))
    holds_then_fails("ch23-nullspace-product-changes", (good["W_change"], good["W_tol"]),
                     (none["W_change"], none["W_tol"]), "at_least")


@breaks("ch23-rotation-value", "ch23-rotation-cosines")
def test_rotation_claims_break_for_a_matrix_that_is_not_orthogonal(data):
    rng = np.random.default_rng(8)
    R = np.linalg.qr(rng.standard_normal((data.k, data.k)))[0]
    good = so.rotation_checks(data.X, data.fit2, R, data.lam2)
    bad = so.rotation_checks(data.X, data.fit2, R @ np.diag([1.5, 1.0, 0.8, 1.0]), data.lam2)
    for cid, key in (("ch23-rotation-value", "value"), ("ch23-rotation-cosines", "cos")):
        holds_then_fails(cid, (good[f"{key}_gap"], good[f"{key}_tol"]), (bad[f"{key}_gap"], bad[f"{key}_tol"]))


@breaks("ch23-switched-off-zero")
def test_switched_off_columns_are_not_zero_for_a_fit_with_half_the_lambda(data):
    lam = float(np.mean(data.spec.sigma[1:3]))             # switches the last directions off
    holds_then_fails("ch23-switched-off-zero",
                     (so.switched_off_max(cossim.eq2_factors(data.spec, lam), data.spec.sigma, lam), 0),
                     (so.switched_off_max(cossim.eq2_factors(data.spec, lam / 2), data.spec.sigma, lam), 0))


@breaks("ch23-analog-is-rescaling", "ch23-analog-equally-optimal", "ch23-analog-closer")
def test_analog_claims_break_for_the_wrong_rescaling_or_swapped_solutions(data):
    spec, lam = data.spec, data.lam1
    sym, analog = data.fit1, cossim.eq1_factors(spec, lam, "inv_sqrt_sigma")
    good = so.analog_checks(data.X, spec, lam, sym, analog)
    flipped = so.analog_checks(data.X, spec, lam, sym, cossim.rescale(*sym, np.sqrt(spec.sigma)))
    other_lam = so.analog_checks(data.X, spec, lam, sym,
                                 cossim.eq1_factors(spec, 1.5 * lam, "inv_sqrt_sigma"))
    holds_then_fails("ch23-analog-is-rescaling", (good["rescale_gap"], good["rescale_tol"]),
                     (flipped["rescale_gap"], flipped["rescale_tol"]))
    holds_then_fails("ch23-analog-equally-optimal", (good["value_gap"], good["value_tol"]),
                     (other_lam["value_gap"], other_lam["value_tol"]))
    sim = cossim.simulate(600, 60, 3, seed=0)
    spec6 = cossim.top_singular(sim.X, 10)
    S2 = cossim.item_item_cosine(cossim.eq2_factors(spec6, 5.0).B)
    S_an = cossim.item_item_cosine(cossim.eq1_factors(spec6, 25.0, "inv_sqrt_sigma").B)
    S_sym = cossim.item_item_cosine(cossim.eq1_factors(spec6, 25.0, "symmetric").B)
    pair = ~np.eye(60, dtype=bool)
    ok = so.compare_to_eq2(S_an, S_sym, S2, pair, sim.clusters)["mean |Δ cos|"]
    swapped = so.compare_to_eq2(S_sym, S_an, S2, pair, sim.clusters)["mean |Δ cos|"]
    holds_then_fails("ch23-analog-closer", (ok.iloc[0] / ok.iloc[1], 1), (swapped.iloc[0] / swapped.iloc[1], 1))


# ------------------------------------------------------- Chapter 6: the flow law
@pytest.fixture(scope="module")
def flow():
    X = cossim.simulate(150, 20, 3, seed=0).X
    X = X[:, np.flatnonzero(np.asarray(X.sum(axis=0)).ravel() > 0)]
    rng = np.random.default_rng(0)
    A0, B0 = 0.1 * rng.standard_normal((X.shape[1], 2)), rng.standard_normal((X.shape[1], 2))
    L = 2 * (cossim.top_singular(X, 1).sigma[0] ** 2 + 5.0) * np.linalg.norm(B0, 2) ** 2
    return X, A0, B0, 5.0, 1e-2 / L


@breaks("ch6-flow-derivative-law")
def test_flow_law_breaks_for_the_one_sided_expression(flow):
    X, A0, B0, lam, eta = flow
    good = euler_flow(X, A0, B0, lam, eta, 300)
    bad = euler_flow(X, A0, B0, lam, eta, 300, law=one_sided_derivative)
    holds_then_fails("ch6-flow-derivative-law", (good.derivative_ratio, 1), (bad.derivative_ratio, 1))


@breaks("ch6-flow-conserved-shared-rate", "ch6-flow-drift-second-order", "ch6-flow-conserved-separate-rates")
def test_conservation_breaks_for_the_unweighted_quantity_under_separate_rates(flow):
    X, A0, B0, lam, eta = flow
    shared = euler_flow(X, A0, B0, lam, eta, 300)
    separate = euler_flow(X, A0, B0, lam, eta, 300, step_B=3 * eta)
    holds_then_fails("ch6-flow-conserved-shared-rate", (shared.drift, shared.drift_bound),
                     (separate.unweighted_drift, separate.drift_bound))
    holds_then_fails("ch6-flow-drift-second-order", (shared.second_order_residual, shared.second_order_tol),
                     (separate.unweighted_residual, separate.second_order_tol))
    holds_then_fails("ch6-flow-conserved-separate-rates",
                     (separate.second_order_residual, separate.second_order_tol),
                     (separate.unweighted_residual, separate.second_order_tol))
