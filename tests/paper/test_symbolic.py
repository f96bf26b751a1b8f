"""cossim.paper.symbolic (with symbolic_core): the SymPy proofs and derivations of Sections 2.1–2.2."""

import numpy as np
import pytest
import sympy as sp

from cossim import symbolic
from cossim.paper.symbolic import lam, sigma


def test_eq1_invariant_under_rescaling_for_several_sizes():
    for n, p, k in [(1, 1, 1), (2, 3, 2), (2, 2, 3)]:
        assert symbolic.eq1_rescaling_difference(n, p, k) == 0


def test_eq1_rescaling_identity_fails_for_the_second_objective():
    assert symbolic.nonzero_terms(symbolic.eq1_rescaling_difference(1, 2, 2,
                                                                   objective=symbolic.eq2_objective)) > 0


def test_rotation_invariance_of_both_objectives():
    assert symbolic.eq1_rotation_difference(2, 2) == 0
    assert symbolic.eq2_rotation_difference(2, 2) == 0


def test_rotation_check_can_fail():
    """The reduction modulo c² + s² − 1 does not make everything vanish: a shear is no rotation."""
    _, _, (s, _) = symbolic.rotation_2d()
    shear = sp.Matrix([[1, s], [0, 1]])
    assert symbolic.eq2_rotation_difference(1, 2, transform=shear) != 0
    assert symbolic.eq1_rotation_difference(1, 2, transform=shear) != 0


def _exact_point(symbols, seed):
    """Random small rationals for every symbol (exact arithmetic: no tolerance needed)."""
    rng = np.random.default_rng(seed)
    return {s: sp.Rational(int(rng.integers(-9, 10)), int(rng.integers(1, 7))) for s in symbols}


def test_eq2_not_invariant_under_rescaling():
    res = symbolic.eq2_rescaling_difference(2, 2, 2)
    assert res.residual == 0
    assert symbolic.nonzero_terms(res.difference) > 0
    # the compact formula at an exact rational point (d's non-zero), equal exactly
    point = _exact_point(res.difference.free_symbols, 0)
    for s in point:
        if s.name.startswith("d_"):
            point[s] = sp.Rational(3, 2)
    assert res.difference.subs(point) == res.compact.subs(point)
    # a wrong power of d and λ = 0 are what the tests of the ledger break with
    assert symbolic.eq2_rescaling_difference(1, 2, 2, power=1).residual != 0
    assert symbolic.nonzero_terms(symbolic.eq2_rescaling_difference(1, 2, 2, lam_=0).difference) == 0


def test_eq2_counterexample_numbers():
    ce = symbolic.eq2_counterexample(2)
    assert ce.before == 2 and ce.after == sp.Rational(17, 4)
    assert symbolic.eq2_counterexample(1).after == 2
    with pytest.raises(ValueError, match="d"):
        symbolic.eq2_counterexample(0)


def test_eq1_scalar_minimiser():
    s = symbolic.eq1_scalar_minimiser()
    assert sp.simplify(s.minimiser - 1 / (1 + lam / sigma**2)) == 0
    assert sp.simplify(s.curvature - 2 * (sigma**2 + lam)) == 0
    assert sp.simplify(s.minimum - lam * sigma**2 / (sigma**2 + lam)) == 0
    # numeric: grid minimum of σ²(1-w)² + λw² at σ=2, λ=3. A convex parabola's grid
    # minimum is the grid point nearest its vertex: within half a spacing.
    w = np.linspace(-1, 2, 300001)
    f = 4 * (1 - w) ** 2 + 3 * w**2
    assert abs(w[np.argmin(f)] - 4 / 7) <= (w[1] - w[0]) / 2


def test_eq1_decoupling_and_truncation():
    assert symbolic.eq1_decoupling_identity(2) == 0
    assert symbolic.nonzero_terms(symbolic.eq1_decoupling_identity(
        2, shrinkage=lambda s: s / (s + lam))) > 0
    c, dc = symbolic.eq1_truncation_score()
    assert sp.simplify(c - sigma**2 / sp.sqrt(sigma**2 + lam)) == 0
    assert symbolic.positive_factors_missing(dc) == 0
    _, dc_bad = symbolic.eq1_truncation_score(weight=1 / sigma**3)
    assert symbolic.positive_factors_missing(dc_bad) > 0


def test_nonzero_terms_counts_what_is_left():
    x = sp.Symbol("x")
    assert symbolic.nonzero_terms(0) == 0
    assert symbolic.nonzero_terms((x + 1) ** 2 - x**2 - 2 * x - 1) == 0
    assert symbolic.nonzero_terms(x + 1) == 2
    assert symbolic.nonzero_terms(sp.Rational(1, 3)) == 1


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (5, ValueError), (1.5, TypeError),
                                      ("2", TypeError)])
def test_bad_sizes(bad, exc):
    with pytest.raises(exc, match="n"):
        symbolic.symbolic_matrices(bad, 2, 2)
