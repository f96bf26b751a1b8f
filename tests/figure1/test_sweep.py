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
