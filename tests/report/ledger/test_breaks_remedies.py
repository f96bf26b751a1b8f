"""Every claim of Chapter 3 (the remedies of §3), broken on purpose.

Each test computes the claim's measured quantity with the chapter's own function
on a small case (the chapter's test parameters: 2,000 users, 200 items, rank 10),
shows that the check passes, breaks the input realistically and shows that the
check fails.
"""

import numpy as np
import pytest
from support.ledger import breaks

import cossim
from cossim.report import remedies_study as rs
from cossim.report.ledger import ClaimFailed, check

RANK, LAM1, LAM2, MAX_ITER = 10, 1_000.0, 30.0, 100


@pytest.fixture(scope="module")
def setting():
    data = cossim.simulate(2_000, 200, 5, seed=0)
    G = cossim.gram_matrix(data.X)
    study = rs.RemedyStudy(G, data.clusters, RANK, LAM1, LAM2, 10, 3, 0)
    return data, G, study


@pytest.fixture(scope="module")
def baseline(setting):
    return setting[2].baselines()


@pytest.fixture(scope="module")
def cosine_fits(setting):
    return setting[2].fit_cosine_models(MAX_ITER)


def _f_eq1(study, lam=LAM1):
    A1, B1 = cossim.eq1_factors(study.spectrum, lam, 0.5)
    return cossim.objective_eq1_gram(study.G, A1, B1, lam)


def _free_change(study, objective, A, B):
    return rs.free_d_cosine_change(study.check(objective, A, B))


# -- baselines ----------------------------------------------------------------------------

@breaks("ch3-eq1-free-d-moves-cosines")
def test_eq1_free_d_breaks_with_the_eq2_objective(setting, baseline):
    _, G, study = setting
    check("ch3-eq1-free-d-moves-cosines", at_least=1e-6,
          measured=min(rs.free_d_cosine_change(baseline[g].check) for g in study.gammas))
    # wrong objective: the same factors judged by Eq. (2), which has no free D
    A, B = cossim.eq1_factors(study.spectrum, LAM1, 0.5)
    eq2 = lambda a, b: cossim.objective_eq2_gram(G, a, b, LAM2)  # noqa: E731
    with pytest.raises(ClaimFailed):
        check("ch3-eq1-free-d-moves-cosines", measured=_free_change(study, eq2, A, B),
              at_least=1e-6)


@breaks("ch3-eq2-no-free-d")
def test_eq2_no_free_d_breaks_with_the_eq1_objective(setting, baseline):
    _, G, study = setting
    check("ch3-eq2-no-free-d", measured=rs.min_objective_change([baseline["eq2"].check]),
          at_least=1e-9)
    A, B = cossim.eq2_factors(study.spectrum, LAM2)
    wrong = study.check(lambda a, b: cossim.objective_eq1_gram(G, a, b, LAM1), A, B)
    with pytest.raises(ClaimFailed):
        check("ch3-eq2-no-free-d", measured=rs.min_objective_change([wrong]), at_least=1e-9)


# -- remedy 1 -----------------------------------------------------------------------------

@breaks("ch3-cosine-no-free-d")
def test_cosine_no_free_d_breaks_with_the_eq1_objective(setting, cosine_fits):
    _, _, study = setting
    checks = {g: study.check(study.cosine_objective(f), f.A, f.B, study.all_ds)
              for g, f in cosine_fits.items()}
    check("ch3-cosine-no-free-d", measured=rs.min_objective_change(checks), at_least=1e-9)
    # wrong objective: the cosine fits judged by Eq. (1), under which every D is free
    wrong = {g: study.check(study.eq1_objective(), f.A, f.B, study.all_ds)
             for g, f in cosine_fits.items()}
    with pytest.raises(ClaimFailed):
        check("ch3-cosine-no-free-d", measured=rs.min_objective_change(wrong), at_least=1e-9)


@breaks("ch3-cosine-scalar-d-free")
def test_scalar_d_breaks_when_one_entry_is_perturbed(setting, cosine_fits):
    _, _, study = setting
    fit = cosine_fits[0.5]

    def measured(ds):
        c = study.check(study.cosine_objective(fit), fit.A, fit.B, ds)
        return max(c.objective_change.max(), c.cosine_change.max())

    check("ch3-cosine-scalar-d-free", at_most=1e-12,
          measured=measured([np.full(RANK, 3.0), np.full(RANK, 0.2)]))
    perturbed = np.full(RANK, 3.0)
    perturbed[0] = 3.3
    with pytest.raises(ClaimFailed):
        check("ch3-cosine-scalar-d-free", at_most=1e-12, measured=measured([perturbed]))


@breaks("ch3-cosine-above-eq1")
def test_above_eq1_breaks_with_a_wrong_lambda(setting, cosine_fits):
    _, _, study = setting
    best = min(f.objective for f in cosine_fits.values())
    check("ch3-cosine-above-eq1", measured=best / _f_eq1(study) - 1, at_least=-1e-10)
    with pytest.raises(ClaimFailed):  # the Eq. (1) optimum at 10 λ₁ is a wrong reference
        check("ch3-cosine-above-eq1", measured=best / _f_eq1(study, 10 * LAM1) - 1,
              at_least=-1e-10)


@breaks("ch3-cosine-near-eq1")
def test_near_eq1_breaks_for_an_unfitted_model(setting, cosine_fits):
    _, _, study = setting
    numbers = rs.cosine_fit_numbers(cosine_fits, study.cosine_path_table(cosine_fits,
                                                                         _f_eq1(study)))
    check("ch3-cosine-near-eq1", measured=numbers["cos_excess_last_max"], at_most=1.0)
    stopped = {g: cossim.fit_cosine_model(study.G, LAM1, init=cossim.eq1_factors(
        study.spectrum, LAM1, g), max_iter=1, method="exact_b", checkpoints=(0, 1))
        for g in study.gammas}
    early = rs.cosine_fit_numbers(stopped, study.cosine_path_table(stopped, _f_eq1(study)))
    with pytest.raises(ClaimFailed):
        check("ch3-cosine-near-eq1", measured=early["cos_excess_last_max"], at_most=1.0)


@breaks("ch3-cosine-not-converged")
def test_not_converged_breaks_on_a_problem_small_enough_to_converge(setting, cosine_fits):
    check("ch3-cosine-not-converged", at_most=0,
          measured=sum(f.converged for f in cosine_fits.values()))
    X = (np.random.default_rng(0).random((60, 6)) < 0.4).astype(float)
    G = cossim.gram_matrix(X)
    spec = cossim.spectrum_from_gram(G, 1)
    small = [cossim.fit_cosine_model(G, 2.0, init=cossim.eq1_factors(spec, 2.0, g),
                                     max_iter=500, method="exact_b") for g in (0.0, 1.0)]
    with pytest.raises(ClaimFailed):
        check("ch3-cosine-not-converged", measured=sum(f.converged for f in small), at_most=0)


@breaks("ch3-cosine-auc-falls")
def test_auc_falls_breaks_with_shuffled_labels(setting, cosine_fits):
    _, G, study = setting
    table = study.cosine_path_table(cosine_fits, _f_eq1(study))
    check("ch3-cosine-auc-falls", at_least=0.05,
          measured=rs.cosine_fit_numbers(cosine_fits, table)["cos_auc_drop_min"])
    labels = np.random.default_rng(1).permutation(study.labels)
    shuffled = rs.RemedyStudy(G, labels, RANK, LAM1, LAM2, 10, 3, 0)
    table = shuffled.cosine_path_table(cosine_fits, _f_eq1(study))
    with pytest.raises(ClaimFailed):
        check("ch3-cosine-auc-falls", at_least=0.05,
              measured=rs.cosine_fit_numbers(cosine_fits, table)["cos_auc_drop_min"])


@breaks("ch3-cosine-scale-grows")
def test_scale_grows_breaks_after_one_iteration(setting, cosine_fits):
    _, _, study = setting
    table = study.cosine_path_table(cosine_fits, _f_eq1(study))
    check("ch3-cosine-scale-grows", at_least=2.0,
          measured=rs.cosine_fit_numbers(cosine_fits, table)["cos_scale_growth_min"])
    early = {g: f._replace(path=f.path[:2]) for g, f in cosine_fits.items()}  # iterations 0, 12
    table = study.cosine_path_table(early, _f_eq1(study))
    with pytest.raises(ClaimFailed):
        check("ch3-cosine-scale-grows", at_least=2.0,
              measured=rs.cosine_fit_numbers(early, table)["cos_scale_growth_min"])


def _path(study, objective, A, B):
    z = np.log(study.random_ds[0])
    return rs.objective_path(objective, A, B, z / np.max(np.abs(z)), np.linspace(-1.0, 1.0, 5))


@breaks("ch3-eq1-flat-along-d-path")
def test_flat_path_breaks_for_the_eq2_objective(setting):
    _, G, study = setting
    A1, B1 = cossim.eq1_factors(study.spectrum, LAM1, 0.5)
    rel = _path(study, study.eq1_objective(), A1, B1)
    check("ch3-eq1-flat-along-d-path", measured=np.max(np.abs(rel)), at_most=1e-10)
    rel = _path(study, lambda a, b: cossim.objective_eq2_gram(G, a, b, LAM2), A1, B1)
    with pytest.raises(ClaimFailed):
        check("ch3-eq1-flat-along-d-path", measured=np.max(np.abs(rel)), at_most=1e-10)


@breaks("ch3-cosine-rises-along-d-path")
def test_rising_path_breaks_for_the_eq1_objective(setting, cosine_fits):
    _, _, study = setting
    fit = cosine_fits[0.5]
    rel = _path(study, study.cosine_objective(fit), fit.A, fit.B)
    check("ch3-cosine-rises-along-d-path", measured=min(rel[0], rel[-1]), at_least=1e-9)
    A1, B1 = cossim.eq1_factors(study.spectrum, LAM1, 0.5)
    rel = _path(study, study.eq1_objective(), A1, B1)
    with pytest.raises(ClaimFailed):
        check("ch3-cosine-rises-along-d-path", measured=min(rel[0], rel[-1]), at_least=1e-9)


# -- remedy 2 -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def projections(setting):
    data, _, study = setting
    A1, B1 = cossim.eq1_factors(study.spectrum, LAM1, 0.5)
    return study.projections(A1, B1, data.X, np.arange(50))


@breaks("ch3-projection-same-for-every-d")
def test_projection_breaks_for_latent_item_cosines(setting, projections):
    _, _, study = setting
    rows, cols, users, _ = projections
    check("ch3-projection-same-for-every-d", at_most=1e-10,
          measured=max(rs.max_change(f) for f in (rows, cols, users)))
    A1, B1 = cossim.eq1_factors(study.spectrum, LAM1, 0.5)
    latent = {j: cossim.item_item_cosine(cossim.rescale(A1, B1, d)[1])
              for j, d in enumerate(study.all_ds)}  # wrong: the latent B D⁻¹, not a projection
    with pytest.raises(ClaimFailed):
        check("ch3-projection-same-for-every-d", at_most=1e-10, measured=rs.max_change(latent))


@breaks("ch3-latent-user-cosines-move")
def test_latent_users_break_for_scalar_rescalings(setting, projections):
    data, _, study = setting
    check("ch3-latent-user-cosines-move", measured=rs.max_change(projections[3]), at_least=1e-6)
    A1, _ = cossim.eq1_factors(study.spectrum, LAM1, 0.5)
    users = np.arange(50)
    scalar = {j: cossim.user_user_cosine(data.X[users], A1 * c) for j, c in enumerate((1.0, 3.0))}
    with pytest.raises(ClaimFailed):
        check("ch3-latent-user-cosines-move", measured=rs.max_change(scalar), at_least=1e-6)


@breaks("ch3-projection-rows-are-gamma1")
def test_rows_are_gamma1_breaks_at_the_wrong_gamma(setting, projections):
    _, _, study = setting
    V, m = study.spectrum.V, study.m
    check("ch3-projection-rows-are-gamma1", at_most=1e-10,
          measured=np.max(np.abs(projections[0][0] - cossim.item_item_cosine(V * m))))
    with pytest.raises(ClaimFailed):  # γ = ½ instead of γ = 1
        check("ch3-projection-rows-are-gamma1", at_most=1e-10,
              measured=np.max(np.abs(projections[0][0] - cossim.item_item_cosine(V * m**0.5))))


@breaks("ch3-projection-cols-are-sigma-m")
def test_cols_are_sigma_m_breaks_without_sigma(setting, projections):
    _, _, study = setting
    V, sigma, m = study.spectrum.V, study.spectrum.sigma, study.m
    check("ch3-projection-cols-are-sigma-m", at_most=1e-10,
          measured=np.max(np.abs(projections[1][0] - cossim.item_item_cosine(V * (sigma * m)))))
    with pytest.raises(ClaimFailed):  # the factor σ forgotten
        check("ch3-projection-cols-are-sigma-m", at_most=1e-10,
              measured=np.max(np.abs(projections[1][0] - cossim.item_item_cosine(V * m))))


# -- remedy 3a ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def standardised(setting):
    data, _, study = setting
    G_std, _, sd = cossim.standardized_gram(data.X)
    fits, _ = study.transformed("3a", G_std)
    return G_std, sd, fits


@breaks("ch3-std-unit-variance")
def test_unit_variance_breaks_without_centring(setting, standardised):
    data, G, _ = setting
    G_std, sd, _ = standardised
    n = data.X.shape[0]
    check("ch3-std-unit-variance", measured=np.max(np.abs(np.diag(G_std)[sd > 0] / n - 1)),
          at_most=1e-12)
    scaled_only = G / np.outer(sd, sd)  # divided by sd but not centred
    with pytest.raises(ClaimFailed):
        check("ch3-std-unit-variance", at_most=1e-12,
              measured=np.max(np.abs(np.diag(scaled_only)[sd > 0] / n - 1)))


@breaks("ch3-std-eq1-free-d-moves-cosines", "ch3-ips-eq1-free-d-moves-cosines")
def test_transformed_eq1_free_d_breaks_for_the_eq2_fit(setting, standardised):
    _, _, study = setting
    fits = standardised[2]
    for claim in ("ch3-std-eq1-free-d-moves-cosines", "ch3-ips-eq1-free-d-moves-cosines"):
        check(claim, at_least=1e-6,
              measured=min(rs.free_d_cosine_change(fits[g].check) for g in study.gammas))
        with pytest.raises(ClaimFailed):  # the Eq. (2) row in place of the Eq. (1) rows
            check(claim, measured=rs.free_d_cosine_change(fits["eq2"].check), at_least=1e-6)


@breaks("ch3-std-eq2-no-free-d", "ch3-ips-eq2-no-free-d")
def test_transformed_eq2_no_free_d_breaks_for_an_eq1_fit(setting, standardised):
    fits = standardised[2]
    for claim in ("ch3-std-eq2-no-free-d", "ch3-ips-eq2-no-free-d"):
        check(claim, measured=rs.min_objective_change([fits["eq2"].check]), at_least=1e-9)
        with pytest.raises(ClaimFailed):  # an Eq. (1) row in place of the Eq. (2) row
            check(claim, measured=rs.min_objective_change([fits[0.5].check]), at_least=1e-9)


@breaks("ch3-std-gamma-spread")
def test_gamma_spread_breaks_when_every_gamma_is_one_half(setting, standardised):
    _, _, study = setting
    fits = standardised[2]
    check("ch3-std-gamma-spread", at_least=0.005,
          measured=np.ptp([fits[g].scores["auc"] for g in study.gammas]))
    with pytest.raises(ClaimFailed):
        check("ch3-std-gamma-spread", at_least=0.005,
              measured=np.ptp([fits[0.5].scores["auc"] for _ in study.gammas]))


# -- remedy 3b ----------------------------------------------------------------------------

@breaks("ch3-popular-items-most-entries")
def test_popularity_breaks_with_shuffled_popularity(setting):
    data, _, _ = setting
    bound = 3 / np.sqrt(data.X.shape[1] - 1)
    check("ch3-popular-items-most-entries", at_least=bound,
          measured=rs.popularity_count_rho(data.X, data.popularity))
    shuffled = np.random.default_rng(2).permutation(data.popularity)
    with pytest.raises(ClaimFailed):
        check("ch3-popular-items-most-entries", at_least=bound,
              measured=rs.popularity_count_rho(data.X, shuffled))


@breaks("ch3-ips-mapback-cosines")
def test_mapback_breaks_for_a_perturbed_factor(setting):
    data, _, _ = setting
    w = cossim.propensity_weights(data.X)
    G_ips = cossim.weighted_gram(data.X, w)
    _, B = cossim.eq1_factors(cossim.spectrum_from_gram(G_ips, RANK), LAM1, 0.5)

    def measured(B_X):
        return np.max(np.abs(cossim.item_item_cosine(B_X) - cossim.item_item_cosine(B)))

    check("ch3-ips-mapback-cosines", measured=measured(B / w[:, None]), at_most=1e-12)
    perturbed = B / w[:, None] + 1e-6 * np.random.default_rng(3).standard_normal(B.shape)
    with pytest.raises(ClaimFailed):
        check("ch3-ips-mapback-cosines", measured=measured(perturbed), at_most=1e-12)


# -- summary ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def summary(setting, baseline, standardised):
    return rs.summary_table(setting[2].rows, 10)


@breaks("ch3-purity-high")
def test_purity_high_breaks_with_shuffled_labels(setting, baseline):
    _, _, study = setting
    purity = [fit.scores["purity"] for fit in baseline.values()]
    check("ch3-purity-high", measured=np.median(purity), at_least=0.9)
    labels = np.random.default_rng(4).permutation(study.labels)
    shuffled = [cossim.neighbour_purity(fit.S, labels, 10) for fit in baseline.values()]
    with pytest.raises(ClaimFailed):
        check("ch3-purity-high", measured=np.median(shuffled), at_least=0.9)


@breaks("ch3-purity-varies-less")
def test_purity_varies_less_breaks_when_the_columns_are_swapped(summary):
    closed = summary[summary.remedy != "1 · cosine-trained"]
    auc, purity = closed["cluster AUC"], closed["purity@10"]
    check("ch3-purity-varies-less", measured=np.ptp(auc) - np.ptp(purity), at_least=0.0)
    with pytest.raises(ClaimFailed):  # AUC and purity columns swapped
        check("ch3-purity-varies-less", measured=np.ptp(purity) - np.ptp(auc), at_least=0.0)
