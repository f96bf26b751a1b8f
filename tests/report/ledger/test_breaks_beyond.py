"""Each claim of Chapters 5 and 8 holds on a small case and fails when the input is broken."""

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim.beyond import diagnostic as DG
from cossim.beyond import explorer as EX
from cossim.beyond import probes as PR
from cossim.report import diagnostic_report as DR
from cossim.report.ledger import ClaimFailed, check

LAM = 500.0


@pytest.fixture(scope="module")
def sim():
    data = cossim.simulate(800, 60, 3, seed=0)
    return data, cossim.top_singular(data.X, 6)


def _frames(sim, gammas=(0.0, 0.5, 1.0)):
    data, spec = sim
    order = cossim.order_items(data.clusters, data.popularity)
    return EX.explorer_frames(data.X, spec, LAM, data.clusters, order, gammas=gammas,
                              items=[0, 1, 2, 3], pixels=20)


def _wrong_exponent(spectrum, lam, gamma):
    """A realistic mistake: A gets the exponent 1 − γ/2 instead of 1 − γ."""
    f = cossim.eq1_factors(spectrum, lam, gamma)
    m = spectrum.sigma**2 / (spectrum.sigma**2 + lam)
    return type(f)(A=spectrum.V * m ** (1.0 - gamma / 2), B=f.B)


# Chapter 5

@breaks("ch5-objective-at-optimum")
def test_objective_at_optimum_breaks_with_the_wrong_lambda(sim):
    data, spec = sim
    optimum = EX.eq1_optimum(data.X, spec, LAM)
    tol = EX.objective_tolerance(data.X, spec, optimum)

    def gap(factors):
        return abs(EX.eq1_objective(data.X, factors.A, factors.B, LAM) - optimum) / optimum

    check("ch5-objective-at-optimum", measured=gap(cossim.eq1_factors(spec, LAM, 0.3)), at_most=tol)
    frames = _frames(sim)
    assert frames.optimum == optimum
    check("ch5-objective-at-optimum",
          measured=float(np.max(np.abs(frames.objective - optimum))) / optimum, at_most=tol)
    with pytest.raises(ClaimFailed):  # factors fitted with 1.2 λ, objective with λ
        check("ch5-objective-at-optimum", measured=gap(cossim.eq1_factors(spec, 1.2 * LAM, 0.3)),
              at_most=tol)


@breaks("ch5-predictions-identity")
def test_prediction_identity_breaks_with_a_wrong_exponent(sim, monkeypatch):
    data, spec = sim
    tol = EX.prediction_tolerance(data.X, len(spec.sigma))
    check("ch5-predictions-identity", measured=_frames(sim).max_prediction_change, at_most=tol)
    monkeypatch.setattr(EX, "eq1_factors", _wrong_exponent)
    with pytest.raises(ClaimFailed):
        check("ch5-predictions-identity", measured=_frames(sim).max_prediction_change,
              at_most=tol)


@breaks("ch5-auc-changes")
def test_auc_changes_breaks_when_the_slider_does_not_move(sim):
    data, _ = sim
    resolution = EX.auc_resolution(data.clusters)
    frames = _frames(sim)
    check("ch5-auc-changes", measured=float(np.ptp(frames.auc)), at_least=resolution)
    frozen = _frames(sim, gammas=np.full(3, 0.5))      # every frame the same γ
    with pytest.raises(ClaimFailed):
        check("ch5-auc-changes", measured=float(np.ptp(frozen.auc)), at_least=resolution)


def _past_edge(spec, lam, labels):
    """Best AUC at γ > 1 minus best AUC on the slider's [0, 1] (grid step ½ up to 6)."""
    wide = np.arange(0.0, 6.0 + 1e-9, 0.5)
    auc = EX.auc_along(spec, lam, labels, wide)
    return float(auc[wide > 1].max() - auc[wide <= 1].max())


@breaks("ch5-auc-rises-past-edge")
def test_auc_past_edge_breaks_with_a_tenfold_lambda():
    data = cossim.simulate(3000, 200, 5, seed=0)          # the chapter's test-size case
    spec = cossim.top_singular(data.X, 10)
    resolution = EX.auc_resolution(data.clusters)
    check("ch5-auc-rises-past-edge", measured=_past_edge(spec, 500.0, data.clusters),
          at_least=resolution)
    with pytest.raises(ClaimFailed):                     # λ ten times too large
        check("ch5-auc-rises-past-edge", measured=_past_edge(spec, 5000.0, data.clusters),
              at_least=resolution)


@breaks("ch5-neighbours-change")
def test_neighbours_change_breaks_when_the_slider_does_not_move(sim):
    check("ch5-neighbours-change", measured=len(EX.changed_neighbourhoods(_frames(sim))),
          at_least=1)
    frozen = _frames(sim, gammas=np.full(3, 0.5))
    with pytest.raises(ClaimFailed):
        check("ch5-neighbours-change", measured=len(EX.changed_neighbourhoods(frozen)), at_least=1)


# Chapter 8

@pytest.fixture(scope="module")
def factors(sim):
    data, spec = sim
    eq1, eq2 = cossim.eq1_factors(spec, LAM, 0.5), cossim.eq2_factors(spec, 5.0)
    return {"eq1": (np.asarray(data.X @ eq1.A), eq1.B), "eq2": (np.asarray(data.X @ eq2.A), eq2.B)}


def _diagnose(P, Q, **kw):
    kw.setdefault("n_neighbours", 5)
    return cossim.diagnose(P, Q, gammas=np.linspace(0.0, 1.0, 11), n_pairs=0, n_probes=4, **kw)


@breaks("ch8-scores-unchanged")
def test_scores_unchanged_breaks_with_a_transposed_inverse(factors, monkeypatch):
    reports = {name: _diagnose(P, Q) for name, (P, Q) in factors.items()}
    check("ch8-scores-unchanged", measured=DR.worst_score_ratio(reports), at_most=1.0)
    real = PR.random_condition_matrix

    def transposed(k, kappa, rng, *, diagonal):
        M, M_inv_T = real(k, kappa, rng, diagonal=diagonal)
        return M, M_inv_T.T                              # M⁻¹ where M⁻ᵀ belongs
    monkeypatch.setattr(PR, "random_condition_matrix", transposed)
    P, Q = factors["eq1"]
    with pytest.raises(ClaimFailed):
        check("ch8-scores-unchanged", measured=DR.worst_score_ratio({"x": _diagnose(P, Q)}),
              at_most=1.0)


@breaks("ch8-scores-unchanged")
def test_gamma_scores_unchanged_breaks_with_a_wrong_split(factors, monkeypatch):
    real = DG.score_svd

    def wrong(P, Q, **kw):
        svd = real(P, Q, **kw)
        return DG.ScoreSVD(svd.U, svd.s**1.05, svd.V)    # singular values slightly off
    monkeypatch.setattr(DG, "score_svd", wrong)
    P, Q = factors["eq1"]
    with pytest.raises(ClaimFailed):
        check("ch8-scores-unchanged", measured=DR.worst_score_ratio({"x": _diagnose(P, Q)}),
              at_most=1.0)


@breaks("ch8-gamma-moves-neighbours")
def test_gamma_moves_neighbours_breaks_when_the_singular_values_are_equal(factors):
    P, Q = factors["eq1"]
    report = _diagnose(P, Q)
    check("ch8-gamma-moves-neighbours", measured=report.stable_fraction_mean,
          at_most=1.0 - DR.overlap_resolution(report))
    # equal singular values: every member is the same up to scale, nothing moves
    U, _, Vt = np.linalg.svd(P @ Q.T, full_matrices=False)
    flat = _diagnose(U[:, :6], Vt[:6].T)
    with pytest.raises(ClaimFailed):
        check("ch8-gamma-moves-neighbours", measured=flat.stable_fraction_mean,
              at_most=1.0 - DR.overlap_resolution(flat))


@breaks("ch8-eq2-is-balanced-member")
def test_eq2_member_breaks_with_a_wrong_lambda(sim, factors):
    data, spec = sim
    P, Q = factors["eq2"]
    tol = DR.cosine_rounding(Q.shape[1])
    check("ch8-eq2-is-balanced-member", measured=DR.gap_at(_diagnose(P, Q), 0.5), at_most=tol)
    wrong = cossim.eq2_factors(spec, 20.0)               # items fitted with another λ
    with pytest.raises(ClaimFailed):
        check("ch8-eq2-is-balanced-member", measured=DR.gap_at(_diagnose(P, wrong.B), 0.5),
              at_most=tol)


@breaks("ch8-eq1-not-a-member")
def test_eq1_not_a_member_breaks_for_a_member(factors):
    P, Q = factors["eq1"]
    tol = DR.cosine_rounding(Q.shape[1])
    check("ch8-eq1-not-a-member", measured=_diagnose(P, Q).min_cos_gap_to_family, at_least=tol)
    svd = cossim.score_svd(P, Q)                         # the γ = 0.3 member itself
    member = _diagnose(svd.U * svd.s**0.7, svd.V * svd.s**0.3)
    with pytest.raises(ClaimFailed):
        check("ch8-eq1-not-a-member", measured=member.min_cos_gap_to_family, at_least=tol)


@breaks("ch8-probes-beyond-gamma")
def test_diagonal_probes_break_at_condition_one(factors):
    P, Q = factors["eq1"]
    report = _diagnose(P, Q, max_condition=30.0)
    check("ch8-probes-beyond-gamma", measured=DR.probe_gain(report, "diagonal"),
          at_least=DR.overlap_resolution(report))
    tame = _diagnose(P, Q, max_condition=1.0)            # κ = 1: D = c I changes nothing
    with pytest.raises(ClaimFailed):
        check("ch8-probes-beyond-gamma", measured=DR.probe_gain(tame, "diagonal"),
              at_least=DR.overlap_resolution(tame))


@breaks("ch8-general-beyond-gamma")
def test_general_probes_break_at_condition_one(factors):
    P, Q = factors["eq1"]
    report = _diagnose(P, Q, max_condition=30.0)
    check("ch8-general-beyond-gamma", measured=DR.probe_gain(report, "general"),
          at_least=DR.overlap_resolution(report))
    tame = _diagnose(P, Q, max_condition=1.0)            # κ = 1: M is c times a rotation
    with pytest.raises(ClaimFailed):
        check("ch8-general-beyond-gamma", measured=DR.probe_gain(tame, "general"),
              at_least=DR.overlap_resolution(tame))


@breaks("ch8-wider-range-less-stable")
def test_wider_range_breaks_when_it_is_not_wider(factors):
    P, Q = factors["eq1"]
    report = _diagnose(P, Q)
    wide = np.round(np.arange(-1.0, 2.0 + 1e-9, 0.1), 12)
    drop, _ = DR.stable_share_drop(report, P, Q, wide)
    check("ch8-wider-range-less-stable", measured=drop, at_least=DR.overlap_resolution(report))
    same, _ = DR.stable_share_drop(report, P, Q, np.linspace(0.0, 1.0, 11))
    with pytest.raises(ClaimFailed):
        check("ch8-wider-range-less-stable", measured=same, at_least=DR.overlap_resolution(report))
