"""Each claim of Section 3.2 (remedies during training) holds on a small case and fails when broken."""

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim.report import training_remedies_report as TR
from cossim.report.ledger import ClaimFailed, check

RANK, LAM = 10, 1_000.0


@pytest.fixture(scope="module")
def data():
    return TR.simulated(2_000, 200, 5, 0, RANK, LAM)


@pytest.fixture(scope="module")
def ds():
    return cossim.random_rescalings(RANK, 3, low=0.5, high=2.0, seed=0)


@pytest.fixture(scope="module")
def unit(data):
    return TR.unit_item_fits(data, 60, 0)


@pytest.fixture(scope="module")
def towers(data, ds):
    return TR.tower_checks(data, 400, 10, ds)


@pytest.fixture(scope="module")
def ips(data):
    return TR.ips_rows(data)


@pytest.fixture(scope="module")
def sgns(data, ips):
    return TR.sgns_fits(data, ips[1], [0.0, 0.75, 1.0], n_neg=5, lam=1e-6, max_iter=30)


@breaks("tr-unit-items-pin-d")
def test_pin_d_breaks_when_the_objective_forgets_the_normalisation(data, unit, ds, monkeypatch):
    measured = min(TR.min_objective_change(data, f, ds) for f in unit.values())
    check("tr-unit-items-pin-d", measured=measured, at_least=1e-6)
    monkeypatch.setattr(cossim, "objective_unit_items", cossim.objective_eq1_gram)   # B not normalised
    broken = min(TR.min_objective_change(data, f, ds) for f in unit.values())
    with pytest.raises(ClaimFailed):
        check("tr-unit-items-pin-d", measured=broken, at_least=1e-6)


@breaks("tr-unit-items-near-optimum")
def test_near_optimum_breaks_with_the_wrong_lambda(data, unit):
    optimum = TR.eq1_optimum(data)
    rows = TR.unit_item_rows(data, unit, optimum)
    check("tr-unit-items-near-optimum", measured=max(r["excess over Eq. (1) optimum"] for r in rows), at_most=1e-2)
    wrong = TR.unit_item_fits(data._replace(lam1=2 * LAM), 60, 0)     # fitted (and valued) with 2λ
    rows = TR.unit_item_rows(data, wrong, optimum)
    with pytest.raises(ClaimFailed):
        check("tr-unit-items-near-optimum", measured=max(r["excess over Eq. (1) optimum"] for r in rows),
              at_most=1e-2)


@breaks("tr-unit-items-cosines-differ")
def test_cosines_differ_breaks_when_every_fit_has_the_same_start(data, unit):
    check("tr-unit-items-cosines-differ", measured=TR.max_cosine_gap([f.B for f in unit.values()]), at_least=0.3)
    B1 = cossim.eq1_factors(data.spectrum, LAM, 1.0).B
    same = cossim.fit_unit_items(data.G, LAM, [B1, B1.copy()], max_iter=60)
    with pytest.raises(ClaimFailed):
        check("tr-unit-items-cosines-differ", measured=TR.max_cosine_gap([f.B for f in same]), at_least=0.3)


RAW = "layer norm with gain · raw item"


@breaks("tr-gain-frees-d")
def test_gain_frees_d_breaks_when_the_items_are_normalised(towers):
    check("tr-gain-frees-d", measured=float(towers[RAW][1].objective_change.max()), at_most=1e-12)
    broken = towers["layer norm with gain · unit item"][1]
    with pytest.raises(ClaimFailed):
        check("tr-gain-frees-d", measured=float(broken.objective_change.max()), at_most=1e-12)


@breaks("tr-gain-moves-cosines")
def test_gain_moves_cosines_breaks_when_d_is_not_applied(data, towers):
    check("tr-gain-moves-cosines", measured=float(towers[RAW][1].cosine_change.min()), at_least=0.05)
    model = towers[RAW][0]
    X = data.X[:400]
    broken = cossim.two_tower_rescaling_check(X, model, [np.ones(RANK)])
    with pytest.raises(ClaimFailed):
        check("tr-gain-moves-cosines", measured=float(broken.cosine_change.min()), at_least=0.05)


@breaks("tr-normalised-towers-pin-d")
def test_towers_pin_d_breaks_on_the_raw_item_tower(towers):
    pinned = min(float(towers[n][1].objective_change.min()) for n in TR.TOWERS if n != RAW)
    check("tr-normalised-towers-pin-d", measured=pinned, at_least=1e-6)
    with pytest.raises(ClaimFailed):
        check("tr-normalised-towers-pin-d", measured=float(towers[RAW][1].objective_change.min()), at_least=1e-6)


@breaks("tr-user-ips-popularity")
def test_user_ips_popularity_breaks_with_item_weights(data, ips):
    bias = {r["weighting"]: r["popularity bias"] for r in ips[0]}
    slots = data.X.shape[1] * 10
    check("tr-user-ips-popularity", measured=TR.popularity_z(bias["none"], bias["users"], slots), at_least=3.0)
    with pytest.raises(ClaimFailed):     # the item weights in place of the user weights
        check("tr-user-ips-popularity", measured=TR.popularity_z(bias["none"], bias["items"], slots),
              at_least=3.0)


@breaks("tr-sgns-expectation")
def test_expectation_breaks_when_negatives_follow_the_wrong_exponent(data, sgns):
    C = cossim.cooccurrence(data.G)
    q = cossim.negative_distribution(data.X, 0.75)
    m = sgns[("none", 0.75)]
    check("tr-sgns-expectation", measured=TR.expectation_z(C, q, q, m.A, m.B, 5, 20_000), at_most=4.0)
    flipped = cossim.negative_distribution(data.X, -0.75)           # the exponent's sign flipped
    with pytest.raises(ClaimFailed):
        check("tr-sgns-expectation", measured=TR.expectation_z(C, q, flipped, m.A, m.B, 5, 20_000), at_most=4.0)


@breaks("tr-sgns-no-decay-free-d")
def test_no_decay_free_d_breaks_with_weight_decay(data, sgns, ds):
    C = cossim.cooccurrence(data.G)
    q = cossim.negative_distribution(data.X, 0.75)
    m = sgns[("none", 0.75)]
    free = TR.sgns_free_d(C, q, m, ds, n_neg=5, lam=0.0)
    check("tr-sgns-no-decay-free-d", measured=float(free.objective_change.max()), at_most=1e-12)
    decayed = TR.sgns_free_d(C, q, m, ds, n_neg=5, lam=1e-4)
    with pytest.raises(ClaimFailed):
        check("tr-sgns-no-decay-free-d", measured=float(decayed.objective_change.max()), at_most=1e-12)


def _b_scores(data, fits):
    return {(r["user weights"], r["β"]): r["score, output B"] for r in TR.sgns_rows(data, fits)}


@breaks("tr-sgns-beta-output")
def test_beta_output_breaks_when_beta_is_not_varied(data, ips, sgns):
    scores = _b_scores(data, sgns)
    by_beta = [scores[("none", b)] for b in (0.0, 0.75, 1.0)]
    check("tr-sgns-beta-output", measured=max(by_beta) - min(by_beta), at_least=0.03)
    same = TR.sgns_fits(data, ips[1], [0.75, 0.75], n_neg=5, lam=1e-6, max_iter=30)   # one β, twice
    fixed = [r["score, output B"] for r in TR.sgns_rows(data, same) if r["user weights"] == "none"]
    with pytest.raises(ClaimFailed):
        check("tr-sgns-beta-output", measured=max(fixed) - min(fixed), at_least=0.03)


@breaks("tr-sgns-user-ips")
def test_user_ips_sgns_breaks_when_the_weights_are_not_applied(data, ips, sgns):
    scores = _b_scores(data, sgns)
    check("tr-sgns-user-ips", measured=scores[("users", 0.75)] - scores[("none", 0.75)], at_least=0.02)
    unweighted = {**ips[1], "users": ips[1]["none"]}              # user weights forgotten
    fits = TR.sgns_fits(data, unweighted, [0.75], n_neg=5, lam=1e-6, max_iter=30)
    broken = _b_scores(data, fits)
    with pytest.raises(ClaimFailed):
        check("tr-sgns-user-ips", measured=broken[("users", 0.75)] - broken[("none", 0.75)], at_least=0.02)


@breaks("tr-ips-within-d-range")
def test_ips_within_d_range_breaks_when_gamma_is_not_fixed(data, ips):
    rows = ips[0]
    check("tr-ips-within-d-range", measured=TR.gamma_range(data) - TR.score_range(rows), at_least=0.005)
    extra = [{"score": data.score(cossim.item_item_cosine(cossim.eq1_factors(data.spectrum, LAM, g).B))}
             for g in (0.0, 1.0)]                                  # weightings fitted at γ = 0 and 1
    with pytest.raises(ClaimFailed):
        check("tr-ips-within-d-range", measured=TR.gamma_range(data) - TR.score_range(rows + extra),
              at_least=0.005)
