"""Tests of cossim.figure1.sweep: the γ sweep over the family B = V_k dMat(m)^γ of Eq. (1)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from cossim.figure1.sweep import DEFAULT_GAMMAS, gamma_sweep


def test_gamma_sweep_contains_the_panels(small):
    data, result = small
    sweep, ref = gamma_sweep(data.X, data.clusters, gammas=[0.0, 0.5, 1.0],
                             lam1s=(2000.0,), ranks=(6, 12), lam2=30.0)
    assert len(sweep) == 2 * 3 and len(ref) == 2
    at = sweep[(sweep["rank"] == 12)].set_index("gamma")["auc"]
    # the same spectrum and formulas: the AUCs agree to below one swapped pair (≈ 1.3e-6)
    for gamma, name in ((0.0, "eq1_gamma0"), (0.5, "eq1_gamma0.5"), (1.0, "eq1_gamma1")):
        assert_allclose(at[gamma], result.scores[name]["auc"], atol=1e-9)
    assert_allclose(ref[ref["rank"] == 12]["auc"].iloc[0], result.scores["eq2"]["auc"], atol=1e-9)


def test_gamma_sweep_default_grid():
    rng = np.random.default_rng(0)
    X = rng.random((100, 20))
    sweep, _ = gamma_sweep(X, np.arange(20) % 2, lam1s=(1.0,), ranks=(3,))
    assert_allclose(sorted(sweep["gamma"].unique()), np.arange(-1, 2.0001, 0.125))
    assert not DEFAULT_GAMMAS.flags.writeable


def test_gamma_sweep_neighbour_purity_column(small):
    data, result = small
    sweep, ref = gamma_sweep(data.X, data.clusters, gammas=[0.5], lam1s=(2000.0,), ranks=(12,),
                             lam2=30.0, neighbour_purity_too=True)
    assert_allclose(sweep["neighbour_purity"].iloc[0],
                    result.scores["eq1_gamma0.5"]["neighbour_purity"], atol=1e-12)
    assert_allclose(ref["neighbour_purity"].iloc[0], result.scores["eq2"]["neighbour_purity"],
                    atol=1e-12)


@pytest.mark.parametrize("gammas", [[], [np.nan], [0.0, np.inf]])
def test_gamma_sweep_rejects_bad_gammas(gammas):
    with pytest.raises(ValueError, match="gammas"):
        gamma_sweep(np.ones((5, 4)), [0, 0, 1, 1], gammas=gammas, ranks=(2,))


def test_gamma_sweep_scores_are_the_public_scores_exactly(small):
    """The sweep scores every B with the labels' pairs computed once: the numbers of
    cossim.cluster_auc and cossim.neighbour_purity on cos(B, B), bit for bit."""
    import cossim
    from cossim.linalg.spectrum import Spectrum

    data, _ = small
    gammas, ranks = [-0.5, 0.0, 0.75], (6, 12)
    sweep, ref = gamma_sweep(data.X, data.clusters, gammas=gammas, lam1s=(2000.0,), ranks=ranks,
                             lam2=30.0, neighbour_purity_too=True)
    full = cossim.top_singular(data.X, max(ranks))
    for row in sweep.itertuples():
        spectrum = Spectrum(full.sigma[:row.rank], full.V[:, :row.rank])
        S = cossim.item_item_cosine(cossim.eq1_factors(spectrum, row.lam1, row.gamma).B)
        assert row.auc == cossim.cluster_auc(S, data.clusters)
        assert row.neighbour_purity == cossim.neighbour_purity(S, data.clusters, 10)
    for row in ref.itertuples():
        spectrum = Spectrum(full.sigma[:row.rank], full.V[:, :row.rank])
        S = cossim.item_item_cosine(cossim.eq2_factors(spectrum, 30.0).B)
        assert row.auc == cossim.cluster_auc(S, data.clusters)


def test_gamma_sweep_needs_eleven_items_for_the_purity():
    from cossim._validation import InvalidValue

    rng = np.random.default_rng(0)
    X = rng.random((50, 10))
    gamma_sweep(X, np.arange(10) % 2, gammas=[0.0], lam1s=(1.0,), ranks=(3,))  # AUC only: fine
    with pytest.raises(InvalidValue, match="n_neighbours"):
        gamma_sweep(X, np.arange(10) % 2, gammas=[0.0], lam1s=(1.0,), ranks=(3,),
                    neighbour_purity_too=True)
